// Demo data: a rice supply chain in Heilongjiang, written to a ledger as real signed statements
// (SPEC §1 and §3) by actors with real keys. A cooperative in Wuchang grows paddy rice; a
// CNAS-accredited lab tests it for pesticide residues (GB 2763) and heavy metals (GB 2762) and
// the cooperative tests it itself; an organic certifier certifies the farm (GB/T 19630); a mill
// turns the paddy into 5 kg bags of rice; a carrier brings them to a supermarket in Shanghai.
// One paddy lot fails the cadmium limit and is recalled, and the rice milled from it shows the
// recall too. All organisations, numbers and results are made up for the demonstration.
import { toBase64, toHex } from '../src/core/bytes.ts';
import { generateKeyPair, type KeyPair } from '../src/core/ed25519.ts';
import { batchName, encodeDigitalLinkPath, gtinCheckDigit } from '../src/core/gs1.ts';
import { sha256 } from '../src/core/hash.ts';
import type { StatementType } from '../src/core/statement.ts';
import { formatTime } from '../src/core/time.ts';
import type { Clock } from '../src/ledger/clock.ts';
import type { Ledger } from '../src/ledger/ledger.ts';
import { signSubmission } from '../src/cli/client.ts';

export interface DemoBatch {
  /** What the batch is in the story. */
  role: 'paddy' | 'paddy-recalled' | 'rice' | 'rice-from-recalled';
  gtin: string;
  lot: string;
  /** The ledger's name, `01/<gtin>/10/<lot>`. */
  name: string;
  /** The Digital Link path, percent-encoded. */
  path: string;
  title: string;
  recalled: boolean;
}

export interface DemoInfo {
  batches: DemoBatch[];
  /** Actor ids by their part in the story. */
  actors: Record<'farm' | 'lab' | 'certifier' | 'mill' | 'carrier' | 'retailer', string>;
  /** Number of log entries after seeding. */
  size: number;
}

interface Actor {
  id: string;
  key: KeyPair;
}

const DAY = 86_400_000;

/** A GTIN-14 from its first 13 digits. */
const gtin = (first13: string) => `${first13}${gtinCheckDigit(first13)}`;

