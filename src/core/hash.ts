// SHA-256 (FIPS 180-4) through @noble/hashes, the one hash lotproof uses.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}
