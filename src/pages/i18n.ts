// The shopper's language: Simplified Chinese (zh-CN, the default) or English, chosen by an
// explicit `?lang=` or by Accept-Language (RFC 9110 §12.5.4, with RFC 4647 basic filtering).
import { CST_OFFSET_MS } from '../core/time.ts';

export const LANGS = ['zh-CN', 'en'] as const;
export type Lang = (typeof LANGS)[number];
export const DEFAULT_LANG: Lang = 'zh-CN';

/** The supported language an explicit `?lang=` value names (`zh`, `zh-CN`, `zh-Hans`, `en`, `en-GB`, ...). */
export function langFromParam(value: string | undefined): Lang | undefined {
  if (!value) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'zh' || v.startsWith('zh-')) return 'zh-CN';
  if (v === 'en' || v.startsWith('en-')) return 'en';
  return undefined;
}

/**
 * The best supported language for an Accept-Language header: the range with the highest
 * quality that matches zh or en; ties go to the earlier range; `*` means the default.
 * Policy: any Chinese (zh-TW and zh-HK too) gets the Simplified Chinese page, the only
 * Chinese one there is.
 */
export function negotiateLang(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return DEFAULT_LANG;
  let best: { lang: Lang; q: number } | undefined;
  for (const part of acceptLanguage.split(',').slice(0, 50)) {
    const [rangeRaw, ...params] = part.split(';');
    const range = (rangeRaw ?? '').trim().toLowerCase();
    if (!range) continue;
    let q = 1;
    for (const p of params) {
      const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(p);
      if (m) q = Math.min(1, Number(m[1]));
    }
    if (q <= 0) continue;
    const lang = range === '*' ? DEFAULT_LANG : langFromParam(range);
    if (lang && (!best || q > best.q)) best = { lang, q };
  }
  return best?.lang ?? DEFAULT_LANG;
}

export interface Messages {
  siteName: string;
  /** After a label: a full-width colon in Chinese. */
  colon: string;
  switchTo: string;
  recalledTitle: string;
  recalledUpstreamTitle: string;
  recalledBatch: string;
  recallOpen: string;
  recallClass: Record<string, string>;
  recallReason: string;
  recallInstructions: string;
  recallIssuedBy: string;
  recallClosed: string;
  recallStatus: string;
  noRecall: string;
  product: string;
  category: string;
  gtin: string;
  lot: string;
  serial: string;
  producedOn: string;
  expiresOn: string;
  origin: string;
  quantity: string;
  producer: string;
  madeBy: string;
  ingredients: string;
  attributes: string;
  expired: string;
  labReports: string;
  noLabReports: string;
  thirdParty: string;
  selfTest: string;
  accreditation: string;
  issuedOn: string;
  verdict: Record<string, string>;
  test: string;
  result: string;
  limit: string;
  method: string;
  document: string;
  revoked: string;
  revokedBecause: string;
  certificates: string;
  noCertificates: string;
  certStatus: Record<string, string>;
  validity: string;
  scope: string;
  issuer: string;
  subjectBatch: string;
  subjectProducer: string;
  journey: string;
  noJourney: string;
  created: string;
  createdByTransform: string;
  shipped: string;
  received: string;
  rejected: string;
  notAcknowledged: string;
  conditions: string;
  conditionsOnArrival: string;
  from: string;
  to: string;
  note: string;
  heldBy: string;
  madeFrom: string;
  madeInto: string;
  used: string;
  integrity: string;
  integrityIntro: string;
  entries: string;
  entry: string;
  checkpoint: string;
  checkpointLine: (size: number, time: string) => string;
  logKey: string;
  keyId: string;
  checkPending: string;
  checkNoScript: string;
  /** `{n}` is the number of entries. */
  checkVerified: string;
  checkFailed: string;
  /** `{size}` is the latest checkpoint's size. */
  checkGrown: string;
  entryOk: string;
  entryBad: string;
  checkUnavailable: string;
  why: Record<'network' | 'key' | 'checkpoint' | 'entry' | 'signature' | 'inclusion' | 'uncovered' | 'consistency', string>;
  notFoundTitle: string;
  notFoundText: string;
  unknownSerialText: string;
  serialTitle: string;
  serialGenuine: string;
  serialChecked: (n: number, first: string) => string;
  serialSuspect: string;
  badRequestTitle: string;
  badRequestText: string;
  errorDetail: string;
  scanAgain: string;
  home: string;
  roles: Record<string, string>;
  entryTypes: Record<string, string>;
  conditionKeys: Record<string, string>;
  /** Labels of common `attributes` keys of a batch.create body; other keys are shown as they are. */
  attributeKeys: Record<string, string>;
  timeZoneNote: string;
  labelsTitle: string;
  labelsHint: string;
}

