// src/core/time.ts: RFC 3339 log times and calendar dates, read digit by digit with the calendar's
// arithmetic, held to what the platform's Date says about the same strings (a parse and a
// toISOString round trip, the code they replaced) over every day of many years, and to the
// cases a calendar gets wrong most often.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dayInChina, isDate, parseRfc3339, parseTime } from '../../src/core/time.ts';

const TIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** The oracle: Date's own reading, kept only where it prints the string back unchanged. */
function byDate(s: string): number | undefined {
  if (!TIME_RE.test(s)) return undefined;
  const ms = Date.parse(s);
  return Number.isNaN(ms) || new Date(ms).toISOString() !== s ? undefined : ms;
}
const dateByDate = (s: string) => byDate(`${s}T00:00:00.000Z`) !== undefined;
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

describe('parseTime and isDate', () => {
  it('agree with Date on every month 00–13 and day 00–32 of years around each calendar edge', () => {
    const years = [0, 1, 3, 4, 99, 100, 399, 400, 1582, 1899, 1900, 1969, 1970, 1999, 2000, 2024, 2025, 2026, 2100, 2400, 9999];
    for (const y of years) {
      for (let m = 0; m <= 13; m++) {
        for (let d = 0; d <= 32; d++) {
          const date = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
          expect(isDate(date), date).toBe(dateByDate(date));
          const time = `${date}T${pad((d * 5) % 25)}:${pad((m * 7 + d) % 61)}:${pad((y + d) % 61)}.${pad((y * 7 + d) % 1000, 3)}Z`;
          expect(parseTime(time), time).toBe(byDate(time));
        }
      }
    }
  });

  it('agree with Date on random times, valid and not', () => {
    fc.assert(
      fc.property(fc.nat(9999), fc.nat(13), fc.nat(32), fc.nat(25), fc.nat(61), fc.nat(61), fc.nat(999), (y, m, d, h, mi, s, ms) => {
        const t = `${pad(y, 4)}-${pad(m)}-${pad(d)}T${pad(h)}:${pad(mi)}:${pad(s)}.${pad(ms, 3)}Z`;
        expect(parseTime(t)).toBe(byDate(t));
      }),
      { numRuns: 20_000 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(parseTime(new Date(ms).toISOString())).toBe(ms);
      }),
      { numRuns: 20_000 },
    );
  });

  it('know leap years, month lengths and the limits of a day', () => {
    expect(isDate('2024-02-29')).toBe(true);
    expect(isDate('2000-02-29')).toBe(true);
    expect(isDate('0000-02-29')).toBe(true);
    expect(isDate('2026-02-29')).toBe(false);
    expect(isDate('2100-02-29')).toBe(false);
    expect(isDate('2026-04-31')).toBe(false);
    expect(isDate('2026-12-31')).toBe(true);
    expect(parseTime('2026-11-30T23:59:59.999Z')).toBe(Date.UTC(2026, 10, 30, 23, 59, 59, 999));
    expect(parseTime('1970-01-01T00:00:00.000Z')).toBe(0);
    for (const bad of ['2026-11-30T24:00:00.000Z', '2026-11-30T23:60:00.000Z', '2026-11-30T23:59:60.000Z', '2026-02-30T00:00:00.000Z']) {
      expect(parseTime(bad), bad).toBeUndefined();
    }
  });

  it('refuse every other spelling and non-strings', () => {
    for (const bad of ['2026-11-30T08:00:00Z', '2026-11-30T08:00:00.000+00:00', '2026-11-30t08:00:00.000z', ' 2026-11-30T08:00:00.000Z', '２０２６-11-30T08:00:00.000Z', '+02026-11-30T08:00:00.000Z']) {
      expect(parseTime(bad), bad).toBeUndefined();
    }
    for (const bad of ['2026-1-30', '2026-11-30 ', '26-11-30', '2026/11/30', '２０２６-11-30']) expect(isDate(bad), bad).toBe(false);
    for (const v of [undefined, null, 0, Date.now(), ['2026-11-30'], new Date()]) {
      expect(parseTime(v)).toBeUndefined();
      expect(isDate(v)).toBe(false);
    }
  });

  it('leave parseRfc3339 and dayInChina as they were', () => {
    expect(parseRfc3339('2026-02-30T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2026-11-30T08:00:00+08:00')).toBe(Date.UTC(2026, 10, 30, 0, 0, 0));
    expect(dayInChina(Date.UTC(2026, 10, 30, 16, 0, 0))).toBe('2026-12-01');
    expect(dayInChina(Date.UTC(2026, 10, 30, 15, 59, 59, 999))).toBe('2026-11-30');
  });
});
