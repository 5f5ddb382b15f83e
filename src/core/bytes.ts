// Byte helpers for the edges: RFC 4648 §4 base64 (with padding) and lowercase hex, strict UTF-8.
// Inside lotproof, bytes are Uint8Array; text encodings exist only at the edges. Written with
// the web platform's atob/btoa and TextEncoder (and Node's Buffer where present, for speed), so
// the same module runs in Node and, bundled into the verifier, in the shopper's browser.

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The UTF-8 bytes of `s`. In Node, through Buffer: a text under 4 KiB (a log leaf, a statement
 * to sign or verify) becomes a slice of Node's shared 8 KiB pool rather than an array of its own
 * outside V8's heap, which cost ten times the encoding (6 µs against 0.6 µs for a 640-byte
 * leaf; the sequencer and the check threads encode one or two per entry). A caller that keeps
 * the bytes for long, or hands their `.buffer` on, copies them first (`.slice()`).
 */
export function utf8(s: string): Uint8Array {
  if (!NodeBuffer) return encoder.encode(s);
  const b = NodeBuffer.from(s, 'utf8');
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

/** Decodes UTF-8, throwing on any invalid sequence. */
export function fromUtf8(b: Uint8Array): string {
  return strictDecoder.decode(b);
}

const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Node's Buffer where there is one: its base64 codec is native and several times faster than
 * atob/btoa (the auditor and the append path convert hashes, keys and signatures per entry).
 * In a browser, where there is none, the web platform's functions do the same job.
 */
const NodeBuffer = (globalThis as { Buffer?: typeof Buffer }).Buffer;

/** V8 keeps typed arrays of up to this many bytes on its heap (typed_array_max_size_in_heap). */
const MAX_ON_HEAP = 64;

/**
 * A Node Buffer with b's bytes (Node only). Arrays of up to 64 bytes (hashes, keys,
 * signatures) may live on V8's heap, and asking for their `.buffer` moves them off it: an
 * ArrayBuffer allocation each, 1.8 µs against 0.2 µs for copying 32 bytes into Node's Buffer
 * pool, and the append path does it for every entry's hash and tree node. So those are copied;
 * larger arrays, always outside the heap, are viewed.
 */
export function nodeBuffer(b: Uint8Array): Buffer {
  if (!NodeBuffer) throw new Error('nodeBuffer needs Node');
  return b.length <= MAX_ON_HEAP ? NodeBuffer.from(b) : NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength);
}

export function toBase64(b: Uint8Array): string {
  if (NodeBuffer) return nodeBuffer(b).toString('base64');
  let bin = '';
  for (let i = 0; i < b.length; i += 0x8000) bin += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(bin);
}

/**
 * Decodes canonical standard base64 (RFC 4648 §4, padded). Returns undefined for anything
 * else, including URL-safe alphabets, missing padding and non-zero trailing bits, so that one
 * value has exactly one accepted spelling.
 */
export function fromBase64(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || !B64_RE.test(s)) return undefined;
  let out: Uint8Array;
  if (NodeBuffer) {
    // A copy, not a view: a small Buffer is a slice of a shared 8 KB pool it would keep alive.
    out = new Uint8Array(NodeBuffer.from(s, 'base64'));
  } else {
    const bin = atob(s);
    out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  }
  if (toBase64(out) !== s) return undefined;
  return out;
}

const B64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/**
 * True when `s` is canonical standard base64 of exactly `n` bytes: the same answer as
 * `fromBase64(s)?.length === n`, without decoding. Shape checks ask this of every key, nonce
 * and signature they read (the check threads and the auditor do it per entry), where decoding
 * and re-encoding cost more than the rest of a statement's envelope.
 */
export function isBase64Of(s: unknown, n: number): boolean {
  if (typeof s !== 'string' || s.length !== 4 * Math.ceil(n / 3) || !B64_RE.test(s)) return false;
  const pad = (3 - (n % 3)) % 3;
  if (pad === 0) return n === 0 || s.charCodeAt(s.length - 1) !== 0x3d;
  // The padding must be exactly `pad` long, and the bits of the last data character that no
  // byte uses (2 before "=", 4 before "==") zero: otherwise two spellings would be one value.
  if (s[s.length - pad - 1] === '=' || s[s.length - pad] !== '=') return false;
  return (B64_ALPHABET.indexOf(s[s.length - pad - 1]!) & (pad === 1 ? 3 : 15)) === 0;
}

const HEX = '0123456789abcdef';

export function toHex(b: Uint8Array): string {
  let s = '';
  for (const x of b) s += HEX[x >> 4]! + HEX[x & 15]!;
  return s;
}

export function fromHex(s: string): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length % 2 !== 0 || !/^[0-9a-f]*$/.test(s)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
  return d === 0;
}
