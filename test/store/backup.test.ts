// Online backup under load and restore into an empty directory: the restored log is a
// consistent prefix of the live one and a service starts on it with the original keys.
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/core/bytes.ts';
import { rootAt } from '../../src/core/merkle.ts';
import { readKeyFile } from '../../src/cli/keyfile.ts';
import { configFromEnv, startService, type Service } from '../../src/main.ts';
import { backupStore, restoreStore } from '../../src/store/backup.ts';
import { runAudit } from '../../src/cli/audit.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';
import { signStatement } from '../../src/core/statement.ts';
import { generateKeyPair } from '../../src/core/ed25519.ts';
import { toBase64 } from '../../src/core/bytes.ts';
import { randomBytes } from 'node:crypto';
import { formatTime } from '../../src/core/time.ts';
import { batchBody } from '../support.ts';

const dirs: string[] = [];
const services: Service[] = [];
afterEach(async () => {
  for (const s of services.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'lotproof-backup-'));
  dirs.push(d);
  return d;
};

describe('backup and restore', () => {
  it('backs up while writes continue and restores a consistent prefix', async () => {
    const live = tmp();
    const svc = await startService(configFromEnv({ LOTPROOF_DATA: live, LOTPROOF_CHECKPOINT_INTERVAL_MS: '5' }), { quiet: true });
    services.push(svc);
    const operator = readKeyFile(svc.config.operatorKeyFile);
    const farmKey = generateKeyPair();
    const sign = (key: typeof farmKey, actor: string, type: any, body: any) =>
      signStatement({ v: 1, type, actor, pub: toBase64(key.publicKey), time: formatTime(Date.now()), nonce: toBase64(randomBytes(16)), body }, key);
    await svc.ledger.submit(sign(operator, 'operator', 'actor.register', { id: 'farm', role: 'producer', name: 'Farm', pub: toBase64(farmKey.publicKey) }));

    // Keep appending while the backup runs.
    let stop = false;
    let n = 0;
    const load = (async () => {
      while (!stop) {
        await Promise.all(Array.from({ length: 20 }, () => svc.ledger.submit(sign(farmKey, 'farm', 'batch.create', batchBody(`B${n++}`)))));
      }
    })();
    await new Promise((r) => setTimeout(r, 100));
    const out = join(tmp(), 'backup.db');
    const r = await backupStore(join(live, 'lotproof.db'), join(live, 'documents'), out);
    await new Promise((r) => setTimeout(r, 100));
    stop = true;
    await load;
    expect(r.entries).toBeGreaterThan(2);
    expect(svc.ledger.size()).toBeGreaterThan(r.entries);

    const restored = tmp();
    restoreStore(out, join(restored, 'lotproof.db'), join(restored, 'documents'));
    const rs = openSqliteStore({ file: join(restored, 'lotproof.db'), documentsDir: join(restored, 'documents') });
    try {
      const size = rs.head().size;
      expect(size).toBe(r.entries);
      for (const [a, b] of rs.leaves(0, size).map((l, i) => [l, svc.store.entry(i)!.leaf] as const)) expect(equalBytes(a, b)).toBe(true);
      // Every checkpoint in the backup is a prefix of the live tree.
      const cp = rs.latestCheckpoint()!;
      const read = (level: number, index: number) => svc.store.treeNode(level, index)!;
      expect(equalBytes(rootAt(cp.size, read), cp.root)).toBe(true);
    } finally {
      rs.close();
    }

    // A service starts on the restored directory with the original keys, and refuses without them.
    await expect(startService(configFromEnv({ LOTPROOF_DATA: restored }), { quiet: true })).rejects.toThrow(/missing/);
    for (const k of ['operator.key', 'log.key']) copyFileSync(join(live, k), join(restored, k));
    const again = await startService(configFromEnv({ LOTPROOF_DATA: restored, PORT: '0', HOST: '127.0.0.1' }), { quiet: true, listen: true });
    services.push(again);
    expect(again.ledger.size()).toBe(r.entries);

    // lotproof audit verifies the restored log from outside, pinned to the live log's key.
    const addr = again.server!.address();
    const port = typeof addr === 'object' && addr ? addr.port : 0;
    let report = '';
    const io = { stdout: { write: (c: string) => (report += c) }, stderr: { write: () => true, isTTY: false }, fetch: globalThis.fetch, now: Date.now };
    const code = await runAudit({ url: `http://127.0.0.1:${port}`, key: svc.ledger.logVerifierKey, json: true }, io as never);
    expect(code, report).toBe(0);
    expect(JSON.parse(report.trim().split('\n').at(-1)!)).toMatchObject({ ok: true, size: r.entries });
  });

  it('refuses to overwrite, to restore over data, or to restore what is not a backup', async () => {
    const d = tmp();
    const svc = await startService(configFromEnv({ LOTPROOF_DATA: d }), { quiet: true });
    services.push(svc);
    const out = join(d, 'b.db');
    await backupStore(join(d, 'lotproof.db'), join(d, 'documents'), out);
    await expect(backupStore(join(d, 'lotproof.db'), join(d, 'documents'), out)).rejects.toThrow(/exists/);
    expect(() => restoreStore(out, join(d, 'lotproof.db'), join(d, 'documents'))).toThrow(/empty data directory/);
    const e = tmp();
    expect(() => restoreStore(join(d, 'lotproof.db'), join(e, 'lotproof.db'), join(e, 'documents'))).toThrow(/not a lotproof backup/);
    expect(existsSync(join(e, 'lotproof.db'))).toBe(false);
  });
});
