// GS1 Digital Link resolution (GS1 Digital Link Standard: URI Syntax 1.x §8, GS1-Conformant
// Resolver Standard): the links a batch's Digital Link URI resolves to, typed with the GS1 Web
// Vocabulary link types and served as an RFC 9264 linkset (`application/linkset+json`), and
// the resolver description at /.well-known/gs1resolver.
import type { BatchView } from '../ledger/views.ts';
import type { Lang } from './i18n.ts';

export const GS1_VOC = 'https://gs1.org/voc/';
export const LINKSET_MEDIA_TYPE = 'application/linkset+json';

/** The GS1 link types a batch answers, in the order a linkset lists them. */
export const LINK_TYPES = ['defaultLink', 'pip', 'certificationInfo', 'traceability', 'recallStatus', 'verificationService'] as const;
export type LinkType = (typeof LINK_TYPES)[number];

export interface TargetLink {
  href: string;
  type: string;
  title: string;
  hreflang?: string[];
}

const TITLES: Record<LinkType, Record<Lang, string>> = {
  defaultLink: { 'zh-CN': '产品溯源核验页', en: 'Product verification page' },
  pip: { 'zh-CN': '产品信息', en: 'Product information' },
  certificationInfo: { 'zh-CN': '认证证书', en: 'Certificates' },
  traceability: { 'zh-CN': '流通记录', en: 'Journey and traceability' },
  recallStatus: { 'zh-CN': '召回状态', en: 'Recall status' },
  verificationService: { 'zh-CN': '数据核验', en: 'Ledger verification' },
};

/**
 * The compact link type a `linkType` query value names: `gs1:pip`, `pip` or the full
 * vocabulary URI. Undefined for a type this resolver does not know.
 */
export function parseLinkType(value: string): LinkType | undefined {
  let v = value.trim();
  for (const prefix of ['gs1:', GS1_VOC, 'http://gs1.org/voc/']) {
    if (v.startsWith(prefix)) {
      v = v.slice(prefix.length);
      break;
    }
  }
  return (LINK_TYPES as readonly string[]).includes(v) ? (v as LinkType) : undefined;
}

/** `linkType=linkset` or `linkType=all` asks for every link at once. */
export function wantsLinkset(value: string | undefined): boolean {
  return value === 'linkset' || value === 'all';
}

/**
 * Every link of a batch, by type, with absolute hrefs under `publicUrl`. The HTML page comes
 * first for each type; machine-readable data follows where lotproof has it.
 */
export function batchLinks(publicUrl: string, dlPath: string, view: BatchView): Record<LinkType, TargetLink[]> {
  const page = `${publicUrl}${dlPath}`;
  const title = (t: LinkType) => `${TITLES[t]['zh-CN']} / ${TITLES[t].en}`;
  const html = (t: LinkType, fragment = ''): TargetLink => ({ href: `${page}${fragment}`, type: 'text/html', title: title(t), hreflang: ['zh-CN', 'en'] });
  const certDocs = view.certificates
    .filter((c) => c.document && typeof c.document.sha256 === 'string')
    .map((c) => ({ href: `${publicUrl}/v1/documents/${c.document.sha256}`, type: String(c.document.mediaType), title: String(c.standard) }));
  return {
    defaultLink: [html('defaultLink')],
    pip: [html('pip'), { href: page, type: 'application/json', title: title('pip') }],
    certificationInfo: [html('certificationInfo', '#certificates'), ...certDocs],
    traceability: [html('traceability', '#journey'), { href: `${publicUrl}/v1/trace${dlPath}`, type: 'application/json', title: title('traceability') }],
    recallStatus: [{ ...html('recallStatus', '#recall'), title: `${title('recallStatus')}: ${view.recalled ? 'recalled' : 'not recalled'}` }],
    verificationService: [
      html('verificationService', '#integrity'),
      { href: `${publicUrl}/log/checkpoint`, type: 'text/plain', title: 'C2SP signed checkpoint' },
    ],
  };
}

/** The RFC 9264 §4.2 JSON linkset of one anchor, with link relation types as GS1 vocabulary URIs. */
export function linksetDocument(anchor: string, links: Record<LinkType, TargetLink[]>): unknown {
  const context: Record<string, unknown> = { anchor };
  for (const t of LINK_TYPES) context[`${GS1_VOC}${t}`] = links[t];
  return { linkset: [context] };
}

/**
 * The link a `linkType` request is redirected to: the first of that type whose media type the
 * client asked for, else the first. Policy: a link type this batch lacks resolves to the
 * default link, as GS1 resolvers do, never to an error.
 */
export function selectLink(links: Record<LinkType, TargetLink[]>, type: LinkType | undefined, preferJson: boolean): TargetLink {
  const candidates = links[type ?? 'defaultLink'];
  const pick = preferJson ? candidates.find((l) => l.type === 'application/json') : undefined;
  return pick ?? candidates[0] ?? links.defaultLink[0]!;
}

/** The resolver description (GS1-Conformant Resolver Standard, `/.well-known/gs1resolver`). */
export function resolverDescription(publicUrl: string, log: { origin: string; verifierKey: string }): unknown {
  return {
    name: 'lotproof product traceability ledger',
    resolverRoot: publicUrl,
    supportedPrimaryKeys: ['01'],
    supportedQualifiers: { '01': ['10', '21'] },
    supportedLinkType: [{ namespace: GS1_VOC, prefix: 'gs1:' }],
    linkTypes: LINK_TYPES.map((t) => `gs1:${t}`),
    linkTypeDefaultCanBeLinkset: false,
    linkTypeDefaultCanBeAll: false,
    supportedLanguages: ['zh-CN', 'en'],
    supportedContextValuesEnumerated: [],
    lotproof: {
      log: { origin: log.origin, key: log.verifierKey, checkpoint: `${publicUrl}/log/checkpoint` },
      qr: `${publicUrl}/qr/01/{gtin}/10/{lot}.svg`,
      labels: `${publicUrl}/labels/01/{gtin}/10/{lot}`,
    },
  };
}
