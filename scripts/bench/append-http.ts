// Load generator for appends: a producer, registered by the operator, posts N distinct signed
// batch.create submissions over C keep-alive connections to a running lotproof, each one
// acknowledged only when durable. Signing happens before the clock starts (node:crypto). With
// --wrk the posting is done by wrk (./wrk.ts) instead of this process's own HTTP client.
// Prints one JSON line: throughput, latency percentiles, and per entry the time from its
// acknowledgement to the signing of a checkpoint that covers it (./checkpoints.ts).
// With --bare the target is scripts/bench/bare-server.ts: nothing is registered or checkpointed.
// Usage: node --import tsx scripts/bench/append-http.ts --url URL (--operator-key FILE | --bare) [--n 20000] [--c 64] [--wrk]
import { Agent, request } from 'node:http';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { readKeyFile } from '../../src/cli/keyfile.ts';
import { checkpointsCovering, delaysToCheckpoint, loggedAtDelays, percentile } from './checkpoints.ts';
import { batchCreates, registration, signer } from './sign.ts';
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
const agent = new Agent({ keepAlive: true, maxSockets: C });

function post(body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: '/v1/entries', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const wallMs = () => performance.timeOrigin + performance.now();

async function nodeAppend(bodies: string[]): Promise<AppendResult> {
  const lat: number[] = [];
  const acks: { seq: number; atMs: number }[] = [];
  let next = 0;
  let failed = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const s = performance.now();
        const r = await post(body);
        const e = performance.now();
        lat.push(e - s);
        if (r.status !== 201) failed++;
        else acks.push({ seq: (JSON.parse(r.text) as { seq: number }).seq, atMs: wallMs() });
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return { generator: 'node', entries: acks.length, failed, entriesPerSecond: Math.round(acks.length / elapsed), p50ms: percentile(lat, 50), p99ms: percentile(lat, 99), maxMs: lat.at(-1) ?? NaN, acks };
}

const operator = values.bare ? signer('operator') : signer('operator', readKeyFile(values['operator-key']!));
const [producer, reg] = registration(operator, `bench-${randomBytes(4).toString('hex')}`, 'producer');
const t0 = performance.now();
const bodies = batchCreates(producer, N).map((s) => JSON.stringify(s));
const signMs = performance.now() - t0;
// Registered only now: a keep-alive socket left idle while signing would be closed by the server.
const r = await post(JSON.stringify(reg));
if (r.status !== 201) throw new Error(`register: ${r.status} ${r.text}`);
const fromSize = (JSON.parse(r.text) as { seq: number }).seq;

/** The sequencer's group-commit histogram from /metrics: transactions (one fsync each) and statements. */
async function groups(): Promise<{ commits: number; statements: number }> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const num = (name: string) => Number(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { commits: num('lotproof_sequencer_group_size_count'), statements: num('lotproof_sequencer_group_size_sum') };
}
const before = values.bare ? undefined : await groups();
const run = values.wrk ? await wrkAppend(base, bodies, C) : await nodeAppend(bodies);
const after = values.bare ? undefined : await groups();
agent.destroy();
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
    }),
  );
}
