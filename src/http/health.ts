// Liveness and readiness for orchestrators. Readiness fails when entries wait for a checkpoint
// longer than the bound, as Sunlight's health check does: a log that stopped signing is not
// fulfilling its promise even if it still answers.
import { Hono } from 'hono';
import type { AppDeps } from './app.ts';

export function healthRoutes({ ledger, clock }: AppDeps, checkpointBoundMs: number) {
  const app = new Hono();
  app.get('/healthz', (c) => c.text('ok\n'));
  app.get('/readyz', (c) => {
    const cp = ledger.latestCheckpoint();
    const size = ledger.integrator.size;
    const since = ledger.waitingSince();
    const waited = since === undefined ? 0 : clock.now() - since;
    if (waited > checkpointBoundMs) {
      return c.json({ ready: false, reason: `${size - (cp?.size ?? 0)} entries have waited ${Math.round(waited / 1000)} s for a checkpoint` }, 503);
    }
    return c.json({ ready: true, size, checkpoint: cp ? { size: cp.size, signedAt: cp.signedAt } : null });
  });
  return app;
}
