// Printable label sheets: one GS1 Digital Link QR code per label with its human-readable
// interpretation (GS1 General Specifications §4.15: AIs in parentheses, then the data), laid
// out for A4 label sheets and thermal label rolls with CSS paged media (@page sizes, named pages).
import { LedgerError } from '../core/errors.ts';
import { html, trusted, type Html } from './html.ts';
import type { Lang } from './i18n.ts';
import { MESSAGES } from './i18n.ts';
import { qrMatrix, qrPathData, type EcLevel } from './qr.ts';

/** A label stock: the page it is printed on and the grid of labels on it, in millimetres. */
export interface LabelFormat {
  id: string;
  description: string;
  page: { width: number; height: number };
  columns: number;
  rows: number;
  label: { width: number; height: number };
  /** Offset of the first label from the page's top-left corner. */
  top: number;
  left: number;
  /** Space between columns and between rows. */
  gapX: number;
  gapY: number;
}

const A4 = { width: 210, height: 297 };
const roll = (w: number, h: number): LabelFormat => ({
  id: `roll-${w}x${h}`,
  description: `label roll, ${w} × ${h} mm, one label per page`,
  page: { width: w, height: h },
  columns: 1,
  rows: 1,
  label: { width: w, height: h },
  top: 0,
  left: 0,
  gapX: 0,
  gapY: 0,
});

export const LABEL_FORMATS: readonly LabelFormat[] = [
  { id: 'a4-24', description: 'A4, 3 × 8 labels of 70 × 37 mm, no margins', page: A4, columns: 3, rows: 8, label: { width: 70, height: 37 }, top: 0.5, left: 0, gapX: 0, gapY: 0 },
  { id: 'a4-21', description: 'A4, 3 × 7 labels of 63.5 × 38.1 mm', page: A4, columns: 3, rows: 7, label: { width: 63.5, height: 38.1 }, top: 15.15, left: 7.25, gapX: 2.5, gapY: 0 },
  { id: 'a4-40', description: 'A4, 4 × 10 labels of 52.5 × 29.7 mm, no margins', page: A4, columns: 4, rows: 10, label: { width: 52.5, height: 29.7 }, top: 0, left: 0, gapX: 0, gapY: 0 },
  { id: 'a4-65', description: 'A4, 5 × 13 labels of 38.1 × 21.2 mm', page: A4, columns: 5, rows: 13, label: { width: 38.1, height: 21.2 }, top: 10.7, left: 4.75, gapX: 2.5, gapY: 0 },
  roll(40, 30),
  roll(50, 30),
  roll(60, 40),
];

export const DEFAULT_LABEL_FORMAT = 'a4-24';
export const MAX_LABELS = 1000;

export function labelFormat(id: string | undefined): LabelFormat {
  const f = LABEL_FORMATS.find((x) => x.id === (id ?? DEFAULT_LABEL_FORMAT));
  if (!f) throw new LedgerError('invalid_request', `format must be one of ${LABEL_FORMATS.map((x) => x.id).join(', ')}`);
  return f;
}

/** `?count=`: 1–1000 labels; by default one full sheet (ten labels on a roll). */
export function labelCount(value: string | undefined, f: LabelFormat): number {
  if (value === undefined || value === '') return f.columns * f.rows === 1 ? 10 : f.columns * f.rows;
  if (!/^[1-9][0-9]{0,3}$/.test(value) || Number(value) > MAX_LABELS) {
    throw new LedgerError('invalid_request', `count must be an integer from 1 to ${MAX_LABELS}`);
  }
  return Number(value);
}

const mm = (n: number) => `${Math.round(n * 100) / 100}mm`;

/**
 * The label stylesheet: one named page and one grid per format, and a screen view that shows
 * each sheet as paper. Sizes follow from LABEL_FORMATS, so a new format needs no CSS edits.
 */
