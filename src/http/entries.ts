// POST /v1/entries and GET /v1/entries/{seq} (lotproof SPEC §5).
import { Hono } from 'hono';
import { toBase64 } from '../core/bytes.ts';
import { LedgerError } from '../core/errors.ts';
import { formatReceipt } from '../core/receipt.ts';
import { inclusionProof } from '../core/merkle.ts';
import { intParam, readBody, type AppDeps } from './app.ts';
import { parseJsonBody } from './json.ts';
import { NO_LIMITS, RateLimiter } from './ratelimit.ts';

export function entriesRoutes({ ledger, config, clock }: AppDeps) {
  const app = new Hono();
  const maxBody = config.maxBodyBytes ?? 64 * 1024;
  const actorLimiter = new RateLimiter((config.limits ?? NO_LIMITS).actorWrite);

  app.post('/v1/entries', async (c) => {
    const wait = c.req.query('wait');
    if (wait !== undefined && wait !== 'checkpoint') {
      throw new LedgerError('invalid_request', 'wait must be "checkpoint" or absent');
    }
    const ct = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json') {
      throw new LedgerError('unsupported_media_type', 'send the submission as application/json');
    }
    const input = parseJsonBody(await readBody(c.req.raw, maxBody));
    // The per-actor limit counts only submissions whose signature verified, so nobody can
    // exhaust an actor's allowance by sending junk in its name.
    const a = await ledger.submit(input, (st) => actorLimiter.take(st.actor, clock.now()));
    const out: Record<string, unknown> = { seq: a.seq, hash: toBase64(a.hash), loggedAt: a.entry.loggedAt };
    if (wait === 'checkpoint') {
      const cp = await ledger.waitForCheckpoint(a.seq);
      const proof = inclusionProof(a.seq, cp.size, ledger.integrator.read);
      out.checkpoint = cp.note;
      out.receipt = formatReceipt({ index: a.seq, proof, checkpointNote: cp.note });
    }
    c.header('location', `/v1/entries/${a.seq}`);
    return c.json(out, 201);
  });

  app.get('/v1/entries/:seq', (c) => {
    const seq = intParam(c.req.param('seq'), 'seq');
    const row = ledger.store.entry(seq);
    if (!row) throw new LedgerError('not_found', `entry ${seq} is not in the log`);
    // The entry is embedded as its exact leaf bytes, so the answer carries what the log hashed.
    c.header('cache-control', 'public, max-age=31536000, immutable');
    c.header('content-type', 'application/json');
    return c.body(`{"seq":${seq},"hash":"${toBase64(row.hash)}","entry":${Buffer.from(row.leaf).toString('utf8')}}`);
  });

  return app;
}
