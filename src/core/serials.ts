// Unit serials (GS1 AI 21) that the log commits to without publishing them. Each serial is
// hashed with its set's salt; the set's commitment is the RFC 6962 Merkle root (RFC 9162 §2.1)
// over the sorted hashes, so one serial can later be proved a member without revealing others.
import { concatBytes, utf8 } from './bytes.ts';
import { sha256 } from './hash.ts';
import { hashLeaf, rootFromLeafHashes } from './merkle.ts';

/**
 * Policy: serials are 16 characters of Crockford's base32 alphabet (digits and upper-case
 * letters without I, L, O, U), all inside the GS1 82-character set and unambiguous when read
 * aloud or printed small. 16 × 5 = 80 random bits: unguessable, with no counter or pattern.
 */
export const SERIAL_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const SERIAL_LENGTH = 16;

/** A random serial from 10 bytes of CSPRNG output (`random(n)` returns n random bytes). */
export function generateSerial(random: (n: number) => Uint8Array): string {
  const bytes = random(10);
  let bits = 0;
  let acc = 0;
  let out = '';
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += SERIAL_ALPHABET[(acc >> bits) & 31];
    }
  }
  return out;
}

/** SHA-256(salt || UTF-8(serial)): what the service stores and the commitment covers. */
export function serialHash(salt: Uint8Array, serial: string): Uint8Array {
  return sha256(concatBytes(salt, utf8(serial)));
}

function compare(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length && i < b.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** Sorts serial hashes into commitment order (bytewise ascending). */
export function sortSerialHashes(hashes: Uint8Array[]): Uint8Array[] {
  return [...hashes].sort(compare);
}

/** The commitment: the Merkle root over the sorted hashes, each a leaf. */
export function serialSetRoot(sortedHashes: Uint8Array[]): Uint8Array {
  return rootFromLeafHashes(sortedHashes.map(hashLeaf));
}
