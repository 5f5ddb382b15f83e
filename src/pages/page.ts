// The shopper's verification page (lotproof SPEC §5 and §6): everything the log says about a
// batch, in Chinese or English, as HTML that works without JavaScript, with a data block that
// lets the browser verifier (verify.browser.ts) check every entry the page rests on.
import { encodeDigitalLinkPath, parseBatchName } from '../core/gs1.ts';
import type { BatchView } from '../ledger/views.ts';
import { html, jsonForScript, type Html, type HtmlValue } from './html.ts';
import { countryName, formatQuantity, formatTimeCst, localized, MESSAGES, type Lang, type Messages } from './i18n.ts';
import { VERIFY_DATA_ID, type VerifyData } from './verify-data.ts';

/** One log entry a page rests on, as the log stores it. */
export interface PageEntry {
  seq: number;
  /** base64 SHA-256 of the leaf bytes. */
  hash: string;
  type: string;
  actor: string;
  time: string;
  body: Record<string, unknown>;
}

export interface PageContext {
  lang: Lang;
  /** Whether the language came from `?lang=`; then links to other pages keep it. */
  langInQuery: boolean;
  /** The page's own Digital Link path, percent-encoded. */
  path: string;
  /** `YYYY-MM-DD` today, for expiry dates. */
  today: string;
  cssUrl: string;
  scriptUrl: string | undefined;
  log: { origin: string; verifierKey: string; checkpoint: { size: number; note: string; signedAt: string } };
  /** The entries the page rests on, by seq: the view's own and the registrations of every actor shown. */
  entries: PageEntry[];
  /** A scanned unit serial (AI 21) that the log's serial sets know, with its scan count. */
  serial?: { value: string; scans: number; firstScanAt: string | null; suspect: boolean };
}

type Obj = Record<string, unknown>;

/** Ledger values as text: strings as signed, numbers as written, lists joined, objects as key: value. */
function str(v: unknown, lang: Lang): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map((x) => str(x, lang)).join(lang === 'en' ? ', ' : '、');
  if (typeof v === 'object') {
    const o = v as Obj;
    const named = localized(o, 'name', lang);
    if (typeof named === 'string') return named;
    return Object.entries(o)
      .filter(([k]) => k !== 'translations')
      .map(([k, x]) => `${k}: ${str(x, lang)}`)
      .join('; ');
  }
  return '';
}

function withLang(href: string, ctx: PageContext): string {
  return ctx.langInQuery ? `${href}?lang=${ctx.lang}` : href;
}

/** The Digital Link path of a batch the ledger names `01/<gtin>/10/<lot>`. */
function dlPath(name: string): string {
  const k = parseBatchName(name);
  return k ? encodeDigitalLinkPath(k) : '/';
}

/** The signed body of an entry the page rests on. */
function bodyOf(ctx: PageContext, seq: number): Obj | undefined {
  return ctx.entries.find((e) => e.seq === seq)?.body;
}

/** A revocation's reason in the shopper's language, from the revoking entry's signed body. */
function revocationReason(r: { seq: number; reason: string }, ctx: PageContext): string {
  return str(localized(bodyOf(ctx, r.seq) ?? r, 'reason', ctx.lang), ctx.lang);
}

function tag(cls: string, text: string): Html {
  return html`<span class="tag ${cls}">${text}</span>`;
}

/** `CNAS L10586`: the body, then the number unless the number already names the body. */
function accreditationText(a: { body: string; number: string }): string {
  return String(a.number).startsWith(String(a.body)) ? String(a.number) : `${a.body} ${a.number}`;
}

function actorLine(a: { name: string; role: string; revoked: boolean; accreditation?: { body: string; number: string } }, t: Messages): Html {
  return html`${a.name} <span class="muted">· ${t.roles[a.role] ?? a.role}${a.accreditation ? ` · ${t.accreditation} ${accreditationText(a.accreditation)}` : ''}</span>${
    a.revoked ? html` ${tag('revoked', t.revoked)}` : ''
  }`;
}

