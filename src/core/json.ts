// Strict JSON for signed input: UTF-8 only, one parse, bounded depth, no duplicate keys and no
// "__proto__" key. Duplicate keys are refused because JSON parsers disagree on which one wins,
// and a signed statement must mean the same thing to every reader; "__proto__" because
// JavaScript readers that copy an object (schema validators among them) drop it or set the
// copy's prototype with it, so what they check is not what was signed. Used by the HTTP layer and by the ledger's
// check threads, which parse submission bodies off the event loop.
import { LedgerError } from './errors.ts';
import { fromUtf8 } from './bytes.ts';

const MAX_DEPTH = 64;

/** Scans JSON text for nesting depth and duplicate object keys, without recursion. */
function scan(text: string): void {
  const stack: Set<string>[] | null[] = [];
  let depth = 0;
  let i = 0;
  const n = text.length;
  // Whether the next string at this level is an object key.
  const keyNext: boolean[] = [];
  while (i < n) {
    const ch = text.charCodeAt(i);
    if (ch === 0x22) {
      let j = i + 1;
      while (j < n) {
        const cj = text.charCodeAt(j);
        if (cj === 0x5c) j += 2;
        else if (cj === 0x22) break;
        else j++;
      }
      if (depth > 0 && keyNext[depth - 1]) {
        // Only a key with an escape needs decoding to be compared.
        const rawKey = text.slice(i + 1, j);
        const key = rawKey.includes('\\') ? (JSON.parse(text.slice(i, j + 1)) as string) : rawKey;
        const seen = stack[depth - 1] as Set<string>;
        if (seen.has(key)) throw new LedgerError('duplicate_key', `duplicate object key ${JSON.stringify(key)}`);
        if (key === '__proto__') throw new LedgerError('reserved_key', 'the object key "__proto__" is not accepted: JavaScript readers take it for the object\'s prototype, not a member');
        seen.add(key);
        keyNext[depth - 1] = false;
      }
      i = j + 1;
      continue;
    }
    if (ch === 0x7b || ch === 0x5b) {
      depth++;
      if (depth > MAX_DEPTH) throw new LedgerError('json_too_deep', `JSON nesting is deeper than ${MAX_DEPTH} levels`);
      (stack as (Set<string> | null)[])[depth - 1] = ch === 0x7b ? new Set() : null;
      keyNext[depth - 1] = ch === 0x7b;
    } else if (ch === 0x7d || ch === 0x5d) {
      depth--;
    } else if (ch === 0x2c && depth > 0 && stack[depth - 1] !== null) {
      keyNext[depth - 1] = true;
    }
    i++;
  }
}

/** Parses a request body as strict JSON; throws LedgerError with a stable code. */
export function parseJsonBody(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = fromUtf8(bytes);
  } catch {
    throw new LedgerError('invalid_json', 'the body is not valid UTF-8');
  }
  return parseStrictJson(text, 'the body');
}

/** Parses JSON text as strictly as parseJsonBody; `what` names it in the error. */
export function parseStrictJson(text: string, what = 'the text'): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new LedgerError('invalid_json', `${what} is not JSON: ${(e as Error).message}`);
  }
  scan(text);
  return value;
}
