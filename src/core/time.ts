// RFC 3339 UTC timestamps with milliseconds (SPEC encodings) and ISO 8601 calendar dates.

const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function formatTime(ms: number): string {
  return new Date(ms).toISOString();
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
