// Ed25519 (RFC 8032) verification for the server's hot path through node:crypto (OpenSSL),
// several times faster than the pure-JS @noble/ed25519 that core/ and the browser use. The two
// accept and reject the same signatures on the RFC 8032 and Wycheproof vectors; on the crafted
// ed25519-speccheck cases they differ only where keys are small-order (refused at registration
// and rotation, so never active) or where OpenSSL is the stricter one (test/core/ed25519.test.ts).
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { concatBytes, fromBase64 } from '../core/bytes.ts';

// RFC 8410 SubjectPublicKeyInfo prefix for id-Ed25519.
const SPKI_PREFIX = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const MAX_CACHED_KEYS = 10_000;
const keys = new Map<string, KeyObject | null>();

function keyObject(pubB64: string): KeyObject | null {
  let k = keys.get(pubB64);
  if (k !== undefined) return k;
  const pub = fromBase64(pubB64);
  k = null;
  if (pub && pub.length === 32) {
    try {
      k = createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, pub)), format: 'der', type: 'spki' });
    } catch {
      k = null;
    }
  }
  if (keys.size >= MAX_CACHED_KEYS) keys.clear();
  keys.set(pubB64, k);
  return k;
}

/** Verifies an Ed25519 signature with OpenSSL; malformed input verifies as false. */
export function verifyEd25519Node(sig: Uint8Array, message: Uint8Array, pubB64: string): boolean {
  if (sig.length !== 64) return false;
  const key = keyObject(pubB64);
  if (!key) return false;
  try {
    return nodeVerify(null, message, key, sig);
  } catch {
    return false;
  }
}