function conditionsText(c: unknown, t: Messages, lang: Lang): string {
  if (c === null || c === undefined) return '';
  if (typeof c !== 'object' || Array.isArray(c)) return str(c, lang);
  return Object.entries(c as Obj)
    .filter(([k]) => k !== 'translations')
    .map(([k, v]) => `${t.conditionKeys[k] ?? k}${t.colon}${str(v, lang)}`)
    .join(lang === 'en' ? '; ' : '；');
}

/** The unit serial's card: genuine, how often and since when it was checked, and a warning when copied. */
function serialCard(ctx: PageContext, t: Messages): Html {
  const s = ctx.serial;
  if (!s) return html``;
  const first = s.firstScanAt ? s.firstScanAt.replace('T', ' ').slice(0, 16) + ' UTC' : '—';
  return html`<section class="card serial${s.suspect ? ' suspect' : ''}" id="serial" role="${s.suspect ? 'alert' : 'status'}">
<h2>${t.serialTitle} <span class="mono">${s.value}</span></h2>
${s.suspect ? html`<p class="warn"><strong>⚠ ${t.serialSuspect}</strong></p>` : html`<p>${tag('valid', '✓')} ${t.serialGenuine}</p>`}
<p>${t.serialChecked(s.scans, first)}</p>
</section>`;
}

function recallBanners(view: BatchView, ctx: PageContext, t: Messages): Html {
  if (view.recalls.length === 0) return html``;
  const lang = ctx.lang;
  const banners = [...view.recalls]
    .sort((a, b) => Number(a.closed !== null) - Number(b.closed !== null) || Number(b.direct) - Number(a.direct))
    .map((r) => {
      const body = bodyOf(ctx, r.seq) ?? r;
      const reason = str(localized(body, 'reason', lang), lang);
      const instructions = str(localized(body, 'instructions', lang), lang);
      const title = r.closed ? t.recallClosed : r.direct ? t.recalledTitle : t.recalledUpstreamTitle;
      return html`<div class="recall${r.closed ? ' closed' : ''}" role="${r.closed ? 'note' : 'alert'}"><div class="inner">
<h2>${r.closed ? '' : '⚠ '}${title}</h2>
${r.closed ? '' : html`<p><strong>${t.recallOpen}</strong></p>`}
<p class="cls">${t.recallClass[String(r.class)] ?? String(r.class)}</p>
<p><strong>${t.recallReason}${t.colon}</strong> ${reason}</p>
<p><strong>${t.recallInstructions}${t.colon}</strong> ${instructions}</p>
<p><strong>${t.recallIssuedBy}${t.colon}</strong> ${r.issuer.name}${r.issuedOn ? ` · ${str(r.issuedOn, lang)}` : ''}</p>
${r.direct ? '' : html`<p><strong>${t.recalledBatch}${t.colon}</strong> <a href="${withLang(dlPath(r.batch), ctx)}">${r.batch}</a></p>`}
${r.closed ? html`<p>${str(localized(bodyOf(ctx, r.closed.seq) ?? r.closed, 'note', lang), lang)}</p>` : ''}
</div></div>`;
    });
  return html`<div id="recall">${banners}</div>`;
}

