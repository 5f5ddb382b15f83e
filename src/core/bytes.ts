// Byte helpers for the edges: RFC 4648 §4 base64 (with padding) and lowercase hex, strict UTF-8.
// Inside lotproof, bytes are Uint8Array; text encodings exist only at the edges. Written with
// the web platform's atob/btoa and TextEncoder (and Node's Buffer where present, for speed), so
// the same module runs in Node and, bundled into the verifier, in the shopper's browser.

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
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

export function toBase64(b: Uint8Array): string {
  if (NodeBuffer) return NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
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
