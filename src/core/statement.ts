// lotproof SPEC §1: statements, the domain-separated message a party signs, and submissions.
import { canonicalJson } from './jcs.ts';
import { fromBase64, toBase64, utf8 } from './bytes.ts';
import { sign, verify, type KeyPair } from './ed25519.ts';

export const STATEMENT_CONTEXT = 'lotproof/statement/v1\n';

export const STATEMENT_TYPES = [
  'log.init',
  'actor.register',
  'actor.rotateKey',
  'actor.revoke',
  'batch.create',
  'labreport.issue',
  'labreport.revoke',
  'certificate.issue',
  'certificate.revoke',
  'handoff.ship',
  'handoff.receive',
  'batch.transform',
  'recall.issue',
  'recall.close',
  'serials.issue',
] as const;
export type StatementType = (typeof STATEMENT_TYPES)[number];

export interface Statement {
  v: 1;
  type: StatementType;
  actor: string;
  /** base64 of the 32-byte Ed25519 public key that signed. */
  pub: string;
  /** RFC 3339 UTC with milliseconds. */
  time: string;
  /** base64 of 16 random bytes. */
  nonce: string;
  body: Record<string, unknown>;
}

export interface Submission {
  statement: Statement;
  /** base64 of the 64-byte Ed25519 signature. */
  sig: string;
}

/** The bytes a party signs: "lotproof/statement/v1\n" || JCS(statement). */
export function statementMessage(statement: Statement): Uint8Array {
  return statementMessageFromJcs(canonicalJson(statement));
}

/** The same message from the statement's JCS text, when the caller needs that text too. */
export function statementMessageFromJcs(statementJcs: string): Uint8Array {
  // One encoding of the joined text: the context is ASCII, so its bytes are its characters.
  return utf8(STATEMENT_CONTEXT + statementJcs);
}

export function signStatement(statement: Statement, key: KeyPair): Submission {
  return { statement, sig: toBase64(sign(statementMessage(statement), key.secretKey)) };
}

/** True when `sig` is a valid Ed25519 signature of the statement under its own `pub`. */
export function verifySubmission(sub: Submission): boolean {
  const sig = fromBase64(sub.sig);
  const pub = fromBase64(sub.statement.pub);
  if (!sig || !pub) return false;
  return verify(sig, statementMessage(sub.statement), pub);
}
