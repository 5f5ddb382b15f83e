// RFC 8032 Ed25519 and its RFC 8410 PKCS#8 wrapping: the RFC 8032 §7.1 vectors, Wycheproof's
// ed25519_test.json and the ed25519-speccheck edge cases under our strict verify, and agreement
// with node:crypto (OpenSSL), which the server's hot paths may switch to.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign as nodeSign,
  verify as nodeVerify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fromBase64, fromHex, toBase64, toHex } from '../../src/core/bytes.ts';
import {
  decodePrivateKeyPem,
  encodePrivateKeyPem,
  generateKeyPair,
  isValidPublicKey,
  keyPairFromSeed,
  sign,
  verify,
} from '../../src/core/ed25519.ts';
import { LedgerError } from '../../src/core/errors.ts';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import * as noble from '@noble/ed25519';
import { sodiumPath, useSodium, verifyBackend, verifyEd25519Node, type Sodium } from '../../src/ledger/verifier.ts';

const VECTORS = fileURLToPath(new URL('../vectors/', import.meta.url));
const readJson = (path: string): any => JSON.parse(readFileSync(VECTORS + path, 'utf8'));

function hex(s: string): Uint8Array {
  const b = fromHex(s);
  if (b === undefined) throw new Error(`bad hex in a vector: ${s.slice(0, 40)}`);
  return b;
}

/** A copy of `b` with one bit flipped. */
function flip(b: Uint8Array, byte: number, bit = 0): Uint8Array {
  const c = b.slice();
  c[byte] = c[byte]! ^ (1 << bit);
  return c;
}

// RFC 8410 §4: SubjectPublicKeyInfo for id-Ed25519 is this fixed prefix and the 32-byte key.
const SPKI_PREFIX = hex('302a300506032b6570032100');

/** OpenSSL's answer through node:crypto. A key it refuses to import verifies nothing. */
function opensslVerify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean {
  let key;
  try {
    key = createPublicKey({ key: Buffer.concat([SPKI_PREFIX, pub]), format: 'der', type: 'spki' });
  } catch {
    return false;
  }
  try {
    return nodeVerify(null, msg, key, sig);
  } catch {
    return false;
  }
}

function nodePrivateKey(seed: Uint8Array) {
  return createPrivateKey(encodePrivateKeyPem(keyPairFromSeed(seed)));
}

// ---------------------------------------------------------------------------------------------
// Vector sets
// ---------------------------------------------------------------------------------------------

interface Rfc8032Vector {
  name: string;
  secretKey: string;
  publicKey: string;
  message: string;
  signature: string;
}
const rfc8032: Rfc8032Vector[] = readJson('rfc8032/ed25519.json').vectors;

interface WycheproofCase {
  tcId: number;
  comment: string;
  flags: string[];
  pub: Uint8Array;
  msg: Uint8Array;
  sig: Uint8Array;
  expected: boolean;
}
const wycheproofFile = readJson('wycheproof/ed25519_test.json');
const wycheproof: WycheproofCase[] = wycheproofFile.testGroups.flatMap((g: any) =>
  g.tests.map((t: any): WycheproofCase => {
    // An unknown result (a new category such as "acceptable") must fail the suite, not pass quietly.
    if (t.result !== 'valid' && t.result !== 'invalid') throw new Error(`Wycheproof tcId ${t.tcId}: unknown result ${t.result}`);
    return { tcId: t.tcId, comment: t.comment, flags: t.flags, pub: hex(g.publicKey.pk), msg: hex(t.msg), sig: hex(t.sig), expected: t.result === 'valid' };
  }),
);

const speccheck: { message: string; pub_key: string; signature: string }[] = readJson('ed25519-speccheck/cases.json');

/** Every (sig, msg, pub) triple we have, valid or not, plus one-bit mutations of the valid ones. */
function allTriples(): { name: string; sig: Uint8Array; msg: Uint8Array; pub: Uint8Array }[] {
  const out: { name: string; sig: Uint8Array; msg: Uint8Array; pub: Uint8Array }[] = [];
  for (const v of rfc8032) {
    const [sig, msg, pub] = [hex(v.signature), hex(v.message), hex(v.publicKey)];
    out.push({ name: `RFC 8032 ${v.name}`, sig, msg, pub });
    out.push({ name: `RFC 8032 ${v.name}, R bit flipped`, sig: flip(sig, 3), msg, pub });
    out.push({ name: `RFC 8032 ${v.name}, S bit flipped`, sig: flip(sig, 40), msg, pub });
    out.push({ name: `RFC 8032 ${v.name}, S top bit set`, sig: flip(sig, 63, 7), msg, pub });
    out.push({ name: `RFC 8032 ${v.name}, pub bit flipped`, sig, msg, pub: flip(pub, 0) });
  }
  for (const c of wycheproof) out.push({ name: `Wycheproof tcId ${c.tcId}`, sig: c.sig, msg: c.msg, pub: c.pub });
  speccheck.forEach((c, i) => out.push({ name: `speccheck ${i}`, sig: hex(c.signature), msg: hex(c.message), pub: hex(c.pub_key) }));
  return out;
}

