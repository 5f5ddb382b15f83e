// Crash loop (issue 6): run the real service on a real data directory under a sustained signed
// append load, SIGKILL it at random moments, restart it on the same files, and check after each
// restart that every acknowledged entry is there unchanged, that the chain and the tree
// re-verify, that every checkpoint seen before the kill is a prefix of the log after it, and how
// long the restart took to serve. Exit 0 only when every check held.
// Usage: node --import tsx scripts/crash-loop.ts [--kills 20] [--connections 32] [--short] [--json]
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { equalBytes, toBase64 } from '../src/core/bytes.ts';
import { parseCheckpointBody } from '../src/core/checkpoint.ts';
import { generateKeyPair, type KeyPair } from '../src/core/ed25519.ts';
import { entryHash } from '../src/core/entry.ts';
import { Frontier, hashLeaf } from '../src/core/merkle.ts';
import type { StatementType } from '../src/core/statement.ts';
import { signSubmission } from '../src/cli/client.ts';
import { readKeyFile } from '../src/cli/keyfile.ts';
import { freePort } from './free-port.ts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string' },
    connections: { type: 'string', default: '32' },
    short: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const KILLS = Number(values.kills ?? (values.short ? 3 : 20));
const CONNECTIONS = Number(values.connections);
if (!Number.isInteger(KILLS) || KILLS < 1 || !Number.isInteger(CONNECTIONS) || CONNECTIONS < 1) {
  console.error('crash-loop: --kills and --connections must be positive integers');
  process.exit(2);
}
const BIN = resolve(import.meta.dirname, 'lotproof.mjs');
const dir = mkdtempSync(join(tmpdir(), 'lotproof-crash-'));


class Violation extends Error {}
const fail = (msg: string): never => {
  throw new Violation(msg);
};

