// Content-addressed documents (a lab report's PDF, a certificate's scan): PUT by a registered
// actor under the SHA-256 of the bytes, GET by anyone. A statement may name only a stored one.
import { Hono } from 'hono';
import { fromBase64, toHex } from '../core/bytes.ts';
import { verify } from '../core/ed25519.ts';
import { LedgerError } from '../core/errors.ts';
import { sha256 } from '../core/hash.ts';
import { parseTime } from '../core/time.ts';
import { uploadMessage } from '../core/upload.ts';
import { readBody, type AppDeps } from './app.ts';

/**
 * Policy: only these media types are stored, and they are served with nosniff and a sandboxing
 * CSP, so an uploaded document can never run script in the service's origin.
 */
export const DOCUMENT_MEDIA_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'image/webp', 'text/plain', 'application/json'];

const AUTH_RE = /^Lotproof-Ed25519 actor="([a-z0-9][a-z0-9._-]{0,63})", *time="([^"]{1,40})", *sig="([A-Za-z0-9+/=]{1,100})"$/;

export function documentRoutes({ ledger, clock, config }: AppDeps) {
  const app = new Hono();
  const store = ledger.store;
  const max = config.maxDocumentBytes ?? 10 * 1024 * 1024;
  const skewMs = config.skewMs ?? 5 * 60_000;

  app.put('/v1/documents/:sha256', async (c) => {
    const hex = c.req.param('sha256');
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new LedgerError('invalid_request', 'documents are named by lowercase hex SHA-256');
    const m = AUTH_RE.exec(c.req.header('authorization') ?? '');
    if (!m) {
      throw new LedgerError('unauthorized', 'send Authorization: Lotproof-Ed25519 actor="…", time="…", sig="…" (see lotproof document put)');
    }
    const [, actorId, time, sigB64] = m as unknown as [string, string, string, string];
    const t = parseTime(time);
    if (t === undefined || Math.abs(t - clock.now()) > skewMs) throw new LedgerError('time_skew', 'the upload time is outside the log\'s window');
    const actor = store.actor(actorId);
    if (!actor || actor.role === 'operator') throw new LedgerError('unknown_actor', `actor ${actorId} is not registered`);
    if (actor.revokedSeq !== null || !actor.pub) throw new LedgerError('actor_revoked', `actor ${actorId} was revoked`);
    const sig = fromBase64(sigB64);
    if (!sig || !verify(sig, uploadMessage(actorId, hex, time), fromBase64(actor.pub)!)) {
      throw new LedgerError('bad_signature', `sig is not ${actorId}'s signature of this upload`);
    }
    const mediaType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (!DOCUMENT_MEDIA_TYPES.includes(mediaType)) {
      throw new LedgerError('unsupported_media_type', `documents may be ${DOCUMENT_MEDIA_TYPES.join(', ')}`);
    }
    const bytes = await readBody(c.req.raw, max);
    if (bytes.length === 0) throw new LedgerError('invalid_request', 'the document is empty');
    const actual = toHex(sha256(bytes));
    if (actual !== hex) throw new LedgerError('document_mismatch', `the body's SHA-256 is ${actual}, not ${hex}`);
    const existing = store.document(hex);
    if (existing) return c.json({ sha256: hex, mediaType: existing.mediaType, size: existing.size }, 200);
    store.putDocument({ sha256: hex, mediaType, size: bytes.length, uploadedBy: actorId, uploadedAt: new Date(clock.now()).toISOString() }, bytes);
    c.header('location', `/v1/documents/${hex}`);
    return c.json({ sha256: hex, mediaType, size: bytes.length }, 201);
  });

  app.get('/v1/documents/:sha256', (c) => {
    const hex = c.req.param('sha256');
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new LedgerError('invalid_request', 'documents are named by lowercase hex SHA-256');
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