const zh: Messages = {
  siteName: '溯源核验',
  colon: '：',
  switchTo: 'English',
  recalledTitle: '本批次产品已被召回',
  recalledUpstreamTitle: '本产品所用的原料批次已被召回',
  recalledBatch: '被召回的批次',
  recallOpen: '请停止食用或使用本产品',
  recallClass: {
    I: '一级召回：食用后已经或可能导致严重健康损害甚至死亡',
    II: '二级召回：食用后已经或可能导致一般健康损害',
    III: '三级召回：不会造成健康损害，但标签、标识等不符合规定',
  },
  recallReason: '召回原因',
  recallInstructions: '处理方式',
  recallIssuedBy: '发布方',
  recallClosed: '召回已结束',
  recallStatus: '召回状态',
  noRecall: '无召回',
  product: '产品',
  category: '品类',
  gtin: '商品条码 (GTIN)',
  lot: '批号',
  serial: '序列号',
  producedOn: '生产日期',
  expiresOn: '保质期至',
  origin: '产地',
  quantity: '批次数量',
  producer: '生产者',
  madeBy: '生产方',
  ingredients: '配料',
  attributes: '产品信息',
  expired: '已过期',
  labReports: '检测报告',
  noLabReports: '暂无检测报告。',
  thirdParty: '第三方检测',
  selfTest: '企业自检',
  accreditation: '资质',
  issuedOn: '报告日期',
  verdict: { pass: '合格', fail: '不合格', info: '仅供参考' },
  test: '检测项目',
  result: '结果',
  limit: '限量',
  method: '方法',
  document: '查看报告原件',
  revoked: '已撤销',
  revokedBecause: '撤销原因',
  certificates: '认证证书',
  noCertificates: '暂无认证证书。',
  certStatus: { valid: '有效', expired: '已过期', not_yet_valid: '尚未生效', revoked: '已撤销' },
  validity: '有效期',
  scope: '认证范围',
  issuer: '发证机构',
  subjectBatch: '本批次',
  subjectProducer: '生产者',
  journey: '流通记录',
  noJourney: '暂无流通记录。',
  created: '生产登记',
  createdByTransform: '加工生产',
  shipped: '发货',
  received: '已签收',
  rejected: '已拒收',
  notAcknowledged: '尚未签收',
  conditions: '运输条件',
  conditionsOnArrival: '到货时',
  from: '发货方',
  to: '收货方',
  note: '备注',
  heldBy: '目前持有',
  madeFrom: '原料来源',
  madeInto: '用于生产',
  used: '用量',
  integrity: '数据核验',
  integrityIntro: '本页内容来自以下公开账本记录。您的浏览器会逐条核对签名，并核对它们都在账本的签名检查点中。',
  entries: '账本记录',
  entry: '记录',
  checkpoint: '检查点',
  checkpointLine: (size, time) => `账本共 ${size} 条记录，签署于 ${time}`,
  logKey: '账本公钥',
  keyId: '密钥 ID',
  checkPending: '正在您的浏览器中核验…',
  checkNoScript: '需要开启 JavaScript 才能在您的浏览器中核验签名；页面其余内容无需 JavaScript。',
  checkVerified: '核验通过：{n} 条记录的签名和账本证明均正确。',
  checkFailed: '核验失败：本页数据与账本不符，请勿轻信本页信息。',
  checkGrown: '账本此后已增长至 {size} 条记录，且与本页检查点一致。',
  entryOk: '已核验',
  entryBad: '不符',
  checkUnavailable: '本服务暂时无法提供浏览器核验。',
  why: {
    network: '无法从账本读取核验数据，请检查网络后刷新。',
    key: '账本公钥与本页不一致。',
    checkpoint: '检查点签名无效。',
    entry: '账本记录内容与本页不一致。',
    signature: '记录的签名无效。',
    inclusion: '记录不在签名检查点中（包含证明无效）。',
    uncovered: '记录尚未被检查点覆盖，请稍后刷新。',
    consistency: '账本最新检查点与本页检查点不一致。',
  },
  notFoundTitle: '未找到该产品',
  notFoundText: '账本中没有这个商品条码和批号的记录。请核对包装上的二维码，或联系商家。',
  unknownSerialText: '账本中没有这个序列号的记录。',
  serialTitle: '单品防伪码',
  serialGenuine: '这是生产商为本批次登记的真实序列号。',
  serialChecked: (n, first) => `此码已被查询 ${n} 次，首次查询于 ${first}。`,
  serialSuspect: '警告：此码被查询的次数异常多，可能是被复制的假冒二维码。若这是您第一次扫描，请谨慎购买并联系商家或生产商。',
  badRequestTitle: '无法识别的二维码链接',
  badRequestText: '这个链接不是有效的 GS1 数字链接（商品条码、批号或顺序有误）。',
  errorDetail: '详细信息',
  scanAgain: '请重新扫描包装上的二维码。',
  home: '首页',
  roles: {
    producer: '生产者',
    lab: '检测机构',
    certifier: '认证机构',
    carrier: '物流承运方',
    retailer: '零售商',
    authority: '监管部门',
    operator: '账本运营方',
    unknown: '未知',
  },
  entryTypes: {
    'log.init': '账本创建',
    'actor.register': '主体登记',
    'actor.rotateKey': '更换密钥',
    'actor.revoke': '主体注销',
    'batch.create': '批次登记',
    'labreport.issue': '检测报告',
    'labreport.revoke': '报告撤销',
    'certificate.issue': '证书颁发',
    'certificate.revoke': '证书撤销',
    'handoff.ship': '发货',
    'handoff.receive': '签收',
    'batch.transform': '加工',
    'recall.issue': '召回',
    'recall.close': '召回结束',
    'serials.issue': '序列号登记',
  },
  attributeKeys: {
    variety: '品种',
    field: '地块',
    netContent: '净含量',
    grade: '等级',
    storage: '贮存条件',
    brand: '品牌',
    standard: '执行标准',
    license: '生产许可证',
    region: '产区',
  },
  conditionKeys: { temperature: '温度', humidity: '湿度', vehicle: '车辆', container: '容器', duration: '时长', seal: '封签' },
  timeZoneNote: '时间为北京时间 (UTC+8)',
  labelsTitle: '标签打印',
  labelsHint: '使用浏览器的打印功能，缩放选择“实际大小 / 100%”。',
};

