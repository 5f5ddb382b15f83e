// RFC 8032 Ed25519 through @noble/ed25519 (key derivation and signing through Node's OpenSSL
// where there is one, below), and the RFC 8410 PKCS#8 / SPKI wrappings of its keys.
// Verification is the strict RFC 8032 rule set (zip215: false), the same set OpenSSL applies.
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { concatBytes, equalBytes, fromBase64, toBase64 } from './bytes.ts';
import { LedgerError } from './errors.ts';
import { nodeCrypto, plainBytes, type NodeCrypto, type NodeKeyObject } from './native.ts';

ed.hashes.sha512 = sha512;

export interface KeyPair {
  /** The 32-byte RFC 8032 private key (the seed). */
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

// In Node (20.16 and later), deriving a public key and signing go through its native Ed25519
// (OpenSSL). Both are deterministic (RFC 8032 §5.1.5, §5.1.6), so they give noble's exact bytes;
// test/core/ed25519.test.ts holds the two to the same answers. noble's first use builds its
// base-point tables: about 70 ms of a service's start-up, where it derived the operator's and
// the log's public keys and signed the first checkpoint. The browser has no `process`, so its
// bundle always takes noble.
/** OpenSSL's key object for each secret key in use (a WeakMap: nothing outlives the key pair). */
const nodeKeys = new WeakMap<Uint8Array, NodeKeyObject>();

function nodePrivateKey(node: NodeCrypto, seed: Uint8Array): NodeKeyObject {
  let key = nodeKeys.get(seed);
  if (!key) {
    key = node.createPrivateKey({ key: concatBytes(PKCS8_PREFIX, seed), format: 'der', type: 'pkcs8' });
    nodeKeys.set(seed, key);
  }
  return key;
}

export function keyPairFromSeed(seed: Uint8Array): KeyPair {
  if (seed.length !== 32) throw new LedgerError('invalid_key', 'an Ed25519 private key is 32 bytes');
  if (!nodeCrypto) return { secretKey: seed, publicKey: ed.getPublicKey(seed) };
  const spki = nodeCrypto.createPublicKey(nodePrivateKey(nodeCrypto, seed)).export({ format: 'der', type: 'spki' });
  return { secretKey: seed, publicKey: plainBytes(spki).slice(spki.length - 32) };
}

/** A new key pair from the platform's CSPRNG. */
export function generateKeyPair(): KeyPair {
  return keyPairFromSeed(ed.utils.randomSecretKey());
}

export function sign(message: Uint8Array, secretKey: Uint8Array): Uint8Array {
  if (!nodeCrypto || secretKey.length !== 32) return ed.sign(message, secretKey);
  return plainBytes(nodeCrypto.sign(null, message, nodePrivateKey(nodeCrypto, secretKey)));
}

/** Strict RFC 8032 verification. Malformed keys or signatures verify as false, never throw. */
export function verify(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  if (signature.length !== 64 || publicKey.length !== 32) return false;
  try {
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}

// RFC 8410 §7: PKCS#8 v1 PrivateKeyInfo for id-Ed25519 (1.3.101.112) is this fixed prefix and the seed.
const PKCS8_PREFIX = new Uint8Array([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

export function encodePrivateKeyPem(kp: KeyPair): string {
  const der = concatBytes(PKCS8_PREFIX, kp.secretKey);
  const b64 = toBase64(der);
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

/** Parses an RFC 8410 PKCS#8 PEM holding an Ed25519 private key. */
export function decodePrivateKeyPem(pem: string): KeyPair {
  const m = /-----BEGIN PRIVATE KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PRIVATE KEY-----/.exec(pem);
  const der = m ? fromBase64(m[1]!.replace(/\s+/g, '')) : undefined;
  if (!der || der.length !== 48 || !equalBytes(der.subarray(0, 16), PKCS8_PREFIX)) {
    throw new LedgerError('invalid_key', 'not a PKCS#8 PEM Ed25519 private key');
  }
  return keyPairFromSeed(der.slice(16));
}

/**
 * True when `pub` is the canonical encoding of a curve point (RFC 8032 §5.1.3) that is not of
 * small order. Policy: small-order keys are refused. Under one, OpenSSL's cofactorless check
 * accepts forged signatures of any message (ed25519-speccheck cases 0, 1 and 11) while our
 * strict verify accepts none, so such a key would make verifiers disagree about the log.
 */
export function isValidPublicKey(pub: Uint8Array): boolean {
  if (pub.length !== 32) return false;
  try {
    return !ed.Point.fromBytes(pub, false).isSmallOrder();
  } catch {
    return false;
  }
}