// ---------------------------------------------------------------------------------------------
// RFC 8032 §7.1
// ---------------------------------------------------------------------------------------------

describe('RFC 8032 §7.1 test vectors', () => {
  it('has the five published vectors', () => {
    expect(rfc8032.map((v) => v.name)).toEqual(['TEST 1', 'TEST 2', 'TEST 3', 'TEST 1024', 'TEST SHA(abc)']);
    expect(rfc8032.map((v) => v.message.length / 2)).toEqual([0, 1, 2, 1023, 64]);
  });

  for (const v of rfc8032) {
    describe(v.name, () => {
      const sk = hex(v.secretKey);
      const pub = hex(v.publicKey);
      const msg = hex(v.message);
      const sig = hex(v.signature);

      it('derives the public key from the secret key', () => {
        expect(toHex(keyPairFromSeed(sk).publicKey)).toBe(v.publicKey);
      });

      it('signs to exactly the published signature, and so do noble (the browser\'s) and node:crypto', () => {
        expect(toHex(sign(msg, sk))).toBe(v.signature);
        expect(toHex(noble.sign(msg, sk))).toBe(v.signature);
        expect(toHex(noble.getPublicKey(sk))).toBe(v.publicKey);
        expect(toHex(nodeSign(null, msg, nodePrivateKey(sk)))).toBe(v.signature);
      });

      it('verifies the published signature', () => {
        expect(verify(sig, msg, pub)).toBe(true);
        expect(opensslVerify(sig, msg, pub)).toBe(true);
      });

      it('rejects a changed message, signature or key', () => {
        const otherMsg = msg.length === 0 ? new Uint8Array([0]) : flip(msg, msg.length - 1);
        expect(verify(sig, otherMsg, pub)).toBe(false);
        if (msg.length > 0) expect(verify(sig, msg.subarray(0, msg.length - 1), pub)).toBe(false);
        expect(verify(sig, new Uint8Array([...msg, 0]), pub)).toBe(false);
        for (const byte of [0, 31, 32, 63]) {
          for (const bit of [0, 7]) expect(verify(flip(sig, byte, bit), msg, pub)).toBe(false);
        }
        expect(verify(sig, msg, flip(pub, 5))).toBe(false);
        expect(verify(sig.subarray(0, 63), msg, pub)).toBe(false);
        expect(verify(new Uint8Array([...sig, 0]), msg, pub)).toBe(false);
        expect(verify(sig, msg, pub.subarray(0, 31))).toBe(false);
      });
    });
  }
});

// ---------------------------------------------------------------------------------------------
// Wycheproof
// ---------------------------------------------------------------------------------------------