const en: Messages = {
  siteName: 'Product check',
  colon: ': ',
  switchTo: '中文',
  recalledTitle: 'This batch has been recalled',
  recalledUpstreamTitle: 'A batch this product was made from has been recalled',
  recalledBatch: 'Recalled batch',
  recallOpen: 'Stop eating or using this product',
  recallClass: {
    I: 'Class I: use has caused or may cause serious harm to health or death',
    II: 'Class II: use has caused or may cause temporary or minor harm to health',
    III: 'Class III: not likely to harm health, but labelling or marking is not compliant',
  },
  recallReason: 'Reason',
  recallInstructions: 'What to do',
  recallIssuedBy: 'Issued by',
  recallClosed: 'Recall closed',
  recallStatus: 'Recall status',
  noRecall: 'Not recalled',
  product: 'Product',
  category: 'Category',
  gtin: 'GTIN',
  lot: 'Lot',
  serial: 'Serial',
  producedOn: 'Produced',
  expiresOn: 'Best before',
  origin: 'Origin',
  quantity: 'Batch size',
  producer: 'Producer',
  madeBy: 'Made by',
  ingredients: 'Ingredients',
  attributes: 'Details',
  expired: 'expired',
  labReports: 'Lab reports',
  noLabReports: 'No lab reports yet.',
  thirdParty: 'Third-party lab',
  selfTest: 'Self-test by the producer',
  accreditation: 'Accreditation',
  issuedOn: 'Issued',
  verdict: { pass: 'Pass', fail: 'Fail', info: 'For information' },
  test: 'Test',
  result: 'Result',
  limit: 'Limit',
  method: 'Method',
  document: 'Original report',
  revoked: 'Revoked',
  revokedBecause: 'Reason for revocation',
  certificates: 'Certificates',
  noCertificates: 'No certificates.',
  certStatus: { valid: 'Valid', expired: 'Expired', not_yet_valid: 'Not yet valid', revoked: 'Revoked' },
  validity: 'Validity period',
  scope: 'Scope',
  issuer: 'Issued by',
  subjectBatch: 'this batch',
  subjectProducer: 'the producer',
  journey: 'Journey',
  noJourney: 'No shipments recorded yet.',
  created: 'Produced',
  createdByTransform: 'Made',
  shipped: 'Shipped',
  received: 'Received',
  rejected: 'Rejected',
  notAcknowledged: 'Not yet acknowledged',
  conditions: 'Conditions',
  conditionsOnArrival: 'On arrival',
  from: 'From',
  to: 'To',
  note: 'Note',
  heldBy: 'Now held by',
  madeFrom: 'Made from',
  madeInto: 'Used in',
  used: 'used',
  integrity: 'Integrity',
  integrityIntro:
    'This page rests on the public ledger entries below. Your browser checks each signature and that every entry is in a signed checkpoint of the ledger.',
  entries: 'Ledger entries',
  entry: 'Entry',
  checkpoint: 'Checkpoint',
  checkpointLine: (size, time) => `${size} entries, signed ${time}`,
  logKey: 'Ledger key',
  keyId: 'key ID',
  checkPending: 'Checking in your browser…',
  checkNoScript: 'Turn on JavaScript to check the signatures in your browser; the rest of the page works without it.',
  checkVerified: 'Verified: the signatures and ledger proofs of all {n} entries are correct.',
  checkFailed: 'Check failed: this page does not match the ledger. Do not rely on it.',
  checkGrown: "The ledger has since grown to {size} entries, consistent with this page's checkpoint.",
  entryOk: 'verified',
  entryBad: 'mismatch',
  checkUnavailable: 'The in-browser check is not available from this service right now.',
  why: {
    network: 'Could not read the proofs from the ledger; check your connection and reload.',
    key: 'The ledger key differs from the one this page names.',
    checkpoint: 'The checkpoint signature is not valid.',
    entry: 'A ledger entry differs from what this page shows.',
    signature: 'An entry signature is not valid.',
    inclusion: 'An entry is not in the signed checkpoint (bad inclusion proof).',
    uncovered: 'An entry is not yet covered by a checkpoint; reload in a moment.',
    consistency: "The ledger's latest checkpoint is not consistent with this page's.",
  },
  notFoundTitle: 'Product not found',
  notFoundText: 'The ledger has no record of this GTIN and lot. Check the QR code on the package or ask the seller.',
  unknownSerialText: 'The ledger has no record of this serial number.',
  serialTitle: 'Unit code',
  serialGenuine: 'This is a genuine serial number that the producer registered for this batch.',
  serialChecked: (n, first) => `This code has been checked ${n} ${n === 1 ? 'time' : 'times'}, first on ${first}.`,
  serialSuspect: 'Warning: this code has been checked unusually often and may be a copied, counterfeit code. If this is your first scan, be careful and contact the seller or the producer.',
  badRequestTitle: 'Unrecognised QR link',
  badRequestText: 'This link is not a valid GS1 Digital Link (GTIN, lot or their order is wrong).',
  errorDetail: 'Details',
  scanAgain: 'Please scan the QR code on the package again.',
  home: 'Home',
  roles: {
    producer: 'Producer',
    lab: 'Laboratory',
    certifier: 'Certification body',
    carrier: 'Carrier',
    retailer: 'Retailer',
    authority: 'Authority',
    operator: 'Ledger operator',
    unknown: 'Unknown',
  },
  entryTypes: {
    'log.init': 'ledger created',
    'actor.register': 'registration',
    'actor.rotateKey': 'key change',
    'actor.revoke': 'deregistration',
    'batch.create': 'batch',
    'labreport.issue': 'lab report',
    'labreport.revoke': 'report revoked',
    'certificate.issue': 'certificate',
    'certificate.revoke': 'certificate revoked',
    'handoff.ship': 'shipment',
    'handoff.receive': 'receipt',
    'batch.transform': 'processing',
    'recall.issue': 'recall',
    'recall.close': 'recall closed',
    'serials.issue': 'serials',
  },
  attributeKeys: {
    variety: 'Variety',
    field: 'Field',
    netContent: 'Net content',
    grade: 'Grade',
    storage: 'Storage',
    brand: 'Brand',
    standard: 'Product standard',
    license: 'Production licence',
    region: 'Region',
  },
  conditionKeys: { temperature: 'Temperature', humidity: 'Humidity', vehicle: 'Vehicle', container: 'Container', duration: 'Duration', seal: 'Seal' },
  timeZoneNote: 'Times are China Standard Time (UTC+8)',
  labelsTitle: 'Labels',
  labelsHint: 'Print with your browser at "Actual size / 100%".',
};