/** A one-page PDF with ASCII lines of Helvetica text, so the demo's report documents open. */
export function minimalPdf(lines: string[]): Uint8Array {
  const esc = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
  const text = `BT /F1 11 Tf 56 780 Td 16 TL ${lines.map((l) => `(${esc(l)}) '`).join(' ')} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${text.length} >>\nstream\n${text}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}

/**
 * Registers the demo's actors with `operatorKey` and writes their statements to `ledger`,
 * timed by `clock` (statement times are now, as the ledger requires; the events they record
 * lie in the weeks before). Resolves once a checkpoint covers everything written.
 */
export async function seedDemo(ledger: Ledger, clock: Clock, operatorKey: KeyPair): Promise<DemoInfo> {
  const now = clock.now();
  const date = (daysAgo: number) => formatTime(now - daysAgo * DAY).slice(0, 10);
  // Event times fall on whole hours, in China Standard Time working hours.
  const at = (daysAgo: number, hourCst: number) =>
    formatTime(Date.parse(`${date(daysAgo)}T00:00:00.000Z`) + (hourCst - 8) * 3_600_000);

  const operator: Actor = { id: 'operator', key: operatorKey };
  const submit = async (actor: Actor, type: StatementType, body: Record<string, unknown>) =>
    (await ledger.submit(signSubmission(actor.id, actor.key, type, body, clock.now()))).seq;
  const register = async (id: string, role: string, name: string, en: string, accreditation?: { body: string; number: string }) => {
    const key = generateKeyPair();
    await submit(operator, 'actor.register', {
      id,
      role,
      name,
      pub: toBase64(key.publicKey),
      ...(accreditation ? { accreditation } : {}),
      translations: { en: { name: en } },
    });
    return { id, key };
  };
  const storeDocument = (by: Actor, lines: string[], name: string) => {
    const bytes = minimalPdf(lines);
    const hex = toHex(sha256(bytes));
    if (!ledger.store.document(hex)) {
      ledger.store.putDocument({ sha256: hex, mediaType: 'application/pdf', size: bytes.length, uploadedBy: by.id, uploadedAt: formatTime(clock.now()) }, bytes);
    }
    return { sha256: hex, mediaType: 'application/pdf', name };
  };

  const farm = await register('wuchang-jinhe', 'producer', '五常市金禾水稻种植专业合作社', 'Jinhe Rice Growers Cooperative, Wuchang');
  const lab = await register('beifang-grain-lab', 'lab', '北方谷物检测技术有限公司', 'Beifang Grain Testing Co., Ltd.', { body: 'CNAS', number: 'CNAS L10586' });
  const certifier = await register('cofcc', 'certifier', '中绿华夏有机产品认证中心', 'China Organic Food Certification Center (COFCC)', { body: 'CNCA', number: 'CNCA-R-2002-001' });
  const mill = await register('daoxiang-mill', 'producer', '五常稻香米业有限公司', 'Wuchang Daoxiang Rice Milling Co., Ltd.');
  const carrier = await register('beifang-coldchain', 'carrier', '北方冷链物流有限公司', 'Beifang Cold Chain Logistics Co., Ltd.');
  const retailer = await register('xianfeng-xuhui', 'retailer', '鲜丰超市（上海徐汇店）', 'Xianfeng Supermarket, Xuhui, Shanghai');

  const paddyGtin = gtin('0697123450001');
  const riceGtin = gtin('0697123450002');
  const paddyA = { gtin: paddyGtin, lot: 'WC2026-DX07' };
  const paddyB = { gtin: paddyGtin, lot: 'WC2026-DX09' };
  const riceA = { gtin: riceGtin, lot: 'DM2026-A07' };
  const riceB = { gtin: riceGtin, lot: 'DM2026-B09' };
  const nameOf = (b: { gtin: string; lot: string }) => batchName(b.gtin, b.lot);

  const wuchang = { country: 'CN', region: '黑龙江省五常市民乐朝鲜族乡', translations: { en: { region: 'Minle Township, Wuchang, Heilongjiang' } } };
  const paddyProduct = {
    name: '五常稻谷（稻花香2号）',
    category: '稻谷',
    translations: { en: { name: 'Wuchang paddy rice (Daohuaxiang No. 2)', category: 'Paddy rice' } },
  };
  const paddyAttributes = { variety: '稻花香2号', field: '民乐乡 3 号地块', translations: { en: { variety: 'Daohuaxiang No. 2', field: 'Minle, plot 3' } } };

  // Harvest.
  await submit(farm, 'batch.create', {
    ...paddyA,
    product: paddyProduct,
    producedOn: date(46),
    quantity: { amount: 20000, uom: 'KGM' },
    origin: wuchang,
    attributes: paddyAttributes,
  });
  await submit(farm, 'batch.create', {
    ...paddyB,
    product: paddyProduct,
    producedOn: date(44),
    quantity: { amount: 8000, uom: 'KGM' },
    origin: wuchang,
    attributes: { ...paddyAttributes, field: '民乐乡 9 号地块', translations: { en: { variety: 'Daohuaxiang No. 2', field: 'Minle, plot 9' } } },
  });

  // The farm's organic certificate, and an older good-agricultural-practice one that has lapsed.
  await submit(certifier, 'certificate.issue', {
    id: 'COFCC-ORG-2026-0417',
    subject: { actor: farm.id },
    standard: '有机产品认证 GB/T 19630-2019',
    validFrom: date(200),
    validUntil: date(-165),
    scope: '稻谷种植，1,200 亩（民乐乡）',
    translations: { en: { standard: 'Organic products, GB/T 19630-2019', scope: 'Paddy rice cultivation, 80 ha (Minle)' } },
  });
  await submit(certifier, 'certificate.issue', {
    id: 'COFCC-GAP-2023-0112',
    subject: { actor: farm.id },
    standard: '良好农业规范认证 GB/T 20014',
    validFrom: date(1125),
    validUntil: date(30),
    scope: '稻谷种植',
    translations: { en: { standard: 'Good Agricultural Practice, GB/T 20014', scope: 'Paddy rice cultivation' } },
  });

  // Tests of the harvest: third-party pesticide residues, and the farm's own quality checks.
  const reportA = storeDocument(lab, [
    'Beifang Grain Testing Co., Ltd. - CNAS L10586',
    `Test report BF-2026-11873, issued ${date(42)}`,
    `Sample: paddy rice, lot ${paddyA.lot}, GTIN ${paddyGtin}`,
    'Pesticide residues, GB 2763-2021 / GB 23200.113-2018:',
    'chlorpyrifos <0.01 mg/kg, tricyclazole <0.01 mg/kg, imidacloprid <0.01 mg/kg',
    'Verdict: PASS',
  ], 'BF-2026-11873.pdf');
  await submit(lab, 'labreport.issue', {
    id: 'BF-2026-11873',
    batch: nameOf(paddyA),
    issuedOn: date(42),
    tests: [
      { name: '毒死蜱', result: '<0.01', unit: 'mg/kg', limit: '0.5', verdict: 'pass', method: 'GB 23200.113-2018', translations: { en: { name: 'Chlorpyrifos' } } },
      { name: '三环唑', result: '<0.01', unit: 'mg/kg', limit: '2', verdict: 'pass', method: 'GB 23200.113-2018', translations: { en: { name: 'Tricyclazole' } } },
      { name: '吡虫啉', result: '<0.01', unit: 'mg/kg', limit: '0.05', verdict: 'pass', method: 'GB/T 20770-2008', translations: { en: { name: 'Imidacloprid' } } },
      { name: '噻嗪酮', result: '0.02', unit: 'mg/kg', limit: '0.3', verdict: 'pass', method: 'GB 23200.113-2018', translations: { en: { name: 'Buprofezin' } } },
    ],
    verdict: 'pass',
    document: reportA,
  });
  await submit(farm, 'labreport.issue', {
    id: 'JH-QC-2026-031',
    batch: nameOf(paddyA),
    issuedOn: date(45),
    tests: [
      { name: '水分', result: 14.2, unit: '%', limit: '≤14.5', verdict: 'pass', method: 'GB 5009.3-2016', translations: { en: { name: 'Moisture' } } },
      { name: '杂质', result: 0.6, unit: '%', limit: '≤1.0', verdict: 'pass', method: 'GB/T 5494-2019', translations: { en: { name: 'Impurities' } } },
      { name: '出糙率', result: 79.6, unit: '%', verdict: 'info', method: 'GB/T 5495-2008', translations: { en: { name: 'Brown rice yield' } } },
    ],
    verdict: 'pass',
  });
  await submit(farm, 'labreport.issue', {
    id: 'JH-QC-2026-033',
    batch: nameOf(paddyB),
    issuedOn: date(43),
    tests: [{ name: '水分', result: 14.4, unit: '%', limit: '≤14.5', verdict: 'pass', method: 'GB 5009.3-2016', translations: { en: { name: 'Moisture' } } }],
    verdict: 'pass',
  });

  // Paddy to the mill.
  await submit(farm, 'handoff.ship', {
    id: 'JH-SH-2026-0815',
    batch: nameOf(paddyA),
    to: mill.id,
    quantity: 18000,
    shippedAt: at(41, 8),
    fromLocation: '金禾合作社 烘干仓',
    toLocation: '稻香米业 原粮库',
    conditions: { temperature: '常温', vehicle: '黑A·7Q215', translations: { en: { temperature: 'ambient' } } },
  });
  await submit(mill, 'handoff.receive', { shipment: `${farm.id}/JH-SH-2026-0815`, receivedAt: at(41, 15), outcome: 'accepted', quantity: 18000 });
  await submit(farm, 'handoff.ship', { id: 'JH-SH-2026-0822', batch: nameOf(paddyB), to: mill.id, quantity: 8000, shippedAt: at(40, 9) });
  await submit(mill, 'handoff.receive', { shipment: `${farm.id}/JH-SH-2026-0822`, receivedAt: at(40, 14), outcome: 'accepted' });

  // Milling: each paddy lot becomes bags of rice.
  const riceProduct = {
    name: '五常大米 稻花香 5kg',
    category: '大米',
    translations: { en: { name: 'Wuchang rice, Daohuaxiang, 5 kg', category: 'Rice' } },
  };
  const riceBody = (lot: { gtin: string; lot: string }, producedDaysAgo: number, bags: number) => ({
    ...lot,
    product: riceProduct,
    producedOn: date(producedDaysAgo),
    expiresOn: date(producedDaysAgo - 365),
    quantity: { amount: bags, uom: 'XBG' },
    origin: { country: 'CN', region: '黑龙江省五常市', translations: { en: { region: 'Wuchang, Heilongjiang' } } },
    ingredients: [{ name: '稻谷（五常稻花香2号）', translations: { en: { name: 'Paddy rice (Daohuaxiang No. 2)' } } }],
    attributes: {
      netContent: '5 kg',
      grade: '一级（GB/T 1354-2018）',
      storage: '阴凉干燥处保存',
      translations: { en: { grade: 'Grade 1 (GB/T 1354-2018)', storage: 'Keep cool and dry' } },
    },
  });
  await submit(mill, 'batch.transform', {
    inputs: [{ batch: nameOf(paddyA), quantity: { amount: 18000, uom: 'KGM' } }],
    outputs: [riceBody(riceA, 36, 2400)],
  });
  await submit(mill, 'batch.transform', {
    inputs: [{ batch: nameOf(paddyB), quantity: { amount: 8000, uom: 'KGM' } }],
    outputs: [riceBody(riceB, 35, 1000)],
  });

  // Tests of the rice: third-party heavy metals and mycotoxins, and the mill's own check.
  const reportRice = storeDocument(lab, [
    'Beifang Grain Testing Co., Ltd. - CNAS L10586',
    `Test report BF-2026-12240, issued ${date(33)}`,
    `Sample: rice, 5 kg bag, lot ${riceA.lot}, GTIN ${riceGtin}`,
    'Contaminants, GB 2762-2022; mycotoxins, GB 2761-2017:',
    'Cd 0.05 mg/kg, Pb 0.03 mg/kg, inorganic As 0.08 mg/kg, Hg <0.005 mg/kg, aflatoxin B1 <0.5 ug/kg',
    'Verdict: PASS',
  ], 'BF-2026-12240.pdf');
  await submit(lab, 'labreport.issue', {
    id: 'BF-2026-12240',
    batch: nameOf(riceA),
    issuedOn: date(33),
    tests: [
      { name: '镉（以 Cd 计）', result: '0.05', unit: 'mg/kg', limit: '0.2', verdict: 'pass', method: 'GB 5009.15-2023', translations: { en: { name: 'Cadmium (Cd)' } } },
      { name: '铅（以 Pb 计）', result: '0.03', unit: 'mg/kg', limit: '0.2', verdict: 'pass', method: 'GB 5009.12-2023', translations: { en: { name: 'Lead (Pb)' } } },
      { name: '无机砷', result: '0.08', unit: 'mg/kg', limit: '0.2', verdict: 'pass', method: 'GB 5009.11-2024', translations: { en: { name: 'Inorganic arsenic' } } },
      { name: '总汞（以 Hg 计）', result: '<0.005', unit: 'mg/kg', limit: '0.02', verdict: 'pass', method: 'GB 5009.17-2021', translations: { en: { name: 'Total mercury (Hg)' } } },
      { name: '黄曲霉毒素 B1', result: '<0.5', unit: 'μg/kg', limit: '10', verdict: 'pass', method: 'GB 5009.22-2016', translations: { en: { name: 'Aflatoxin B1' } } },
    ],
    verdict: 'pass',
    document: reportRice,
  });
  await submit(mill, 'labreport.issue', {
    id: 'DX-QC-2026-118',
    batch: nameOf(riceA),
    issuedOn: date(36),
    tests: [
      { name: '碎米率', result: 8.2, unit: '%', limit: '≤15.0', verdict: 'pass', method: 'GB/T 5503-2009', translations: { en: { name: 'Broken kernels' } } },
      { name: '食味品质评分', result: 88, verdict: 'info', method: 'GB/T 15682-2008', translations: { en: { name: 'Eating quality score' } } },
    ],
    verdict: 'pass',
  });
  await submit(certifier, 'certificate.issue', {
    id: 'COFCC-ORG-P-2026-0932',
    subject: { batch: nameOf(riceA) },
    standard: '有机产品认证（加工）GB/T 19630-2019',
    validFrom: date(36),
    validUntil: date(-329),
    scope: '大米加工，本批次 2,400 袋',
    translations: { en: { standard: 'Organic products (processing), GB/T 19630-2019', scope: 'Rice milling, this batch of 2,400 bags' } },
  });

  // The rice goes by temperature-controlled truck to a supermarket in Shanghai.
  const truck = { temperature: '15–20 °C', humidity: '≤65%', vehicle: '黑A·5C882（恒温厢式车）', translations: { en: { vehicle: 'Heilongjiang A·5C882 (temperature-controlled van)' } } };
  await submit(mill, 'handoff.ship', {
    id: 'DX-SH-2026-1203',
    batch: nameOf(riceA),
    to: carrier.id,
    quantity: 2400,
    shippedAt: at(30, 9),
    fromLocation: '黑龙江省五常市 稻香米业成品库',
    toLocation: '上海市徐汇区 鲜丰配送中心',
    conditions: truck,
  });
  await submit(carrier, 'handoff.receive', { shipment: `${mill.id}/DX-SH-2026-1203`, receivedAt: at(30, 11), outcome: 'accepted', conditions: { temperature: '17 °C' } });
  await submit(carrier, 'handoff.ship', {
    id: 'BF-TR-2026-5531',
    batch: nameOf(riceA),
    to: retailer.id,
    quantity: 2400,
    shippedAt: at(27, 6),
    toLocation: '上海市徐汇区 鲜丰超市',
    conditions: { temperature: '16–18 °C' },
  });
  await submit(retailer, 'handoff.receive', {
    shipment: `${carrier.id}/BF-TR-2026-5531`,
    receivedAt: at(27, 10),
    outcome: 'accepted',
    quantity: 2400,
    conditions: { temperature: '17 °C' },
    note: '包装完好，数量无误',
  });
  await submit(mill, 'handoff.ship', { id: 'DX-SH-2026-1207', batch: nameOf(riceB), to: carrier.id, quantity: 1000, shippedAt: at(29, 9), conditions: truck });
  await submit(carrier, 'handoff.receive', { shipment: `${mill.id}/DX-SH-2026-1207`, receivedAt: at(29, 12), outcome: 'accepted' });
  await submit(carrier, 'handoff.ship', { id: 'BF-TR-2026-5540', batch: nameOf(riceB), to: retailer.id, quantity: 600, shippedAt: at(16, 6), conditions: { temperature: '16–18 °C' } });

  // A routine retest finds cadmium above the limit in the second paddy lot: a class II recall.
  const reportB = storeDocument(lab, [
    'Beifang Grain Testing Co., Ltd. - CNAS L10586',
    `Test report BF-2026-12977, issued ${date(18)}`,
    `Sample: paddy rice, lot ${paddyB.lot}, GTIN ${paddyGtin}`,
    'Contaminants, GB 2762-2022: Cd 0.28 mg/kg (limit 0.2 mg/kg)',
    'Verdict: FAIL',
  ], 'BF-2026-12977.pdf');
  await submit(lab, 'labreport.issue', {
    id: 'BF-2026-12977',
    batch: nameOf(paddyB),
    issuedOn: date(18),
    tests: [
      { name: '镉（以 Cd 计）', result: '0.28', unit: 'mg/kg', limit: '0.2', verdict: 'fail', method: 'GB 5009.15-2023', translations: { en: { name: 'Cadmium (Cd)' } } },
      { name: '铅（以 Pb 计）', result: '0.04', unit: 'mg/kg', limit: '0.2', verdict: 'pass', method: 'GB 5009.12-2023', translations: { en: { name: 'Lead (Pb)' } } },
    ],
    verdict: 'fail',
    document: reportB,
  });
  await submit(farm, 'labreport.revoke', { report: `${farm.id}/JH-QC-2026-033`, reason: '送检样品与批次不符，结果作废' });
  await submit(farm, 'recall.issue', {
    id: 'JH-RC-2026-01',
    batches: [nameOf(paddyB)],
    class: 'II',
    reason: '第三方检测发现镉含量 0.28 mg/kg，超过 GB 2762-2022 规定的 0.2 mg/kg 限量。',
    instructions: '请停止食用。凭购物小票或包装到购买门店办理全额退款，或致电 400-800-1234。',
    issuedOn: date(15),
    translations: {
      en: {
        reason: 'A third-party test found cadmium at 0.28 mg/kg, above the 0.2 mg/kg limit of GB 2762-2022.',
        instructions: 'Stop eating it. Return it to the store with the receipt or the package for a full refund, or call 400-800-1234.',
      },
    },
  });

  await ledger.waitForCheckpoint(ledger.size() - 1);
  const batch = (role: DemoBatch['role'], b: { gtin: string; lot: string }, title: string, recalled: boolean): DemoBatch => ({
    role,
    ...b,
    name: nameOf(b),
    path: encodeDigitalLinkPath(b),
    title,
    recalled,
  });
  return {
    batches: [
      batch('rice', riceA, '五常大米 稻花香 5kg (Wuchang rice, 5 kg)', false),
      batch('rice-from-recalled', riceB, '五常大米 稻花香 5kg — made from the recalled paddy', true),
      batch('paddy', paddyA, '五常稻谷 (paddy rice)', false),
      batch('paddy-recalled', paddyB, '五常稻谷 (paddy rice) — recalled', true),
    ],
    actors: { farm: farm.id, lab: lab.id, certifier: certifier.id, mill: mill.id, carrier: carrier.id, retailer: retailer.id },
    size: ledger.size(),
  };
}
