// Requests that are not statements but must come from a registered actor (document and serial
// uploads) carry `Authorization: Lotproof-Ed25519 actor="…", time="…", sig="…"`, where sig is
// the actor's active key's signature of uploadMessage(actor, hex SHA-256 of the body, time).
import { fromBase64 } from '../core/bytes.ts';
import { verify } from '../core/ed25519.ts';
import { LedgerError } from '../core/errors.ts';
import { parseTime } from '../core/time.ts';
import { uploadMessage } from '../core/upload.ts';
import type { ActorRow, Store } from '../ledger/store.ts';

const AUTH_RE = /^Lotproof-Ed25519 actor="([a-z0-9][a-z0-9._-]{0,63})", *time="([^"]{1,40})", *sig="([A-Za-z0-9+/=]{1,100})"$/;

/** Checks the header against the body's SHA-256; returns the actor or throws a LedgerError. */
export function authenticateActor(header: string | undefined, bodySha256Hex: string, store: Store, nowMs: number, skewMs: number): ActorRow {
  const m = AUTH_RE.exec(header ?? '');
  if (!m) throw new LedgerError('unauthorized', 'send Authorization: Lotproof-Ed25519 actor="…", time="…", sig="…"');
  const [, actorId, time, sigB64] = m as unknown as [string, string, string, string];
  const t = parseTime(time);
  if (t === undefined || Math.abs(t - nowMs) > skewMs) throw new LedgerError('time_skew', "the request's time is outside the log's window");
  const actor = store.actor(actorId);
  if (!actor || actor.role === 'operator') throw new LedgerError('unknown_actor', `actor ${actorId} is not registered`);
  if (actor.revokedSeq !== null || !actor.pub) throw new LedgerError('actor_revoked', `actor ${actorId} was revoked`);
  const sig = fromBase64(sigB64);
  if (!sig || !verify(sig, uploadMessage(actorId, bodySha256Hex, time), fromBase64(actor.pub)!)) {
    throw new LedgerError('bad_signature', `sig is not ${actorId}'s signature of this request`);
  }
  return actor;
}
