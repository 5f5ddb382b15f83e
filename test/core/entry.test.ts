// The leaf bytes built around a statement's JCS text are exactly JCS(entry) (SPEC §2).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/core/bytes.ts';
import { entryLeafBytes, entryLeafBytesWithStatementJcs, type Entry } from '../../src/core/entry.ts';
import { canonicalJson } from '../../src/core/jcs.ts';

// JSON values that JCS accepts: finite numbers, well-formed strings, nested objects and arrays.
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ unit: 'grapheme' }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

describe('entry leaf bytes', () => {
  it('equal JCS(entry) when built from the statement JCS', () => {
    fc.assert(
      fc.property(
        fc.nat(),
        fc.base64String({ minLength: 44, maxLength: 44 }),
        fc.date({ min: new Date(0), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.base64String({ minLength: 88, maxLength: 88 }),
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 10 }), jsonValue, { maxKeys: 6 }),
        (seq, prev, when, sig, body) => {
          const statement = { v: 1, type: 'batch.create', actor: 'a', pub: prev, time: when.toISOString(), nonce: 'AAAAAAAAAAAAAAAAAAAAAA==', body } as unknown as Entry['statement'];
          const entry: Entry = { v: 1, seq, prev, loggedAt: when.toISOString(), statement, sig };
          const fast = entryLeafBytesWithStatementJcs({ v: 1, seq, prev, loggedAt: entry.loggedAt, sig }, canonicalJson(statement));
          expect(equalBytes(fast, entryLeafBytes(entry))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('equal JCS(entry) for any member values JCS can write, and refuse what it cannot', () => {
    // Any code points, control characters and quotes included, and now and then a lone surrogate.
    const member = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.string({ maxLength: 4 }).map((s) => `${s}\uD800`));
    const jcsOf = (f: () => Uint8Array) => {
      try {
        return f();
      } catch (e) {
        return (e as { code?: string }).code ?? 'threw';
      }
    };
    fc.assert(
      fc.property(
        fc.oneof(fc.nat(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(2 ** 53), fc.constant(-0)),
        member,
        member,
        member,
        (seq, prev, loggedAt, sig) => {
          const statement = { v: 1, type: 'batch.create', actor: 'a', pub: 'p', time: 't', nonce: 'n', body: {} } as unknown as Entry['statement'];
          const fast = jcsOf(() => entryLeafBytesWithStatementJcs({ v: 1, seq, prev, loggedAt, sig }, canonicalJson(statement)));
          const slow = jcsOf(() => entryLeafBytes({ v: 1, seq, prev, loggedAt, statement, sig }));
          expect(fast).toEqual(slow);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
