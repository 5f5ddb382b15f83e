// Ed25519 (RFC 8032) verification for the server's and the auditor's hot paths. The verdict is
// always OpenSSL's (node:crypto), several times faster than the pure-JS @noble/ed25519 that core/
// and the browser use. The two accept and reject the same signatures on the RFC 8032 and
// Wycheproof vectors; on the crafted ed25519-speccheck cases they differ only where keys are
// small-order (refused at registration and rotation, so never active) or where OpenSSL is the
// stricter one (test/core/ed25519.test.ts).
//
// When the optional package sodium-native loads, libsodium is asked first: its verify is about
// 1.6 times as fast as OpenSSL's here (libsodium's field arithmetic uses 51-bit limbs with
// 128-bit products, OpenSSL's Ed25519 the 25.5-bit limbs of ref10). Whatever libsodium accepts,
// OpenSSL accepts too: libsodium requires everything OpenSSL does (S < L, A a point, and the
// cofactorless equation: [S]B - [h]A encoding to exactly R, with h over the same bytes) and
// refuses more besides (small-order R or A, a non-canonical A). So its "yes" is OpenSSL's "yes",
// and a "no" is asked of OpenSSL again, whose answer stands: the accepted set is exactly
// OpenSSL's, and a valid signature, the common case, costs one libsodium verify.
import { createPublicKey, verify as nodeVerify, type KeyObject } from 'node:crypto';
import { createRequire } from 'node:module';
import { concatBytes, fromBase64 } from '../core/bytes.ts';

/** The one function of sodium-native used here. */
export interface Sodium {
  crypto_sign_verify_detached(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean;
}

// RFC 8410 SubjectPublicKeyInfo prefix for id-Ed25519.
const SPKI_PREFIX = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const MAX_CACHED_KEYS = 10_000;
const keys = new Map<string, { raw: Uint8Array; key: KeyObject } | null>();

/**
 * Where sodium-native's entry file is, or undefined when it is not installed, does not load on
 * this platform, or LOTPROOF_SODIUM=0 turns it off. Worker threads are given this path, so that
 * they load the very same module wherever the process was started from.
 */
export function sodiumPath(): string | undefined {
  if (process.env.LOTPROOF_SODIUM === '0') return undefined;
  try {
    const req = createRequire(import.meta.url);
    const path = req.resolve('sodium-native');
    // Loading checks that a prebuilt binary for this platform is there.
    (req(path) as Sodium).crypto_sign_verify_detached(new Uint8Array(64), new Uint8Array(0), new Uint8Array(32));
    return path;
  } catch {
    return undefined;
  }
}

let sodium: Sodium | undefined;
let sodiumTried = false;

/**
 * Uses libsodium from `path` (a sodiumPath() answer) on this thread, or nothing. The main
 * thread needs no call: it looks the module up itself on first use.
 */
export function useSodium(path: string | undefined): void {
  sodiumTried = true;
  sodium = undefined;
  if (!path) return;
  try {
    sodium = createRequire(path)(path) as Sodium;
  } catch {
    sodium = undefined;
  }
}

/** Which library answers first on this thread: 'libsodium' or 'openssl'. */
export function verifyBackend(): 'libsodium' | 'openssl' {
  if (!sodiumTried) useSodium(sodiumPath());
  return sodium ? 'libsodium' : 'openssl';
}

function keyOf(pubB64: string): { raw: Uint8Array; key: KeyObject } | null {
  let k = keys.get(pubB64);
  if (k !== undefined) return k;
  const pub = fromBase64(pubB64);
  k = null;
  if (pub && pub.length === 32) {
    try {
      k = { raw: pub, key: createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, pub)), format: 'der', type: 'spki' }) };
    } catch {
      k = null;
    }
  }
  if (keys.size >= MAX_CACHED_KEYS) keys.clear();
  keys.set(pubB64, k);
  return k;
}

/** Verifies an Ed25519 signature as OpenSSL does; malformed input verifies as false. */
export function verifyEd25519Node(sig: Uint8Array, message: Uint8Array, pubB64: string): boolean {
  if (sig.length !== 64) return false;
  const k = keyOf(pubB64);
  if (!k) return false;
  if (!sodiumTried) useSodium(sodiumPath());
  try {
    if (sodium?.crypto_sign_verify_detached(sig, message, k.raw)) return true;
    return nodeVerify(null, message, k.key, sig);
  } catch {
    return false;
  }
}
