// RFC 3339 UTC timestamps with milliseconds (SPEC encodings) and ISO 8601 calendar dates.

const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** Policy: China Standard Time (UTC+8, no daylight saving), the shoppers' clock. */
export const CST_OFFSET_MS = 8 * 3600_000;

/**
 * The calendar day `YYYY-MM-DD` at `ms` in China Standard Time: the day against which the
 * shopper's page judges calendar dates (a certificate's validUntil, a batch's expiresOn), as
 * it shows every time in UTC+8. By UTC's day an expired certificate read as valid for the first
 * eight hours of each day in China.
 */
export function dayInChina(ms: number): string {
  return new Date(ms + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Milliseconds since the epoch for a canonical `YYYY-MM-DDTHH:MM:SS.mmmZ`, else undefined. */
export function parseTime(s: unknown): number | undefined {
  if (typeof s !== 'string' || !TIME_RE.test(s)) return undefined;
  const ms = Date.parse(s);
  if (Number.isNaN(ms) || new Date(ms).toISOString() !== s) return undefined;
  return ms;
}

/** True for a real calendar date `YYYY-MM-DD`. */
export function isDate(s: unknown): s is string {
  if (typeof s !== 'string' || !DATE_RE.test(s)) return false;
  const ms = Date.parse(`${s}T00:00:00.000Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === s;
}

const RFC3339_RE = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

/**
 * Milliseconds since the epoch for any RFC 3339 date-time (Z or an offset, any fraction), else
 * undefined. Unlike Date.parse alone it refuses what does not exist (2026-02-30, 24:00, an
 * offset of +24:00) instead of rolling it over into another day.
 */
export function parseRfc3339(s: unknown): number | undefined {
  if (typeof s !== 'string') return undefined;
  const m = RFC3339_RE.exec(s);
  if (!m || !isDate(m[1]) || Number(m[2]) > 23 || Number(m[3]) > 59 || Number(m[4]) > 59) return undefined;
  if (m[6] !== undefined && (Number(m[7]) > 23 || Number(m[8]) > 59)) return undefined;
  const ms = Date.parse(s.toUpperCase());
  return Number.isNaN(ms) ? undefined : ms;
}