describe('Wycheproof ed25519_test.json', () => {
  it('is the file the README names, read whole', () => {
    expect(wycheproofFile.algorithm).toBe('EDDSA');
    expect(wycheproofFile.numberOfTests).toBe(wycheproof.length);
    expect(wycheproof.length).toBe(151);
    expect(wycheproof.filter((c) => c.expected).length).toBe(88);
  });

  it('every expected result matches our strict verify', () => {
    const disagreements = wycheproof
      .filter((c) => verify(c.sig, c.msg, c.pub) !== c.expected)
      .map((c) => `tcId ${c.tcId} [${c.flags.join(',')}] ${c.comment}: expected ${c.expected ? 'valid' : 'invalid'}`);
    expect(disagreements).toEqual([]);
  });

  it('every expected result matches node:crypto (OpenSSL)', () => {
    const disagreements = wycheproof
      .filter((c) => opensslVerify(c.sig, c.msg, c.pub) !== c.expected)
      .map((c) => `tcId ${c.tcId} [${c.flags.join(',')}] ${c.comment}: expected ${c.expected ? 'valid' : 'invalid'}`);
    expect(disagreements).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// noble (strict) against node:crypto (OpenSSL)
// ---------------------------------------------------------------------------------------------

describe('node:crypto and our verify', () => {
  /*
   * The two differ on purpose-built edge cases (ed25519-speccheck, Chalkias, Garillot and
   * Nikolaenko, "Taming the many EdDSAs", SSR 2020), and only there:
   * - speccheck 0, 1, 11 have a small-order public key (11 also non-canonically encoded).
   *   OpenSSL accepts them; noble's strict mode refuses every small-order key. Under such a key
   *   anybody can "sign" anything, so lotproof refuses small-order keys at registration
   *   (isValidPublicKey), and the server must keep doing so if it verifies with OpenSSL.
   * - speccheck 4, 5 have a mixed-order R: noble checks the cofactored equation and accepts,
   *   OpenSSL checks the cofactorless one and refuses. Only a signer who crafts such an R can
   *   make one; an OpenSSL server would refuse it, which never puts a bad entry in the log.
   */
  const EXPECTED_DISAGREEMENTS = [
    'speccheck 0: noble false, OpenSSL true',
    'speccheck 1: noble false, OpenSSL true',
    'speccheck 4: noble true, OpenSSL false',
    'speccheck 5: noble true, OpenSSL false',
    'speccheck 11: noble false, OpenSSL true',
  ];

  it('the server hot path (src/ledger/verifier.ts) answers exactly as OpenSSL does here, with and without libsodium', () => {
    try {
      for (const path of [sodiumPath(), undefined]) {
        useSodium(path);
        const differ = allTriples().filter((t) => verifyEd25519Node(t.sig, t.msg, toBase64(t.pub)) !== opensslVerify(t.sig, t.msg, t.pub));
        expect(differ.map((t) => t.name)).toEqual([]);
      }
    } finally {
      useSodium(sodiumPath());
    }
  });

  it('accept and reject the same signatures on every vector, except the speccheck cases above', () => {
    const triples = allTriples();
    expect(triples.length).toBe(5 * 5 + 151 + 12);
    const disagreements = triples
      .map((t) => ({ name: t.name, ours: verify(t.sig, t.msg, t.pub), openssl: opensslVerify(t.sig, t.msg, t.pub) }))
      .filter((r) => r.ours !== r.openssl)
      .map((r) => `${r.name}: noble ${r.ours}, OpenSSL ${r.openssl}`);
    expect(disagreements).toEqual(EXPECTED_DISAGREEMENTS);
  });

  it('OpenSSL accepts nothing that we refuse, for every key lotproof would register', () => {
    // The property a switch of the server to node:crypto must keep: an entry the server accepts
    // also verifies in every auditor and browser that uses noble.
    const laxer = allTriples().filter(
      (t) => isValidPublicKey(t.pub) && opensslVerify(t.sig, t.msg, t.pub) && !verify(t.sig, t.msg, t.pub),
    );
    expect(laxer.map((t) => t.name)).toEqual([]);
  });

  it('isValidPublicKey refuses the small-order and non-canonical keys of the speccheck cases', () => {
    expect(speccheck.map((c) => isValidPublicKey(hex(c.pub_key)))).toEqual([
      false, false, true, true, true, true, true, true, true, true, false, false,
    ]);
    // The identity point, a canonical small-order point anyone can "sign" for under OpenSSL.
    const identity = new Uint8Array(32);
    identity[0] = 1;
    expect(isValidPublicKey(identity)).toBe(false);
    const zeroSig = new Uint8Array(64);
    zeroSig[0] = 1; // R = identity, S = 0
    expect(opensslVerify(zeroSig, new TextEncoder().encode('anything at all'), identity)).toBe(true);
    expect(verify(zeroSig, new TextEncoder().encode('anything at all'), identity)).toBe(false);
    // Not on the curve: y = 2 has no x.
    const offCurve = new Uint8Array(32);
    offCurve[0] = 2;
    expect(isValidPublicKey(offCurve)).toBe(false);
    expect(isValidPublicKey(generateKeyPair().publicKey)).toBe(true);
    expect(isValidPublicKey(new Uint8Array(31))).toBe(false);
  });

  it('agree on signatures made by either side over random messages', () => {
    for (let i = 0; i < 20; i++) {
      const kp = generateKeyPair();
      const msg = new Uint8Array(i * 7).map((_, j) => (j * 31 + i) & 0xff);
      const ours = sign(msg, kp.secretKey);
      const theirs = nodeSign(null, msg, nodePrivateKey(kp.secretKey));
      expect(toHex(theirs)).toBe(toHex(ours)); // Ed25519 is deterministic
      expect(opensslVerify(ours, msg, kp.publicKey)).toBe(true);
      expect(opensslVerify(flip(ours, 10), msg, kp.publicKey)).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// libsodium (sodium-native), which the hot path asks before OpenSSL
// ---------------------------------------------------------------------------------------------

describe('libsodium, asked first on the hot path', () => {
  // sodium-native is an optional dependency with prebuilt binaries for this platform: npm ci
  // installs it, so here it must load (LOTPROOF_SODIUM=0 is the switch that turns it off).
  const path = sodiumPath();
  const sodium = path ? (createRequire(path)(path) as Sodium) : undefined;
  const sodiumVerify = (t: { sig: Uint8Array; msg: Uint8Array; pub: Uint8Array }) =>
    t.sig.length === 64 && t.pub.length === 32 && sodium!.crypto_sign_verify_detached(t.sig, t.msg, t.pub);

  it('loads, and the hot path uses it', () => {
    expect(path, 'sodium-native did not load; run npm ci').toBeDefined();
    expect(verifyBackend()).toBe('libsodium');
  });

  it('accepts nothing OpenSSL refuses, on every vector and mutation (so its "yes" can stand)', () => {
    const laxer = allTriples().filter((t) => sodiumVerify(t) && !opensslVerify(t.sig, t.msg, t.pub));
    expect(laxer.map((t) => t.name)).toEqual([]);
  });

  it('refuses more than OpenSSL only on the crafted small-order cases', () => {
    // speccheck 0, 1, 11: a small-order key; speccheck 2: a small-order R. OpenSSL accepts them
    // and so does the hot path, which asks OpenSSL again whenever libsodium says no.
    const stricter = allTriples().filter((t) => !sodiumVerify(t) && opensslVerify(t.sig, t.msg, t.pub));
    expect(stricter.map((t) => t.name)).toEqual(['speccheck 0', 'speccheck 1', 'speccheck 2', 'speccheck 11']);
    for (const t of stricter) expect(verifyEd25519Node(t.sig, t.msg, toBase64(t.pub))).toBe(true);
  });

  it('agrees with OpenSSL on random keys, messages and one-bit changes', () => {
    for (let i = 0; i < 50; i++) {
      const kp = generateKeyPair();
      const msg = new Uint8Array(i * 13).map((_, j) => (j * 17 + i) & 0xff);
      const sig = sign(msg, kp.secretKey);
      const cases: { sig: Uint8Array; msg: Uint8Array; pub: Uint8Array }[] = [
        { sig, msg, pub: kp.publicKey },
        { sig: flip(sig, i % 64, i % 8), msg, pub: kp.publicKey },
        { sig, msg, pub: flip(kp.publicKey, i % 32, (i + 3) % 8) },
      ];
      if (msg.length > 0) cases.push({ sig, msg: flip(msg, i % msg.length), pub: kp.publicKey });
      for (const t of cases) expect(sodiumVerify(t)).toBe(opensslVerify(t.sig, t.msg, t.pub));
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Arguments that are not a signature or key at all
// ---------------------------------------------------------------------------------------------

describe('verify never throws', () => {
  it('answers false for wrong lengths and garbage', () => {
    const kp = generateKeyPair();
    const msg = new Uint8Array([1, 2, 3]);
    const sig = sign(msg, kp.secretKey);
    expect(verify(new Uint8Array(0), msg, kp.publicKey)).toBe(false);
    expect(verify(sig, msg, new Uint8Array(0))).toBe(false);
    expect(verify(new Uint8Array(64).fill(0xff), msg, kp.publicKey)).toBe(false);
    expect(verify(sig, msg, new Uint8Array(32).fill(0xff))).toBe(false);
  });

  it('derives keys and signs in Node exactly as noble does in the browser bundle, for any seed and message', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 300 }), (seed, msg) => {
        const kp = keyPairFromSeed(seed);
        expect(kp.publicKey).toBeInstanceOf(Uint8Array);
        expect(toHex(kp.publicKey)).toBe(toHex(noble.getPublicKey(seed)));
        const sig = sign(msg, seed);
        expect(toHex(sig)).toBe(toHex(noble.sign(msg, seed)));
        // The same key pair signs again from its cached key object, and other keys are not confused with it.
        expect(toHex(sign(msg, kp.secretKey))).toBe(toHex(sig));
        expect(verify(sig, msg, kp.publicKey)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('keyPairFromSeed refuses a seed that is not 32 bytes', () => {
    for (const n of [0, 31, 33, 64]) {
      expect(() => keyPairFromSeed(new Uint8Array(n))).toThrow(LedgerError);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// RFC 8410 PKCS#8 PEM
// ---------------------------------------------------------------------------------------------

function expectInvalidKey(fn: () => unknown): void {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(LedgerError);
  expect((thrown as LedgerError).code).toBe('invalid_key');
}

describe('PKCS#8 PEM', () => {
  it('our PEM imports into node:crypto and yields the same public key', () => {
    for (const v of rfc8032) {
      const kp = keyPairFromSeed(hex(v.secretKey));
      const key = createPrivateKey(encodePrivateKeyPem(kp));
      expect(key.asymmetricKeyType).toBe('ed25519');
      const spki = createPublicKey(key).export({ format: 'der', type: 'spki' });
      expect(toHex(spki.subarray(0, 12))).toBe(toHex(SPKI_PREFIX));
      expect(toHex(spki.subarray(12))).toBe(v.publicKey);
      // node writes the same RFC 8410 PKCS#8 v1 bytes back.
      expect(key.export({ format: 'pem', type: 'pkcs8' })).toBe(encodePrivateKeyPem(kp));
    }
  });

  it('a node-generated PEM decodes to the same key pair', () => {
    for (let i = 0; i < 5; i++) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
      const kp = decodePrivateKeyPem(pem);
      const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
      expect(toHex(kp.publicKey)).toBe(toHex(pub));
      const msg = new Uint8Array([i, 1, 2]);
      expect(toHex(sign(msg, kp.secretKey))).toBe(toHex(nodeSign(null, msg, privateKey)));
      expect(decodePrivateKeyPem(encodePrivateKeyPem(kp)).secretKey).toEqual(kp.secretKey);
    }
  });

  it('accepts CRLF line ends and base64 folded over lines', () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const b64 = pem.split('\n')[1]!;
    const folded = `-----BEGIN PRIVATE KEY-----\r\n${b64.slice(0, 20)}\r\n${b64.slice(20)}\r\n-----END PRIVATE KEY-----\r\n`;
    expect(decodePrivateKeyPem(folded).secretKey).toEqual(decodePrivateKeyPem(pem).secretKey);
  });

  it('malformed PEMs throw LedgerError invalid_key', () => {
    // A seed of 0xfb bytes puts '+' and '/' into the base64, so the URL-safe spelling differs.
    const kp = keyPairFromSeed(new Uint8Array(32).fill(0xfb));
    const good = encodePrivateKeyPem(kp);
    const b64 = good.split('\n')[1]!;
    const der = fromBase64(b64)!;
    const wrap = (body: string, label = 'PRIVATE KEY') => `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
    const x25519 = generateKeyPairSync('x25519').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const ed448 = generateKeyPairSync('ed448').privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
    const bad: [string, string][] = [
      ['empty', ''],
      ['no armour', b64],
      ['public key label', wrap(b64, 'PUBLIC KEY')],
      ['SPKI public key', createPublicKey(createPrivateKey(good)).export({ format: 'pem', type: 'spki' }) as string],
      ['truncated DER', wrap(toBase64(der.subarray(0, 47)))],
      ['DER with a trailing byte', wrap(toBase64(new Uint8Array([...der, 0])))],
      ['wrong version', wrap(toBase64(der.map((b, i) => (i === 4 ? 1 : b))))],
      ['X25519 key (OID 1.3.101.110)', x25519],
      ['Ed448 key', ed448],
      ['P-256 key', ec],
      ['URL-safe base64', wrap(b64.replace(/\+/g, '-').replace(/\//g, '_'))],
      ['base64 with a bad character', wrap(`${b64.slice(0, 10)}*${b64.slice(11)}`)],
      ['not base64', wrap('!!!!')],
      ['missing end line', `-----BEGIN PRIVATE KEY-----\n${b64}\n`],
    ];
    expect(b64).toMatch(/[+/]/);
    expect(decodePrivateKeyPem(good).secretKey).toEqual(kp.secretKey);
    for (const [name, pem] of bad) {
      try {
        expectInvalidKey(() => decodePrivateKeyPem(pem));
      } catch (e) {
        throw new Error(`${name}: ${(e as Error).message}`);
      }
    }
  });
});