function productCard(view: BatchView, ctx: PageContext, t: Messages): Html {
  const lang = ctx.lang;
  const b = view.batch;
  const product = b.product as Obj | undefined;
  const name = str(localized(product, 'name', lang), lang);
  const category = str(localized(product, 'category', lang), lang);
  const origin = b.origin as Obj | undefined;
  const originText = [
    countryName(origin?.country, lang),
    ...Object.keys(origin ?? {})
      .filter((k) => k !== 'country' && k !== 'translations')
      .map((k) => str(localized(origin, k, lang), lang)),
  ]
    .filter(Boolean)
    .join(' · ');
  const expires = typeof b.expiresOn === 'string' ? b.expiresOn : undefined;
  const attributes = b.attributes && typeof b.attributes === 'object' ? Object.entries(b.attributes as Obj).filter(([k]) => k !== 'translations') : [];
  const attrLabel = (k: string) => t.attributeKeys[k] ?? k;
  const ingredients = Array.isArray(b.ingredients) ? b.ingredients : [];
  return html`<section class="card" id="product" aria-labelledby="product-name">
<h1 class="product" id="product-name">${name}</h1>
<p class="category">${category}</p>
<dl class="facts">
<dt>${t.gtin}</dt><dd class="mono">${b.gtin}</dd>
<dt>${t.lot}</dt><dd class="mono">${b.lot}</dd>
<dt>${t.producedOn}</dt><dd>${str(b.producedOn, lang)}</dd>
${expires ? html`<dt>${t.expiresOn}</dt><dd>${expires}${expires < ctx.today ? html` ${tag('expired', t.expired)}` : ''}</dd>` : ''}
<dt>${t.origin}</dt><dd>${originText}</dd>
<dt>${t.quantity}</dt><dd>${formatQuantity(b.quantity, lang)}</dd>
<dt>${t.producer}</dt><dd>${actorLine(view.producer, t)}</dd>
${view.recalls.length === 0 ? html`<dt>${t.recallStatus}</dt><dd id="recall">${t.noRecall}</dd>` : ''}
${ingredients.length ? html`<dt>${t.ingredients}</dt><dd>${ingredients.map((x) => str(x, lang)).join(lang === 'en' ? ', ' : '、')}</dd>` : ''}
${attributes.map(([k, v]) => html`<dt>${attrLabel(k)}</dt><dd>${str(localized(b.attributes, k, lang) ?? v, lang)}</dd>`)}
</dl>
<p class="verify-badge pending" data-verify-status role="status">${ctx.scriptUrl ? t.checkPending : t.checkUnavailable}</p>
</section>`;
}

function labReports(view: BatchView, ctx: PageContext, t: Messages): Html {
  const lang = ctx.lang;
  const items = view.labReports.map((r) => {
    const tests = Array.isArray(r.tests) ? (r.tests as Obj[]) : [];
    const verdict = String(r.verdict);
    return html`<article class="item${r.revocation ? ' revoked' : ''}">
<h3>${r.issuer.name}${r.issuer.revoked ? html` ${tag('revoked', t.revoked)}` : ''}</h3>
<p>${r.kind === 'third-party' ? tag('third', t.thirdParty) : tag('self', t.selfTest)}${tag(verdict, t.verdict[verdict] ?? verdict)}${r.revocation ? tag('revoked', t.revoked) : ''}</p>
<p class="muted">${t.roles[r.issuer.role] ?? r.issuer.role}${r.issuer.accreditation ? ` · ${t.accreditation}${t.colon}${accreditationText(r.issuer.accreditation)}` : ''} · ${t.issuedOn} ${str(r.issuedOn, lang)} · <span class="mono">${r.name}</span></p>
${r.revocation ? html`<p class="revocation">${t.revokedBecause}${t.colon}${revocationReason(r.revocation, ctx)}</p>` : ''}
<div class="table-wrap"><table><thead><tr><th>${t.test}</th><th>${t.result}</th><th>${t.limit}</th><th></th></tr></thead><tbody>
${tests.map((x) => {
  const unit = typeof x.unit === 'string' ? ` ${x.unit}` : '';
  const v = String(x.verdict);
  return html`<tr><td>${str(localized(x, 'name', lang), lang)}${x.method ? html`<br><span class="muted">${t.method}${t.colon}${str(x.method, lang)}</span>` : ''}</td><td${v === 'fail' ? html` class="fail"` : ''}>${str(x.result, lang)}${unit}</td><td>${x.limit !== undefined ? `${str(x.limit, lang)}${unit}` : '—'}</td><td>${tag(v, t.verdict[v] ?? v)}</td></tr>`;
})}
</tbody></table></div>
${r.document && typeof r.document.sha256 === 'string' && /^[0-9a-f]{64}$/.test(r.document.sha256)
  ? html`<p><a href="/v1/documents/${r.document.sha256}" rel="noopener">${t.document}</a> <span class="muted">${str(r.document.name, lang)}</span></p>`
  : ''}
</article>`;
  });
  return html`<section class="card" id="lab-reports"><h2>${t.labReports}</h2>${items.length ? items : html`<p class="muted">${t.noLabReports}</p>`}</section>`;
}

