// POST /v1/serial-sets: a producer's private upload of salted serial hashes, which a later
// serials.issue statement commits to by their Merkle root. The hashes are never served back.
import { Hono } from 'hono';
import { toHex } from '../core/bytes.ts';
import { LedgerError } from '../core/errors.ts';
import { sha256 } from '../core/hash.ts';
import { parseBatchName } from '../core/gs1.ts';
import { acceptSerialUpload } from '../ledger/serials.ts';
import { findBatch } from '../ledger/views.ts';
import type { AppDeps } from './app.ts';
import { authenticateActor } from './auth.ts';
import { parseJsonBody } from '../core/json.ts';
import { readBody, storageWrite } from './json.ts';

export function serialRoutes({ ledger, clock, config }: AppDeps) {
  const app = new Hono();
  const skewMs = config.skewMs ?? 5 * 60_000;

  app.post('/v1/serial-sets', async (c) => {
    const ct = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (ct !== 'application/json') throw new LedgerError('unsupported_media_type', 'send the serial set as application/json');
    const bytes = await readBody(c, 8 * 1024 * 1024);
    const actor = authenticateActor(c.req.header('authorization'), toHex(sha256(bytes)), ledger.store, clock.now(), skewMs);
    const body = parseJsonBody(bytes) as { batch?: unknown; salt?: unknown; hashes?: unknown };
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new LedgerError('invalid_request', 'the body is a JSON object {batch, salt, hashes}');
    const name = typeof body.batch === 'string' ? parseBatchName(body.batch) : undefined;
    if (!name) throw new LedgerError('invalid_request', 'batch must name a batch as 01/<gtin>/10/<lot>');
    const batch = findBatch(ledger.store, name.gtin, name.lot);
    const out = storageWrite(() => acceptSerialUpload(ledger.store, { batch, actor: actor.id, salt: body.salt as string, hashes: body.hashes as string[] }));
    return c.json(out, 201);
  });

  return app;
}
