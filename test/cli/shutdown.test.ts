// Graceful shutdown of `lotproof serve`: on SIGTERM it stops accepting, commits what is queued,
// signs a last checkpoint covering every entry, closes the database and exits 0.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/core/bytes.ts';
import { generateKeyPair } from '../../src/core/ed25519.ts';
import { signStatement } from '../../src/core/statement.ts';
import { formatTime } from '../../src/core/time.ts';
import { readKeyFile } from '../../src/cli/keyfile.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { batchBody } from '../support.ts';
import { LOTPROOF } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'lotproof-shutdown-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lotproof serve', () => {
  it('signs a last checkpoint covering every entry on SIGTERM and exits 0', async () => {
    // A long checkpoint interval: only the shutdown itself signs the last checkpoint.
    const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', LOTPROOF_DATA: dir, LOTPROOF_CHECKPOINT_INTERVAL_MS: '60000' };
    const child = spawn(process.execPath, [LOTPROOF, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no serving line: ${out}`)), 20_000);
      child.stdout.on('data', (d) => {
        out += String(d);
        const m = /on port (\d+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
    });
    const url = `http://127.0.0.1:${port}`;
    const operator = readKeyFile(join(dir, 'operator.key'));
    const farm = generateKeyPair();
    const sign = (key: typeof farm, actor: string, type: any, body: any) =>
      signStatement({ v: 1, type, actor, pub: toBase64(key.publicKey), time: formatTime(Date.now()), nonce: toBase64(randomBytes(16)), body }, key);
    const post = (sub: unknown) => fetch(`${url}/v1/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(sub) });
    expect((await post(sign(operator, 'operator', 'actor.register', { id: 'farm', role: 'producer', name: 'Farm', pub: toBase64(farm.publicKey) }))).status).toBe(201);
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => post(sign(farm, 'farm', 'batch.create', batchBody(`G${i}`)))));
    expect(answers.every((r) => r.status === 201)).toBe(true);
    const before = Number((await (await fetch(`${url}/log/checkpoint`)).text()).split('\n')[1]);
    expect(before).toBeLessThan(32);

    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGTERM');
    });
    expect(code).toBe(0);
    const store = openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents') });
    try {
      expect(store.head().size).toBe(32);
      expect(store.latestCheckpoint()!.size).toBe(32);
    } finally {
      store.close();
    }
  });
});
