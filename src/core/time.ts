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

// parseTime and isDate read the digits and do the calendar's arithmetic themselves: every
// statement's time, every log entry's loggedAt and a batch's dates pass through them on the
// check threads and in the auditor, where Date.parse and a toISOString round trip cost more
// than the rest of the check. test/core/time.test.ts holds them to that round trip.

/** The decimal number written by the `n` ASCII digits of `s` at `i` (the caller's regex checked them). */
function digits(s: string, i: number, n: number): number {
  let v = 0;
  for (let k = i; k < i + n; k++) v = v * 10 + s.charCodeAt(k) - 48;
  return v;
}

const isLeap = (y: number) => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days since 1970-01-01 of a real date in the proleptic Gregorian calendar, else undefined. */
function epochDay(s: string): number | undefined {
  const y = digits(s, 0, 4);
  const m = digits(s, 5, 2);
  const d = digits(s, 8, 2);
  if (m < 1 || m > 12 || d < 1 || d > (m === 2 && isLeap(y) ? 29 : MONTH_DAYS[m - 1]!)) return undefined;
  // Days from civil (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms"): years start in
  // March, so a leap day falls at the end of one; eras are 400 years of 146,097 days.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/** Milliseconds since the epoch for a canonical `YYYY-MM-DDTHH:MM:SS.mmmZ`, else undefined. */
export function parseTime(s: unknown): number | undefined {
  if (typeof s !== 'string' || !TIME_RE.test(s)) return undefined;
  const day = epochDay(s);
  const h = digits(s, 11, 2);
  const min = digits(s, 14, 2);
  const sec = digits(s, 17, 2);
  if (day === undefined || h > 23 || min > 59 || sec > 59) return undefined;
  return day * 86_400_000 + h * 3_600_000 + min * 60_000 + sec * 1000 + digits(s, 20, 3);
}

/** True for a real calendar date `YYYY-MM-DD`. */
export function isDate(s: unknown): s is string {
  return typeof s === 'string' && DATE_RE.test(s) && epochDay(s) !== undefined;
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