function certificates(view: BatchView, ctx: PageContext, t: Messages): Html {
  const lang = ctx.lang;
  const items = view.certificates.map((c) => {
    const status = String(c.status);
    const body = bodyOf(ctx, c.seq) ?? c;
    const subject = c.subject && typeof c.subject === 'object' && 'batch' in c.subject ? t.subjectBatch : `${t.subjectProducer} ${view.producer.name}`;
    return html`<article class="item${status === 'revoked' ? ' revoked' : ''}">
<h3>${str(localized(body, 'standard', lang), lang)}</h3>
<p>${tag(status, t.certStatus[status] ?? status)}</p>
<dl class="facts">
<dt>${t.issuer}</dt><dd>${actorLine(c.issuer, t)}</dd>
<dt>${t.validity}</dt><dd>${c.validFrom} – ${c.validUntil}</dd>
<dt>${t.scope}</dt><dd>${c.scope !== undefined ? str(localized(body, 'scope', lang), lang) : subject}</dd>
</dl>
<p class="muted mono">${c.name}</p>
${c.revocation ? html`<p class="revocation">${t.revokedBecause}${t.colon}${revocationReason(c.revocation, ctx)}</p>` : ''}
${c.document && typeof c.document.sha256 === 'string' && /^[0-9a-f]{64}$/.test(c.document.sha256)
  ? html`<p><a href="/v1/documents/${c.document.sha256}" rel="noopener">${t.document}</a></p>`
  : ''}
</article>`;
  });
  return html`<section class="card" id="certificates"><h2>${t.certificates}</h2>${items.length ? items : html`<p class="muted">${t.noCertificates}</p>`}</section>`;
}

function journey(view: BatchView, ctx: PageContext, t: Messages): Html {
  const lang = ctx.lang;
  const loc = (l: unknown) => (l === undefined ? '' : str(l, lang));
  const steps: HtmlValue[] = [
    html`<li><strong>${view.batch.createdBy === 'batch.transform' ? t.createdByTransform : t.created}</strong> · ${view.producer.name}
<div class="when">${str(view.batch.producedOn, lang)}</div></li>`,
  ];
  for (const s of view.journey) {
    const r = s.received;
    const cls = !r ? 'open' : r.outcome === 'rejected' ? 'rejected' : '';
    const from = loc(s.fromLocation);
    const to = loc(s.toLocation);
    steps.push(html`<li class="${cls}"><strong>${t.shipped}</strong> ${s.from.name} → ${s.to.name}
<div class="when">${formatTimeCst(s.shippedAt)} · ${formatQuantity(s.quantity, lang)}</div>
${from || to ? html`<div class="muted">${from}${from && to ? ' → ' : ''}${to}</div>` : ''}
${s.conditions !== undefined ? html`<div>${t.conditions}${t.colon}${conditionsText(s.conditions, t, lang)}</div>` : ''}
${r
  ? html`<div>${r.outcome === 'rejected' ? tag('rejected', t.rejected) : tag('pass', t.received)} ${s.to.name} · <span class="when">${formatTimeCst(r.receivedAt)}</span>${
      r.quantity !== undefined ? ` · ${typeof r.quantity === 'number' ? formatQuantity({ amount: r.quantity, uom: s.quantity.uom }, lang) : formatQuantity(r.quantity, lang)}` : ''
    }</div>
${r.conditions !== undefined ? html`<div>${t.conditionsOnArrival}${t.colon}${conditionsText(r.conditions, t, lang)}</div>` : ''}
${r.note !== undefined ? html`<div>${t.note}${t.colon}${str(r.note, lang)}</div>` : ''}`
  : html`<div>${tag('pending', t.notAcknowledged)}</div>`}
</li>`);
  }
  const holders = view.holdings.map((h) => `${h.actor.name} (${formatQuantity({ amount: h.amount, uom: h.uom }, lang)})`);
  return html`<section class="card" id="journey"><h2>${t.journey}</h2>
<ol class="timeline">${steps}</ol>
${view.journey.length === 0 ? html`<p class="muted">${t.noJourney}</p>` : ''}
${holders.length ? html`<p><strong>${t.heldBy}${t.colon}</strong> ${holders.join(lang === 'en' ? ', ' : '、')}</p>` : ''}
</section>`;
}