export function labelsCss(): string {
  const perFormat = LABEL_FORMATS.map((f) => {
    const qr = Math.min(f.label.height - 2, f.label.width * 0.45);
    // The GTIN line, "(01) " and 14 digits, is the longest: about 12 em of monospace.
    const font = Math.max(1.6, Math.min(3, f.label.height / 11, (f.label.width - 3.2 - qr) / 12));
    return [
      `@page ${f.id}{size:${mm(f.page.width)} ${mm(f.page.height)};margin:0}`,
      `.fmt-${f.id}{page:${f.id};width:${mm(f.page.width)};height:${mm(f.page.height)};padding:${mm(f.top)} 0 0 ${mm(f.left)};` +
        `grid-template-columns:repeat(${f.columns},${mm(f.label.width)});grid-auto-rows:${mm(f.label.height)};column-gap:${mm(f.gapX)};row-gap:${mm(f.gapY)}}`,
      `.fmt-${f.id} .label{padding:${mm(1)}}`,
      `.fmt-${f.id} .qr{width:${mm(qr)};height:${mm(qr)}}`,
      `.fmt-${f.id} .hri{font-size:${mm(font)}}`,
    ].join('\n');
  });
  return `*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;font-family:"Noto Sans Mono","DejaVu Sans Mono",Menlo,Consolas,monospace;color:#000;background:#e8e8e8}
.toolbar{font-family:system-ui,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;padding:12px 16px;background:#fff;border-bottom:1px solid #ccc}
.toolbar h1{font-size:18px;margin:0 0 4px}
.toolbar p{margin:2px 0;font-size:14px;color:#333}
.sheet{display:grid;align-content:start;background:#fff;margin:16px auto;box-shadow:0 1px 4px rgba(0,0,0,.3);overflow:hidden;break-after:page;page-break-after:always}
.label{display:flex;align-items:center;gap:1.2mm;overflow:hidden;outline:1px dashed #ccc;outline-offset:-1px}
.qr{flex:none;display:block}
.defs{position:absolute}
.hri{line-height:1.25;overflow:hidden;word-break:break-all}
.hri .name{font-family:system-ui,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;font-weight:600;display:block;max-height:2.5em;overflow:hidden}
.hri span{display:block}
@media print{body{background:#fff}.toolbar{display:none}.sheet{margin:0;box-shadow:none}.label{outline:none}}
${perFormat.join('\n')}
`;
}

export interface LabelItem {
  /** The URI the QR code carries. */
  uri: string;
  gtin: string;
  lot: string;
  serial?: string;
}

export interface LabelSheetOptions {
  lang: Lang;
  format: LabelFormat;
  ec: EcLevel;
  /** Quiet zone in modules. */
  margin: number;
  productName?: string;
  /** The hashed URL of the label stylesheet. */
  cssHref: string;
  /** Labels in print order; identical URIs share one drawn symbol. */
  items: LabelItem[];
}

/** The HTML of a label sheet. Every QR symbol is inline SVG; repeated ones are `<use>`d. */
export function renderLabelSheet(o: LabelSheetOptions): string {
  const t = MESSAGES[o.lang];
  const symbols = new Map<string, { id: string; n: number; path: string }>();
  for (const item of o.items) {
    if (symbols.has(item.uri)) continue;
    const m = qrMatrix(item.uri, o.ec);
    symbols.set(item.uri, { id: `qr${symbols.size}`, n: m.size + 2 * o.margin, path: qrPathData(m, o.margin) });
  }
  const defs = [...symbols.values()].map((s) =>
    trusted(
      `<symbol id="${s.id}" viewBox="0 0 ${s.n} ${s.n}"><rect width="${s.n}" height="${s.n}" fill="#fff"/><path fill="#000" d="${s.path}"/></symbol>`,
    ),
  );
  const label = (item: LabelItem): Html => {
    const s = symbols.get(item.uri)!;
    return html`<div class="label"><svg class="qr" viewBox="0 0 ${s.n} ${s.n}" role="img" aria-label="${item.uri}"><use href="#${s.id}"/></svg><div class="hri">${
      o.productName ? html`<span class="name">${o.productName}</span>` : ''
    }<span>(01) ${item.gtin}</span><span>(10) ${item.lot}</span>${item.serial !== undefined ? html`<span>(21) ${item.serial}</span>` : ''}</div></div>`;
  };
  const perSheet = o.format.columns * o.format.rows;
  const sheets: Html[] = [];
  for (let i = 0; i < o.items.length; i += perSheet) {
    sheets.push(html`<section class="sheet fmt-${o.format.id}">${o.items.slice(i, i + perSheet).map(label)}</section>`);
  }
  const first = o.items[0];
  return html`<!doctype html>
<html lang="${o.lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${t.labelsTitle} ${first ? `01/${first.gtin}/10/${first.lot}` : ''}</title>
<link rel="stylesheet" href="${o.cssHref}"></head>
<body><div class="toolbar"><h1>${t.labelsTitle}: ${o.productName ?? ''} ${first ? `(01) ${first.gtin} (10) ${first.lot}` : ''}</h1>
<p>${o.format.id} · ${o.format.description} · ${o.items.length}</p><p>${t.labelsHint}</p></div>
<svg class="defs" width="0" height="0" aria-hidden="true"><defs>${defs}</defs></svg>
${sheets}
</body></html>
`.value;
}
