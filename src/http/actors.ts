// GET /v1/actors/{id}: an actor's public record (role, name, active key or null once revoked,
// accreditation, revocation), as the log's entries establish it. Clients use it to check what
// they may sign, and with which key.
import { Hono } from 'hono';
import { z } from 'zod';
import { LedgerError } from '../core/errors.ts';
import { ACTOR_ID_RE } from '../ledger/bodies.ts';
import { readEntry } from '../ledger/views.ts';
import type { AppDeps } from './app.ts';
import { parseParams } from './schemas.ts';

export const actorParams = z.object({ id: z.string().regex(ACTOR_ID_RE, 'an actor id is 1–64 of a-z 0-9 . _ -').describe('the actor id') });

export function actorRoutes({ ledger }: AppDeps) {
  const app = new Hono();
  app.get('/v1/actors/:id', (c) => {
    const { id } = parseParams(actorParams, c.req.param());
    const a = ledger.store.actor(id);
    if (!a) throw new LedgerError('not_found', `actor ${id} is not registered`);
    const reg = a.role === 'operator' ? undefined : (readEntry(ledger.store, a.registeredSeq).statement.body as { accreditation?: unknown });
    return c.json({
      id: a.id,
      role: a.role,
      name: a.name,
      pub: a.pub,
      revoked: a.revokedSeq !== null,
      registeredSeq: a.registeredSeq,
      revokedSeq: a.revokedSeq,
      ...(reg?.accreditation ? { accreditation: reg.accreditation } : {}),
    });
  });
  return app;
}
