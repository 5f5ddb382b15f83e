// /metrics is scraped after real appends and refusals; request logs carry no client data.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/app.ts';
import { Metrics } from '../../src/http/metrics.ts';
import { createLedger } from '../../src/ledger/ledger.ts';
import { generateKeyPair } from '../../src/core/ed25519.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toBase64 } from '../../src/core/bytes.ts';
import { signStatement } from '../../src/core/statement.ts';
import { formatTime } from '../../src/core/time.ts';
import { randomBytes } from 'node:crypto';
import { TestClock, batchBody, makeHarness } from '../support.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((f) => f()));

describe('metrics and logs', () => {
  it('exposes appends by outcome, group sizes, checkpoint delay, tree size and request latencies', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lotproof-metrics-'));
    const store = openSqliteStore({ file: join(dir, 'db'), documentsDir: join(dir, 'docs') });
    const metrics = new Metrics();
    const clock = new TestClock();
    const operator = generateKeyPair();
    const ledger = createLedger({ store, clock, origin: 'm.test/log', operatorKey: operator, logKey: generateKeyPair(), checkpointIntervalMs: 5, observer: metrics.ledgerObserver });
    const lines: any[] = [];
    const logger = { debug: (o: object) => lines.push(o), error: (o: object) => lines.push(o) };
    const app = createApp({ ledger, clock, config: { publicUrl: 'https://m.test' }, metrics, logger, clientId: () => '203.0.113.5' });
    cleanups.push(() => {
      ledger.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    });
    const sign = (key: typeof operator, actor: string, type: any, body: any) =>
      signStatement({ v: 1, type, actor, pub: toBase64(key.publicKey), time: formatTime(clock.now()), nonce: toBase64(randomBytes(16)), body }, key);
    const post = (sub: unknown) => app.request('/v1/entries', { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'SecretPhone/1.0' }, body: JSON.stringify(sub) });
    const farm = generateKeyPair();
    expect((await post(sign(operator, 'operator', 'actor.register', { id: 'farm', role: 'producer', name: 'Farm', pub: toBase64(farm.publicKey) }))).status).toBe(201);
    expect((await post(sign(farm, 'farm', 'batch.create', batchBody('M1')))).status).toBe(201);
    expect((await post(sign(farm, 'farm', 'batch.create', batchBody('M1')))).status).toBe(409);
    await ledger.waitForCheckpoint(ledger.size() - 1);
    const res = await app.request('/metrics');
    expect(res.status).toBe(200);
    const text = await res.text();
    // log.init, the registration and the batch.
    expect(text).toMatch(/lotproof_appends_total\{outcome="accepted"\} 3/);
    expect(text).toMatch(/lotproof_appends_total\{outcome="duplicate_batch"\} 1/);
    expect(text).toMatch(/lotproof_sequencer_group_size_count \d+/);
    // Each group commit's fdatasync is timed; the registration and the batch each waited for one.
    expect(Number(/lotproof_store_sync_seconds_count (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(/lotproof_store_sync_seconds_sum ([0-9.e-]+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/lotproof_checkpoint_delay_seconds_count [1-9]/);
    expect(text).toMatch(/lotproof_tree_size 3/);
    expect(text).toMatch(/lotproof_http_request_duration_seconds_count\{method="POST",route="\/v1\/entries",status="201"\} 2/);
    // Request logs have ids and routes, never the client's address or user agent.
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines[0].reqId).toBeTruthy();
    const dump = JSON.stringify(lines);
    expect(dump).not.toContain('203.0.113.5');
    expect(dump).not.toContain('SecretPhone');
  });
});

describe('a failing metrics observer', () => {
  it('cannot keep an entry from being acknowledged', async () => {
    const synced: number[] = [];
    const h = makeHarness({
      observer: {
        committed: () => {},
        checkpointed: () => {},
        synced: (s) => {
          synced.push(s);
          throw new Error('observer broke');
        },
      },
    });
    cleanups.push(() => h.close());
    const farm = await h.register('farm', 'producer');
    const res = await h.app.request('/v1/entries', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(h.sign(farm, 'batch.create', batchBody('OBS1'))) });
    expect(res.status).toBe(201);
    expect(synced.length).toBeGreaterThanOrEqual(2);
  });
});
