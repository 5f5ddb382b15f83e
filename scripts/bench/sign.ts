// Signing for the benchmark's load: the statement envelope of SPEC §1 (the same bytes as
// src/cli/client.ts's signSubmission), signed with node:crypto (OpenSSL), which signs about
// 25,000 statements a second on one core where @noble/ed25519 signs about 1,000. The keys are
// the project's own (src/core/ed25519.ts), handed to OpenSSL as PKCS#8.
import { createPrivateKey, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { toBase64 } from '../../src/core/bytes.ts';
import { encodePrivateKeyPem, generateKeyPair, type KeyPair } from '../../src/core/ed25519.ts';
import { gtinCheckDigit } from '../../src/core/gs1.ts';
import { statementMessage, type Statement, type StatementType, type Submission } from '../../src/core/statement.ts';
import { formatTime } from '../../src/core/time.ts';

export interface Signer {
  id: string;
  key: KeyPair;
  priv: KeyObject;
}

export function signer(id: string, key: KeyPair = generateKeyPair()): Signer {
  return { id, key, priv: createPrivateKey(encodePrivateKeyPem(key)) };
}

/** A submission of `type` by `s`, timed now (the log accepts ±5 minutes by default). */
export function sign(s: Signer, type: StatementType, body: Record<string, unknown>, nowMs = Date.now()): Submission {
  const statement: Statement = { v: 1, type, actor: s.id, pub: toBase64(s.key.publicKey), time: formatTime(nowMs), nonce: toBase64(randomBytes(16)), body };
  return { statement, sig: toBase64(nodeSign(null, statementMessage(statement), s.priv)) };
}

/** actor.register of a new actor, signed by the operator. */
export function registration(operator: Signer, id: string, role: string): [Signer, Submission] {
  const s = signer(id);
  const acc = role === 'lab' || role === 'certifier' ? { accreditation: { body: 'CNAS', number: `L-${id}` } } : {};
  return [s, sign(operator, 'actor.register', { id, role, name: `Bench ${role} ${id}`, pub: toBase64(s.key.publicKey), ...acc })];
}

/** A valid GTIN-14 from a number (prefix 950600, a made-up company). */
export function benchGtin(n: number): string {
  const base = `950600${String(n).padStart(7, '0')}`;
  return `${base}${gtinCheckDigit(base)}`;
}

/** A batch.create body like a producer's label data. */
export function batchBody(gtin: string, lot: string, amount = 1000): Record<string, unknown> {
  return {
    gtin,
    lot,
    product: { name: 'Bench rice', category: 'grain' },
    producedOn: '2026-11-01',
    quantity: { amount, uom: 'KGM' },
    origin: { country: 'CN' },
    attributes: { variety: 'Daohuaxiang No. 2', grade: 'I' },
  };
}

/**
 * `n` distinct batch.create submissions by one producer, with a random GTIN so that runs against
 * the same log never collide: what the append benchmarks send.
 */
export function batchCreates(producer: Signer, n: number): Submission[] {
  const base = `95${randomBytes(6).readUIntBE(0, 6).toString().padStart(11, '0').slice(0, 11)}`;
  const gtin = `${base}${gtinCheckDigit(base)}`;
  return Array.from({ length: n }, (_, i) => sign(producer, 'batch.create', batchBody(gtin, `L${i}`)));
}