function genealogy(view: BatchView, ctx: PageContext, t: Messages): Html {
  if (view.madeFrom.length === 0 && view.madeInto.length === 0) return html``;
  const lang = ctx.lang;
  // A link's amount is of its input batch, in that batch's unit (the view's uom).
  const item = (l: BatchView['madeFrom'][number]) =>
    html`<li><a href="${withLang(dlPath(l.batch), ctx)}">${str(localized(l.product, 'name', lang), lang)}</a> <span class="muted mono">${t.lot} ${l.lot}</span> <span class="muted">· ${t.used} ${formatQuantity({ amount: l.amount, uom: l.uom }, lang)}</span></li>`;
  return html`<section class="card" id="genealogy">
${view.madeFrom.length ? html`<h2>${t.madeFrom}</h2><ul class="links">${view.madeFrom.map(item)}</ul>` : ''}
${view.madeInto.length ? html`<h2>${t.madeInto}</h2><ul class="links">${view.madeInto.map(item)}</ul>` : ''}
</section>`;
}

function integrity(ctx: PageContext, t: Messages): Html {
  const cp = ctx.log.checkpoint;
  const keyId = ctx.log.verifierKey.split('+')[1] ?? '';
  return html`<section class="card" id="integrity"><h2>${t.integrity}</h2>
<p class="muted">${t.integrityIntro}</p>
<p class="status pending" data-verify-status role="status" aria-live="polite">${ctx.scriptUrl ? t.checkPending : t.checkUnavailable}</p>
<noscript><p class="status">${t.checkNoScript}</p></noscript>
<h3>${t.entries} (${ctx.entries.length})</h3>
<ul class="entries">${ctx.entries.map(
    (e) =>
      html`<li data-entry-seq="${e.seq}"><a href="/v1/entries/${e.seq}">#${e.seq}</a><span>${t.entryTypes[e.type] ?? e.type}</span><span class="mono">${e.type.startsWith('actor.') && typeof e.body.id === 'string' ? `${e.body.id} (${e.actor})` : e.actor}</span><span class="muted">${formatTimeCst(e.time)}</span><span class="mark" data-entry-mark></span></li>`,
  )}</ul>
<h3>${t.checkpoint}</h3>
<p>${t.checkpointLine(cp.size, formatTimeCst(cp.signedAt))} · <a href="/log/checkpoint">checkpoint</a></p>
<h3>${t.logKey}</h3>
<p class="muted">${t.keyId} <span class="mono">${keyId}</span> · <a href="/log/key">key</a></p>
<code class="key">${ctx.log.verifierKey}</code>
</section>`;
}

function verifyData(ctx: PageContext, t: Messages): VerifyData {
  return {
    v: 1,
    origin: ctx.log.origin,
    logKey: ctx.log.verifierKey,
    checkpoint: { size: ctx.log.checkpoint.size, note: ctx.log.checkpoint.note },
    entries: ctx.entries.map((e) => ({ seq: e.seq, hash: e.hash, type: e.type, actor: e.actor })),
    text: { pending: t.checkPending, verified: t.checkVerified, failed: t.checkFailed, grown: t.checkGrown, entryOk: t.entryOk, entryBad: t.entryBad, reasons: t.why },
  };
}

interface ShellOptions {
  lang: Lang;
  title: string;
  cssUrl: string;
  scriptUrl?: string | undefined;
  verification?: boolean;
  head?: Html;
  body: HtmlValue;
}

function shell(o: ShellOptions): string {
  return html`<!doctype html>
