// POST /v1/entries and GET /v1/entries/{seq} (lotproof SPEC §5).
import { Hono, type TypedResponse } from 'hono';
import { toBase64 } from '../core/bytes.ts';
import { LedgerError } from '../core/errors.ts';
import { formatReceipt } from '../core/receipt.ts';
import type { Submission } from '../core/statement.ts';
import type { AppDeps } from './app.ts';
import { entriesPostQuery, parseParams, seqParams } from './schemas.ts';
import { jsonBodyBytes } from './json.ts';
import { answer } from './respond.ts';
import { NO_LIMITS, RateLimiter } from './ratelimit.ts';

/** The answer to an accepted submission (SPEC §5), with the receipt when asked to wait. */
export interface AppendedAnswer {
  seq: number;
  /** base64 SHA-256 of the leaf bytes. */
  hash: string;
  loggedAt: string;
  checkpoint?: string;
  receipt?: string;
}

export function entriesRoutes({ ledger, config, clock }: AppDeps) {
  const maxBody = config.maxBodyBytes ?? 64 * 1024;
  const actorLimiter = new RateLimiter((config.limits ?? NO_LIMITS).actorWrite);

  // Chained, so that the typed client (hc<AppType>) knows this route's input and answer.
  return new Hono().post('/v1/entries', jsonBodyBytes<Submission>(maxBody), async (c) => {
    const { wait } = parseParams(entriesPostQuery, c.req.query());
    // The per-actor limit counts only submissions whose signature verified, so nobody can
    // exhaust an actor's allowance by sending junk in its name.
    const a = await ledger.submitJson(c.req.valid('json'), (st) => actorLimiter.take(st.actor, clock.now()));
    const out: AppendedAnswer = { seq: a.seq, hash: toBase64(a.hash), loggedAt: a.entry.loggedAt };
    if (wait === 'checkpoint') {
      const cp = await ledger.waitForCheckpoint(a.seq);
      const proof = ledger.integrator.inclusionProof(a.seq, cp.size);
      out.checkpoint = cp.note;
      out.receipt = formatReceipt({ index: a.seq, proof, checkpointNote: cp.note });
    }
    // The typed client still sees this answer's JSON type (hc<AppType>).
    return answer(JSON.stringify(out), 201, { 'content-type': 'application/json', location: `/v1/entries/${a.seq}` }) as unknown as TypedResponse<AppendedAnswer, 201, 'json'>;
  }).get('/v1/entries/:seq', (c) => {
    const { seq } = parseParams(seqParams, c.req.param());
    // Only durable entries: an answer is cached as immutable, and an entry committed but not yet
    // synced could still be lost in a crash and its seq given to another.
    const row = seq < ledger.size() ? ledger.store.entry(seq) : undefined;
    if (!row) throw new LedgerError('not_found', `entry ${seq} is not in the log`);
    // The entry is embedded as its exact leaf bytes, so the answer carries what the log hashed.
    return answer(`{"seq":${seq},"hash":"${toBase64(row.hash)}","entry":${Buffer.from(row.leaf).toString('utf8')}}`, 200, {
      'cache-control': 'public, max-age=31536000, immutable',
      'content-type': 'application/json',
    });
  });
}