export const MESSAGES: Record<Lang, Messages> = { 'zh-CN': zh, en };

// UN/ECE Recommendation 20 codes that batches commonly use; other codes are shown as they are.
const UNITS: Record<Lang, Record<string, string>> = {
  'zh-CN': { KGM: '千克', GRM: '克', TNE: '吨', LTR: '升', MLT: '毫升', H87: '件', XBG: '袋', XBX: '箱', XBO: '瓶', XCT: '箱', EA: '个' },
  en: { KGM: 'kg', GRM: 'g', TNE: 't', LTR: 'L', MLT: 'mL', H87: 'pcs', XBG: 'bags', XBX: 'boxes', XBO: 'bottles', XCT: 'cartons', EA: 'each' },
};

export function unitName(uom: unknown, lang: Lang): string {
  return typeof uom === 'string' ? (UNITS[lang][uom] ?? uom) : '';
}

export function formatQuantity(q: unknown, lang: Lang): string {
  if (typeof q === 'number') return String(q);
  if (q && typeof q === 'object' && 'amount' in q) {
    const { amount, uom } = q as { amount: unknown; uom?: unknown };
    const n = typeof amount === 'number' ? amount.toLocaleString(lang === 'en' ? 'en-US' : 'zh-CN', { maximumFractionDigits: 6 }) : String(amount);
    return `${n} ${unitName(uom, lang)}`.trim();
  }
  return '';
}

