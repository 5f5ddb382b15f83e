// Load generator for appends: a producer, registered by the operator, posts N distinct signed
// batch.create submissions over C keep-alive connections to a running lotproof, each one
// acknowledged only when durable. Signing happens before the clock starts (node:crypto). With
// --wrk the posting is done by wrk (./wrk.ts) instead of this process's own lean HTTP client
// (./raw-http.ts).
// Prints one JSON line: throughput, latency percentiles, and per entry the time from its
// acknowledgement to the signing of a checkpoint that covers it (./checkpoints.ts).
// With --bare the target is scripts/bench/bare-server.ts: nothing is registered or checkpointed.
// Usage: node --import tsx scripts/bench/append-http.ts --url URL (--operator-key FILE | --bare) [--n 20000] [--c 64] [--wrk]
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { readKeyFile } from '../../src/cli/keyfile.ts';
import { checkpointsCovering, delaysToCheckpoint, loggedAtDelays, percentile } from './checkpoints.ts';
import { batchCreates, registration, signer } from './sign.ts';
import { RawConnection } from './raw-http.ts';
import { wrkAppend, type AppendResult } from './wrk.ts';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    'operator-key': { type: 'string' },
    n: { type: 'string', default: '20000' },
    c: { type: 'string', default: '64' },
    wrk: { type: 'boolean', default: false },
    bare: { type: 'boolean', default: false },
  },
});
const url = new URL(values.url ?? 'http://127.0.0.1:8080');
const base = url.origin;
const N = Number(values.n);
const C = Number(values.c);
const wallMs = () => performance.timeOrigin + performance.now();

const JSON_BODY = { 'content-type': 'application/json' };

/** The Node generator: C raw keep-alive connections (./raw-http.ts), one request in flight on each. */
async function nodeAppend(bodies: string[]): Promise<AppendResult> {
  const conns = Array.from({ length: C }, () => new RawConnection(url.hostname, Number(url.port || 80)));
  const lat: number[] = [];
  const acks: { seq: number; atMs: number }[] = [];
  let next = 0;
  let failed = 0;
  const start = performance.now();
  try {
    await Promise.all(
      conns.map(async (conn) => {
        while (next < bodies.length) {
          const body = bodies[next++]!;
          const s = performance.now();
          const r = await conn.request('POST', '/v1/entries', body, JSON_BODY);
          lat.push(performance.now() - s);
          if (r.status !== 201) failed++;
          else acks.push({ seq: (JSON.parse(r.text) as { seq: number }).seq, atMs: wallMs() });
        }
      }),
    );
  } finally {
    for (const c of conns) c.close();
  }
  const elapsed = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return { generator: 'node', entries: acks.length, failed, entriesPerSecond: Math.round(acks.length / elapsed), p50ms: percentile(lat, 50), p99ms: percentile(lat, 99), maxMs: lat.at(-1) ?? NaN, acks };
}

const operator = values.bare ? signer('operator') : signer('operator', readKeyFile(values['operator-key']!));
const [producer, reg] = registration(operator, `bench-${randomBytes(4).toString('hex')}`, 'producer');
const t0 = performance.now();
const bodies = batchCreates(producer, N).map((s) => JSON.stringify(s));
const signMs = performance.now() - t0;
// The producer is registered once its load is signed, just before the load is sent.
const r = await fetch(`${base}/v1/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(reg) });
const regText = await r.text();
if (r.status !== 201) throw new Error(`register: ${r.status} ${regText}`);
const fromSize = (JSON.parse(regText) as { seq: number }).seq;

/** The sequencer's group-commit histogram from /metrics: transactions and statements, and the WAL's fdatasyncs (count, seconds). */
async function groups(): Promise<{ commits: number; statements: number; syncs: number; syncSeconds: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const num = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { commits: num('lotproof_sequencer_group_size_count'), statements: num('lotproof_sequencer_group_size_sum'), syncs: num('lotproof_store_sync_seconds_count'), syncSeconds: num('lotproof_store_sync_seconds_sum') };
}
const before = values.bare ? undefined : await groups();
const run = values.wrk ? await wrkAppend(base, bodies, C) : await nodeAppend(bodies);
const after = values.bare ? undefined : await groups();
if (run.acks.length === 0) throw new Error(`no entry was acknowledged (${run.failed} failed)`);
const round = (x: number) => Math.round(x * 100) / 100;
const out = {
  generator: run.generator,
  n: N,
  connections: C,
  entries: run.entries,
  failed: run.failed,
  entriesPerSecond: run.entriesPerSecond,
  p50ms: round(run.p50ms),
  p99ms: round(run.p99ms),
  maxMs: round(run.maxMs),
  clientSignMs: Math.round(signMs),
};
if (values.bare) {
  console.log(JSON.stringify(out));
} else {
  const seqs = run.acks.map((a) => a.seq);
  const minSeq = Math.min(...seqs);
  const maxSeq = Math.max(...seqs);
  const cps = await checkpointsCovering(base, maxSeq, fromSize);
  const fromAck = delaysToCheckpoint(run.acks, cps);
  const fromLogged = await loggedAtDelays(base, minSeq, maxSeq + 1, cps);
  console.log(
    JSON.stringify({
      ...out,
      ackToCheckpoint: { p50ms: fromAck.p50ms, p99ms: fromAck.p99ms, maxMs: fromAck.maxMs, entries: fromAck.count },
      loggedAtToCheckpoint: { p50ms: fromLogged.p50ms, p99ms: fromLogged.p99ms, maxMs: fromLogged.maxMs },
      checkpoints: cps.filter((c) => c.size > minSeq).length,
      groupCommits: after!.commits - before!.commits,
      meanGroup: Math.round(((after!.statements - before!.statements) / (after!.commits - before!.commits)) * 10) / 10,
      syncs: after!.syncs - before!.syncs,
      meanSyncMs: Math.round(((after!.syncSeconds - before!.syncSeconds) / (after!.syncs - before!.syncs)) * 1e5) / 100,
    }),
  );
}
