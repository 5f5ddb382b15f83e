// RFC 8785 JSON Canonicalization Scheme: the only way JSON becomes bytes for hashing or signing.
// Serialisation is the well-kept `canonicalize` package; this module adds the input checks that
// RFC 8785 §3.1 and I-JSON (RFC 7493) require and that the package leaves to its caller.
import canonicalize from 'canonicalize';
import { LedgerError } from './errors.ts';
import { utf8 } from './bytes.ts';

/** The most arrays and objects nested in one another, the same limit as the HTTP reader's. */
const MAX_DEPTH = 64;

/**
 * Throws LedgerError('invalid_json') if the value cannot be canonicalised faithfully, and
 * 'json_too_deep' if more than MAX_DEPTH containers nest. `depth` counts the containers around v.
 */
function assertCanonicalizable(v: unknown, depth: number): void {
  switch (typeof v) {
    case 'string':
      if (!v.isWellFormed()) throw new LedgerError('invalid_json', 'a string contains a lone surrogate');
      return;
    case 'number':
      if (!Number.isFinite(v)) throw new LedgerError('invalid_json', 'a number is not finite');
      return;
    case 'boolean':
      return;
    case 'object':
      if (v === null) return;
      if (depth >= MAX_DEPTH) throw new LedgerError('json_too_deep', `JSON nesting is deeper than ${MAX_DEPTH} levels`);
      if (Array.isArray(v)) {
        for (const x of v) assertCanonicalizable(x, depth + 1);
        return;
      }
      if (Object.getPrototypeOf(v) !== Object.prototype && Object.getPrototypeOf(v) !== null) {
        throw new LedgerError('invalid_json', 'only plain JSON objects can be canonicalised');
      }
      for (const [k, x] of Object.entries(v)) {
        if (!k.isWellFormed()) throw new LedgerError('invalid_json', 'a key contains a lone surrogate');
        assertCanonicalizable(x, depth + 1);
      }
      return;
    default:
      throw new LedgerError('invalid_json', `a ${typeof v} is not JSON`);
  }
}

/** The canonical JCS text of a JSON value. */
export function canonicalJson(value: unknown): string {
  assertCanonicalizable(value, 0);
  const s = canonicalize(value);
  if (s === undefined) throw new LedgerError('invalid_json', 'value has no JSON form');
  return s;
}

/** The UTF-8 bytes of the JCS form of a JSON value. */
export function canonicalBytes(value: unknown): Uint8Array {
  return utf8(canonicalJson(value));
}