<html lang="${o.lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${o.title}</title>
<link rel="stylesheet" href="${o.cssUrl}">
${o.scriptUrl ? html`<script src="${o.scriptUrl}" defer></script>` : ''}
${o.head ?? ''}
</head>
<body${o.verification ? html` data-verification="pending"` : ''}>
${o.body}
</body></html>
`.value;
}

/**
 * The page header with the language switch. The switch is the relative reference `?lang=..`,
 * so it keeps whatever path was asked for without echoing it into a link.
 */
function header(lang: Lang): Html {
  const t = MESSAGES[lang];
  const other: Lang = lang === 'en' ? 'zh-CN' : 'en';
  return html`<header class="top"><span class="site">lotproof · ${t.siteName}</span><nav class="lang"><a href="?lang=${other}" hreflang="${other}" lang="${other}">${t.switchTo}</a></nav></header>`;
}

type ActorView = BatchView['producer'];

/**
 * The view with every actor named in the shopper's language: an actor's registration entry
 * (which the page rests on) may carry `translations` of its name.
 */
function localizeActors(view: BatchView, ctx: PageContext): BatchView {
  const named = (a: ActorView): ActorView => {
    const body = ctx.entries.find((e) => e.seq === a.registeredSeq && e.type === 'actor.register')?.body;
    const name = body ? localized(body, 'name', ctx.lang) : undefined;
    return typeof name === 'string' ? { ...a, name } : a;
  };
  return {
    ...view,
    producer: named(view.producer),
    labReports: view.labReports.map((r) => ({ ...r, issuer: named(r.issuer) })),
    certificates: view.certificates.map((c) => ({ ...c, issuer: named(c.issuer) })),
    journey: view.journey.map((s) => ({ ...s, from: named(s.from), to: named(s.to) })),
    recalls: view.recalls.map((r) => ({ ...r, issuer: named(r.issuer) })),
    holdings: view.holdings.map((h) => ({ ...h, actor: named(h.actor) })),
  };
}

/** The verification page of a batch. */
export function renderBatchPage(batchView: BatchView, ctx: PageContext): string {
  const t = MESSAGES[ctx.lang];
  const view = localizeActors(batchView, ctx);
  const name = str(localized(view.batch.product, 'name', ctx.lang), ctx.lang);
  const body = html`${recallBanners(view, ctx, t)}
${header(ctx.lang)}
<main>
${serialCard(ctx, t)}
${productCard(view, ctx, t)}
${labReports(view, ctx, t)}
${certificates(view, ctx, t)}
${journey(view, ctx, t)}
${genealogy(view, ctx, t)}
${integrity(ctx, t)}
</main>
<footer><p>${t.timeZoneNote} · <a href="${ctx.path}?linkType=linkset">linkset</a> · <a href="/.well-known/gs1resolver">GS1 resolver</a></p></footer>
<script type="application/json" id="${VERIFY_DATA_ID}">${jsonForScript(verifyData(ctx, t))}</script>`;
  return shell({
    lang: ctx.lang,
    title: `${recallTitle(view, t)}${name} · ${t.lot} ${view.batch.lot}`,
    cssUrl: ctx.cssUrl,
    scriptUrl: ctx.scriptUrl,
    verification: true,
    head: html`<link rel="linkset" type="application/linkset+json" href="${ctx.path}?linkType=linkset">`,
    body,
  });
}

/** The tab title's warning: this batch recalled, or only a batch it was made from. */
function recallTitle(view: BatchView, t: Messages): string {
  if (!view.recalled) return '';
  const open = view.recalls.filter((r) => r.closed === null);
  return `⚠ ${open.some((r) => r.direct) || open.length === 0 ? t.recalledTitle : t.recalledUpstreamTitle} · `;
}

export interface ErrorPageOptions {
  lang: Lang;
  status: 400 | 404;
  cssUrl: string;
  unknownSerial?: boolean;
  detail?: string;
}

/** The page for a code the log does not know (404) or a link that is not a Digital Link (400). */
export function renderErrorPage(o: ErrorPageOptions): string {
  const t = MESSAGES[o.lang];
  const title = o.status === 404 ? t.notFoundTitle : t.badRequestTitle;
  const text = o.status === 404 ? (o.unknownSerial ? t.unknownSerialText : t.notFoundText) : t.badRequestText;
  return shell({
    lang: o.lang,
    title,
    cssUrl: o.cssUrl,
    body: html`${header(o.lang)}<main><section class="card error" data-status="${o.status}"><h1>${title}</h1><p>${text}</p><p>${t.scanAgain}</p>
${o.detail ? html`<details><summary>${t.errorDetail}</summary><p class="mono">${o.detail}</p></details>` : ''}</section></main>`,
  });
}
