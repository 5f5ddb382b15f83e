// The stateless checks of a submission (SPEC §1): strict JSON, shape, type, body, time window
// and the submitter's Ed25519 signature. They need nothing of the log's state, so they run on the
// check pool's threads (check-pool.ts) as well as on the caller's; the rules that do need the
// state run in the sequencer.
import { fromBase64 } from '../core/bytes.ts';
import { LedgerError } from '../core/errors.ts';
import { canonicalJson } from '../core/jcs.ts';
import { parseJsonBody } from '../core/json.ts';
import { MAX_LEAF_BYTES } from '../core/entry.ts';
import { statementMessageFromJcs, type Submission } from '../core/statement.ts';
import { formatTime, parseTime } from '../core/time.ts';
import { submissionSchema } from './bodies.ts';
import { checkBody } from './rules.ts';
import { verifyEd25519Node } from './verifier.ts';

/**
 * Parses and checks a submission's shape, type, body and time window, and returns it with the
 * exact message its signature must cover. The signature itself is checked by the caller.
 */
export function precheckSubmission(input: unknown, nowMs: number, skewMs: number): { sub: Submission; message: Uint8Array; statementJcs: string } {
  const r = submissionSchema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new LedgerError('invalid_submission', `${issue.path.join('.') || 'submission'}: ${issue.message}`, {
      issues: r.error.issues.slice(0, 10).map((i) => ({ path: i.path.join('.'), message: i.message })),
    });
  }
  const sub = r.data as Submission;
  const st = sub.statement;
  if (st.type === 'log.init') throw new LedgerError('type_not_allowed', 'log.init is written by the log itself');
  checkBody(st.type, st.body);
  const t = parseTime(st.time)!;
  if (Math.abs(t - nowMs) > skewMs) {
    throw new LedgerError('time_skew', `statement time ${st.time} is more than ${skewMs / 1000} s from the log's clock ${formatTime(nowMs)}`);
  }
  const statementJcs = canonicalJson(st);
  const message = statementMessageFromJcs(statementJcs);
  if (message.length > MAX_LEAF_BYTES - 512) throw new LedgerError('entry_too_large', 'the statement is too large for one log entry');
  return { sub, message, statementJcs };
}

export const badSignature = () => new LedgerError('bad_signature', 'sig is not a valid Ed25519 signature of the statement by pub');

/** Parses and checks a submission's shape, type, body, time window and signature. */
export function checkSubmission(input: unknown, nowMs: number, skewMs: number): { sub: Submission; statementJcs: string } {
  const { sub, message, statementJcs } = precheckSubmission(input, nowMs, skewMs);
  if (!verifyEd25519Node(fromBase64(sub.sig)!, message, sub.statement.pub)) throw badSignature();
  return { sub, statementJcs };
}

/** checkSubmission on a request body's bytes, parsed as strict JSON first. */
export function checkSubmissionJson(body: Uint8Array, nowMs: number, skewMs: number): { sub: Submission; statementJcs: string } {
  return checkSubmission(parseJsonBody(body), nowMs, skewMs);
}
