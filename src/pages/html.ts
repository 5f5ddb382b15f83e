// HTML text with escaping by construction (HTML Living Standard §13.1: text and attribute
// values). Every interpolated value is escaped unless it is already Html; ledger text never
// reaches the page unescaped.

/** A fragment of HTML that is safe to emit as it is. Only `html` and `trusted` make one. */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * Escapes text for use both between tags and inside a quoted attribute value. Lone surrogates
 * become U+FFFD, so the page is always valid UTF-8.
 */
export function escapeHtml(s: string): string {
  return s.toWellFormed().replace(/[&<>"']/g, (ch) => ESCAPES[ch]!);
}

/** Values an `html` template accepts. Arrays are concatenated; null, undefined and false vanish. */
export type HtmlValue = Html | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(v: HtmlValue): string {
  if (v instanceof Html) return v.value;
  if (v === null || v === undefined || v === false || v === true) return '';
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

/** Tagged template: the literal parts are trusted markup, every substitution is escaped. */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** Markup the caller guarantees is safe (generated SVG, serialised JSON already escaped). */
export function trusted(markup: string): Html {
  return new Html(markup);
}

/**
 * JSON for a `<script type="application/json">` data block: `<`, `>`, `&` and the two line
 * separators are escaped as \u sequences, so no ledger text can end the block or open a
 * comment, and JSON.parse gives back exactly the value.
 */
export function jsonForScript(value: unknown): Html {
  const s = JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return new Html(s);
}
