// Content-addressed documents (a lab report's PDF, a certificate's scan): PUT by a registered
// actor under the SHA-256 of the bytes, GET by anyone. A statement may name only a stored one.
import { Hono } from 'hono';
import { toHex } from '../core/bytes.ts';
import { LedgerError } from '../core/errors.ts';
import { sha256 } from '../core/hash.ts';
import type { AppDeps } from './app.ts';
import { readBody, storageWrite } from './json.ts';
import { authenticateActor } from './auth.ts';
import { parseParams, sha256Params } from './schemas.ts';

/**
 * Policy: only these media types are stored, and they are served with nosniff and a sandboxing
 * CSP, so an uploaded document can never run script in the service's origin.
 */
export const DOCUMENT_MEDIA_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'image/webp', 'text/plain', 'application/json'];

export function documentRoutes({ ledger, clock, config }: AppDeps) {
  const app = new Hono();
  const store = ledger.store;
  const max = config.maxDocumentBytes ?? 10 * 1024 * 1024;
  const skewMs = config.skewMs ?? 5 * 60_000;

  app.put('/v1/documents/:sha256', async (c) => {
    const { sha256: hex } = parseParams(sha256Params, c.req.param());
    const actor = authenticateActor(c.req.header('authorization'), hex, store, clock.now(), skewMs);
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!DOCUMENT_MEDIA_TYPES.includes(mediaType)) {
      throw new LedgerError('unsupported_media_type', `documents may be ${DOCUMENT_MEDIA_TYPES.join(', ')}`);
    }
    const bytes = await readBody(c, max);
    if (bytes.length === 0) throw new LedgerError('invalid_request', 'the document is empty');
    const actual = toHex(sha256(bytes));
    if (actual !== hex) throw new LedgerError('document_mismatch', `the body's SHA-256 is ${actual}, not ${hex}`);
    const existing = store.document(hex);
    if (existing) return c.json({ sha256: hex, mediaType: existing.mediaType, size: existing.size }, 200);
    storageWrite(() =>
      store.putDocument({ sha256: hex, mediaType, size: bytes.length, uploadedBy: actor.id, uploadedAt: new Date(clock.now()).toISOString() }, bytes),
    );
    c.header('location', `/v1/documents/${hex}`);
    return c.json({ sha256: hex, mediaType, size: bytes.length }, 201);
  });

  app.get('/v1/documents/:sha256', (c) => {
    const { sha256: hex } = parseParams(sha256Params, c.req.param());
    const meta = store.document(hex);
    const bytes = meta && store.documentBytes(hex);
    if (!meta || !bytes) throw new LedgerError('not_found', `document ${hex} is not stored`);
    c.header('content-type', meta.mediaType);
    c.header('cache-control', 'public, max-age=31536000, immutable');
    c.header('etag', `"${hex}"`);
    c.header('x-content-type-options', 'nosniff');
    c.header('content-security-policy', "sandbox; default-src 'none'");
    return c.body(Buffer.from(bytes));
  });

  return app;
}
