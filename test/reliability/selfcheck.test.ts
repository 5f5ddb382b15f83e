// Start-up refuses to serve, naming the index, when the log's own files disagree: an entry
// written since the last checkpoint edited or out of chain, a tree node that does not match its
// leaf, or a tree whose root is not the signed one. Nothing is repaired.
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/core/bytes.ts';
import { generateKeyPair } from '../../src/core/ed25519.ts';
import { signStatement } from '../../src/core/statement.ts';
import { formatTime } from '../../src/core/time.ts';
import { readKeyFile } from '../../src/cli/keyfile.ts';
import { configFromEnv, startService } from '../../src/main.ts';
import { treePosition } from '../../src/store/tree-position.ts';
import { batchBody } from '../support.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A log of 12 entries whose last checkpoint covers the first 7 (signing is then held back). */
async function logWithUncheckpointedTail(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-selfcheck-'));
  dirs.push(dir);
  const svc = await startService(configFromEnv({ LOTPROOF_DATA: dir, LOTPROOF_CHECKPOINT_INTERVAL_MS: '60000' }), { quiet: true });
  const operator = readKeyFile(svc.config.operatorKeyFile);
  const farm = generateKeyPair();
  const sign = (key: typeof farm, actor: string, type: any, body: any) =>
    signStatement({ v: 1, type, actor, pub: toBase64(key.publicKey), time: formatTime(Date.now()), nonce: toBase64(randomBytes(16)), body }, key);
  await svc.ledger.submit(sign(operator, 'operator', 'actor.register', { id: 'farm', role: 'producer', name: 'Farm', pub: toBase64(farm.publicKey) }));
  for (let i = 0; i < 5; i++) await svc.ledger.submit(sign(farm, 'farm', 'batch.create', batchBody(`A${i}`)));
  svc.ledger.close(); // signs a checkpoint of 7
  const cp = svc.store.latestCheckpoint()!.size;
  expect(cp).toBe(7);
  svc.store.close();
  // Five more entries, then a crash: no checkpoint covers them.
  const svc2 = await startService(configFromEnv({ LOTPROOF_DATA: dir, LOTPROOF_CHECKPOINT_INTERVAL_MS: '60000' }), { quiet: true });
  for (let i = 0; i < 5; i++) await svc2.ledger.submit(sign(farm, 'farm', 'batch.create', batchBody(`B${i}`)));
  svc2.store.close();
  return dir;
}

function tamper(dir: string, sql: string, ...params: unknown[]) {
  const db = new Database(join(dir, 'lotproof.db'));
  for (const t of ['entries_no_update', 'entries_no_delete', 'tree_nodes_no_update', 'tree_nodes_no_delete', 'entries_no_replace', 'tree_nodes_no_replace']) db.exec(`DROP TRIGGER IF EXISTS ${t}`);
  db.prepare(sql).run(...params);
  db.close();
}

const start = (dir: string) => startService(configFromEnv({ LOTPROOF_DATA: dir }), { quiet: true });

describe('the start-up self-check', () => {
  it('starts cleanly on an intact log with an uncheckpointed tail', async () => {
    const dir = await logWithUncheckpointedTail();
    const svc = await start(dir);
    expect(svc.ledger.size()).toBe(12);
    expect(svc.ledger.latestCheckpoint()!.size).toBe(12);
    await svc.close();
  });

  it('refuses an entry edited after the last checkpoint, naming it', async () => {
    const dir = await logWithUncheckpointedTail();
    // The lot only: 'B2' alone could also stand in a base64 prev, sig or pub, and change which check fails first.
    tamper(dir, `UPDATE entries SET leaf = CAST(replace(CAST(leaf AS TEXT), '"lot":"B2"', '"lot":"B9"') AS BLOB) WHERE seq = 9`);
    await expect(start(dir)).rejects.toThrow(/entry 9 has a stored hash that is not SHA-256 of its leaf/);
  });

  it('refuses an entry whose hash was rewritten to match, by the broken chain', async () => {
    const dir = await logWithUncheckpointedTail();
    const db = new Database(join(dir, 'lotproof.db'));
    const leaf = Buffer.from(String((db.prepare('SELECT leaf FROM entries WHERE seq = 9').get() as { leaf: Buffer }).leaf).replace('"lot":"B2"', '"lot":"B9"'));
    db.close();
    const { createHash } = await import('node:crypto');
    tamper(dir, 'UPDATE entries SET leaf = ?, hash = ? WHERE seq = 9', leaf, createHash('sha256').update(leaf).digest());
    await expect(start(dir)).rejects.toThrow(/entry 9 does not match its leaf in the Merkle tree|entry 10 has a prev/);
  });

  it('refuses a deleted entry, naming where the chain breaks', async () => {
    const dir = await logWithUncheckpointedTail();
    tamper(dir, 'DELETE FROM entries WHERE seq = 8');
    await expect(start(dir)).rejects.toThrow(/entry 8 is missing or out of place \(entry 9 stands there\)/);
  });

  it('refuses a log whose last entries vanished but their tree leaves remain', async () => {
    const dir = await logWithUncheckpointedTail();
    tamper(dir, 'DELETE FROM entries WHERE seq >= 10');
    await expect(start(dir)).rejects.toThrow(/tree has 12 leaves but the log ends at entry 9; entry 10 is missing/);
  });

  it('refuses a tree that no longer has the signed root', async () => {
    const dir = await logWithUncheckpointedTail();
    // The subtree over leaves 0-3, which the root of the signed size-7 tree is computed from.
    tamper(dir, `UPDATE tree_nodes SET hash = ? WHERE pos = ${treePosition(2, 0)}`, randomBytes(32));
    await expect(start(dir)).rejects.toThrow(/stored tree at size 7 has root .* not the signed/);
  });
});