async function startService(port: number): Promise<{ child: ChildProcess; readyMs: number }> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOTPROOF_DATA: dir,
      LOTPROOF_LOG_LEVEL: 'warn',
      LOTPROOF_CHECKPOINT_INTERVAL_MS: '50',
      LOTPROOF_RATE_READ: '0',
      LOTPROOF_RATE_WRITE: '0',
      LOTPROOF_RATE_ACTOR_WRITE: '0',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += String(d)));
  const deadline = t0 + 30_000;
  for (;;) {
    if (child.exitCode !== null) fail(`the service exited with ${child.exitCode} at start: ${stderr.trim()}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/log/checkpoint`);
      if (r.ok) return { child, readyMs: performance.now() - t0 };
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) fail(`the service did not serve within 30 s: ${stderr.trim()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function sign(key: KeyPair, actor: string, type: StatementType, body: Record<string, unknown>): string {
  return JSON.stringify(signSubmission(actor, key, type, body, Date.now()));
}

/** Every leaf of the log, through /log/entries. */
async function allLeaves(base: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (;;) {
    const r = await fetch(`${base}/log/entries?start=${out.length}&limit=1000`);
    if (!r.ok) fail(`/log/entries answered ${r.status}`);
    const text = await r.text();
    const lines = text.split('\n').filter((l) => l !== '');
    for (const l of lines) out.push(new TextEncoder().encode(l));
    if (lines.length < 1000) return out;
  }
}

interface Seen {
  size: number;
  root: string;
}

async function main() {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let { child, readyMs } = await startService(port);
  const readyTimes: number[] = [];
  const operator = readKeyFile(join(dir, 'operator.key'));
  const farm = generateKeyPair();
  const reg = await fetch(`${base}/v1/entries`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: sign(operator, 'operator', 'actor.register', { id: 'crash-farm', role: 'producer', name: 'Crash farm', pub: toBase64(farm.publicKey) }),
  });
  if (reg.status !== 201) fail(`registration refused: ${reg.status} ${await reg.text()}`);
  const acked = new Map<number, string>();
  const seen: Seen[] = [];
  let lot = 0;
  let attempted = 0;

  for (let round = 1; round <= KILLS; round++) {
    // Drive load and watch checkpoints until a random moment, then SIGKILL.
    let running = true;
    const loops = Array.from({ length: CONNECTIONS }, async () => {
      while (running) {
        const body = sign(farm, 'crash-farm', 'batch.create', {
          gtin: '09506000134352',
          lot: `C${lot++}`,
          product: { name: 'Crash-test rice', category: 'grain' },
          producedOn: '2026-11-01',
          quantity: { amount: 10, uom: 'KGM' },
          origin: { country: 'CN' },
        });
        attempted++;
        try {
          const r = await fetch(`${base}/v1/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          if (r.status === 201) {
            const a = (await r.json()) as { seq: number; hash: string };
            acked.set(a.seq, a.hash);
          } else await r.body?.cancel();
        } catch {
          // the kill: the answer never came, so nothing was acknowledged
        }
      }
    });
    const watcher = (async () => {
      while (running) {
        try {
          const note = await (await fetch(`${base}/log/checkpoint`)).text();
          const cp = parseCheckpointBody(note.slice(0, note.indexOf('\n\n') + 1));
          seen.push({ size: cp.size, root: toBase64(cp.root) });
        } catch {
          // killed
        }
        await new Promise((r) => setTimeout(r, 30));
      }
    })();
    await new Promise((r) => setTimeout(r, 150 + Math.random() * 700));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    running = false;
    await Promise.all([...loops, watcher]);

    ({ child, readyMs } = await startService(port));
    readyTimes.push(readyMs);

    // Every acknowledged entry is present, unchanged; the chain and the tree re-verify.
    const leaves = await allLeaves(base);
    let prev: Uint8Array = new Uint8Array(32);
    const frontier = new Frontier();
    const roots = new Map<number, Uint8Array>();
    const wanted = new Set(seen.map((s) => s.size));
    leaves.forEach((leaf, seq) => {
      const e = JSON.parse(new TextDecoder().decode(leaf)) as { seq: number; prev: string };
      if (e.seq !== seq) fail(`round ${round}: entry ${seq} names seq ${e.seq}`);
      if (e.prev !== toBase64(prev)) fail(`round ${round}: entry ${seq}: prev does not match entry ${seq - 1}'s hash`);
      prev = entryHash(leaf);
      frontier.append(hashLeaf(leaf));
      if (wanted.has(frontier.size)) roots.set(frontier.size, frontier.root());
    });
    for (const [seq, hash] of acked) {
      if (seq >= leaves.length) fail(`round ${round}: acknowledged entry ${seq} is missing after the restart (log has ${leaves.length})`);
      if (toBase64(entryHash(leaves[seq]!)) !== hash) fail(`round ${round}: acknowledged entry ${seq} changed`);
    }
    const note = await (await fetch(`${base}/log/checkpoint`)).text();
    const cp = parseCheckpointBody(note.slice(0, note.indexOf('\n\n') + 1));
    if (cp.size !== leaves.length && cp.size > leaves.length) fail(`round ${round}: the checkpoint names ${cp.size} leaves, the log has ${leaves.length}`);
    const atCp = roots.get(cp.size) ?? (cp.size === frontier.size ? frontier.root() : undefined);
    if (atCp && !equalBytes(atCp, cp.root)) fail(`round ${round}: the served checkpoint's root is not the root of the log's first ${cp.size} entries`);
    // Every checkpoint seen before the kill is a prefix of the log after it.
    for (const s of seen) {
      const r = roots.get(s.size);
      if (!r) fail(`round ${round}: a checkpoint of size ${s.size} was seen but the log has only ${leaves.length} entries`);
      if (toBase64(r!) !== s.root) fail(`round ${round}: the checkpoint of size ${s.size} seen before the kill is not a prefix of the log`);
    }
    if (!values.json) {
      console.log(`round ${round}/${KILLS}: ${leaves.length} entries, ${acked.size} acknowledged all present, ${new Set(seen.map((s) => s.size)).size} checkpoints consistent, serving ${Math.round(readyMs)} ms after restart`);
    }
    // Keep the seen list bounded: the newest checkpoint per size is enough.
    seen.splice(0, Math.max(0, seen.length - 200));
  }
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const summary = {
    ok: true,
    kills: KILLS,
    connections: CONNECTIONS,
    attempted,
    acknowledged: acked.size,
    maxRestartToServingMs: Math.round(Math.max(...readyTimes)),
    medianRestartToServingMs: Math.round(readyTimes.sort((a, b) => a - b)[Math.floor(readyTimes.length / 2)]!),
  };
  console.log(values.json ? JSON.stringify(summary) : `OK: ${JSON.stringify(summary)}`);
}

main()
  .then(() => {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  })
  .catch((e) => {
    console.error(`crash-loop FAILED: ${e instanceof Error ? e.message : String(e)} (data kept in ${dir})`);
    process.exit(1);
  });
