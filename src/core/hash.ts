// SHA-256 (FIPS 180-4), the one hash lotproof uses: @noble/hashes, or in Node (20.16 and later)
// its native one-shot crypto.hash, about 3× faster on a 640-byte log leaf (2.4 µs against 8.1 µs
// here) and on the append path several times per entry. The browser has no `process`, so its
// bundle always takes noble; test/core/merkle.test.ts holds both to the same answers.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from './native.ts';

const nodeHash = nodeCrypto?.hash;

export function sha256(data: Uint8Array): Uint8Array {
  if (!nodeHash) return nobleSha256(data);
  // The digest comes back as a latin1 string (one char per byte) and is copied into a 32-byte
  // array, which V8 keeps on its heap. Asked for a Buffer, Node gives each digest an ArrayBuffer
  // of its own, allocated and later freed outside the heap: that cost more than hashing a log
  // leaf (2.8 µs against 0.7 µs per 640-byte leaf; scripts/bench/micro.ts, BENCHMARKS.md).
  const s = nodeHash('sha256', data, 'latin1');
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = s.charCodeAt(i);
  return out;
}