const regionNames: Partial<Record<Lang, Intl.DisplayNames>> = {};

/** The name of an ISO 3166-1 alpha-2 country in the shopper's language, or the code itself. */
export function countryName(code: unknown, lang: Lang): string {
  if (typeof code !== 'string' || !/^[A-Z]{2}$/.test(code)) return typeof code === 'string' ? code : '';
  try {
    regionNames[lang] ??= new Intl.DisplayNames([lang], { type: 'region' });
    return regionNames[lang]!.of(code) ?? code;
  } catch {
    return code;
  }
}

/**
 * An RFC 3339 time as `YYYY-MM-DD HH:MM` in China Standard Time. Policy: shoppers are in
 * China, so every time is shown in UTC+8 (which has no daylight saving), whatever the language.
 */
export function formatTimeCst(time: unknown): string {
  if (typeof time !== 'string') return '';
  const ms = Date.parse(time);
  if (Number.isNaN(ms)) return time;
  const d = new Date(ms + CST_OFFSET_MS).toISOString();
  return `${d.slice(0, 10)} ${d.slice(11, 16)}`;
}

/**
 * Ledger text in the shopper's language. Bodies may carry an optional `translations` object,
 * `{"en": {"name": "..."}}`, next to the text it translates (a lotproof convention for the
 * optional fields SPEC §3 welcomes); without one, the text is shown as it was signed.
 */
export function localized(obj: unknown, field: string, lang: Lang): unknown {
  if (!obj || typeof obj !== 'object') return undefined;
  const o = obj as Record<string, unknown>;
  const tr = o.translations;
  if (tr && typeof tr === 'object') {
    const forLang = (tr as Record<string, unknown>)[lang] ?? (tr as Record<string, unknown>)[lang.slice(0, 2)];
    if (forLang && typeof forLang === 'object') {
      const v = (forLang as Record<string, unknown>)[field];
      if (typeof v === 'string' && v.trim() !== '') return v;
    }
  }
  return o[field];
}
