// /healthz always answers; /readyz fails once entries have waited longer than the bound for a
// checkpoint, as Sunlight's health check does, and recovers when one is signed.
import { afterEach, describe, expect, it } from 'vitest';
import { batchBody, makeHarness, type Harness } from '../support.ts';

let h: Harness;
afterEach(() => h.close());

describe('health and readiness', () => {
  it('is ready while checkpoints keep up, not ready when entries wait too long', async () => {
    h = makeHarness({ checkpointIntervalMs: 60_000 });
    expect((await h.app.request('/healthz')).status).toBe(200);
    expect((await h.app.request('/readyz')).status).toBe(200);
    const farm = await h.register('farm', 'producer');
    await h.append(farm, 'batch.create', batchBody('H1'));
    // Entries wait; within the bound the log is still ready.
    h.clock.advance(5_000);
    expect((await h.app.request('/readyz')).status).toBe(200);
    h.clock.advance(10_000);
    const res = await h.app.request('/readyz');
    expect(res.status).toBe(503);
    expect(((await res.json()) as any).reason).toMatch(/entries have waited/);
    expect((await h.app.request('/healthz')).status).toBe(200);
    // A checkpoint covering them makes it ready again.
    h.ledger.close();
    expect((await h.app.request('/readyz')).status).toBe(200);
    // After a long quiet spell, a new entry is not late the moment it arrives.
    h.clock.advance(3_600_000);
    await h.append(farm, 'batch.create', batchBody('H2'));
    expect((await h.app.request('/readyz')).status).toBe(200);
  });
});
