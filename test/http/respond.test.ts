// Request ids and the plain-header answers (src/http/respond.ts), through app.request() and
// through a real Node server, where the id goes straight to Node's response.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/core/bytes.ts';
import { generateKeyPair, type KeyPair } from '../../src/core/ed25519.ts';
import { signStatement } from '../../src/core/statement.ts';
import { formatTime } from '../../src/core/time.ts';
import { createApp } from '../../src/http/app.ts';
import { createLedger, type Ledger } from '../../src/ledger/ledger.ts';
import { openSqliteStore, type SqliteStore } from '../../src/store/sqlite.ts';
import { TestClock, batchBody } from '../support.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
let dir: string;
let store: SqliteStore;
let ledger: Ledger;
let app: ReturnType<typeof createApp>;
let server: ServerType;
let url: string;
const clock = new TestClock();
const operator = generateKeyPair();
const farm = generateKeyPair();
const lines: { reqId?: string; route?: string }[] = [];
const sign = (key: KeyPair, actor: string, type: string, body: unknown) =>
  signStatement({ v: 1, type, actor, pub: toBase64(key.publicKey), time: formatTime(clock.now()), nonce: toBase64(randomBytes(16)), body } as never, key);
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lotproof-respond-'));
  store = openSqliteStore({ file: join(dir, 'db'), documentsDir: join(dir, 'docs') });
  ledger = createLedger({ store, clock, origin: 'r.test/log', operatorKey: operator, logKey: generateKeyPair(), checkpointIntervalMs: 5 });
  const logger = { debug: (o: object) => lines.push(o), error: (o: object) => lines.push(o) };
  app = createApp({ ledger, clock, config: { publicUrl: 'https://r.test' }, logger });
  await ledger.submit(sign(operator, 'operator', 'actor.register', { id: 'farm', role: 'producer', name: 'Farm', pub: toBase64(farm.publicKey) }));
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  ledger.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['app.request()', (path: string, init?: RequestInit) => app.request(path, init)],
  ['a Node server', (path: string, init?: RequestInit) => fetch(`${url}${path}`, init)],
])('through %s', (_, request) => {
  it('answers an accepted entry with its JSON, location, content type and a request id the log line carries', async () => {
    lines.length = 0;
    const res = await request('/v1/entries', { method: 'POST', headers: json, body: JSON.stringify(sign(farm, 'farm', 'batch.create', batchBody(`R-${randomBytes(4).toString('hex')}`))) });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { seq: number; hash: string; loggedAt: string };
    expect(Object.keys(body)).toEqual(['seq', 'hash', 'loggedAt']);
    expect(res.headers.get('location')).toBe(`/v1/entries/${body.seq}`);
    expect(res.headers.get('content-type')).toBe('application/json');
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(UUID);
    expect(lines.find((l) => l.route === '/v1/entries')?.reqId).toBe(id);
  });

  it("keeps a caller's sane request id, and replaces one that is not", async () => {
    const mine = await request('/log/checkpoint', { headers: { 'x-request-id': 'trace-42=' } });
    expect(mine.headers.get('x-request-id')).toBe('trace-42=');
    for (const bad of ['has space', 'a'.repeat(256), 'semi;colon']) {
      const res = await request('/log/checkpoint', { headers: { 'x-request-id': bad } });
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    }
  });

  it('gives a refusal its request id too, once', async () => {
    const res = await request('/v1/entries', { method: 'POST', headers: json, body: '{' });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).toMatch(UUID);
  });
});
