// Load through wrk (a C load generator, the Debian package `wrk`), which costs the server's
// cores far less than a Node generator would on the same machine. Scripts in ./lua. Falls back
// to nothing: callers check hasWrk() and use ./load.ts or ./append-http.ts instead.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const LUA = resolve(import.meta.dirname, 'lua');

export interface ReadResult {
  generator: 'wrk' | 'node';
  requests: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
  /** Answers other than 2xx, and socket errors. */
  errors: number;
}

export interface AppendResult {
  generator: 'wrk' | 'node';
  entries: number;
  failed: number;
  entriesPerSecond: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
  /** When each acknowledged entry's 201 arrived (wall clock, ms). */
  acks: { seq: number; atMs: number }[];
}

let available: boolean | undefined;
export function hasWrk(): boolean {
  available ??= spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
  return available;
}

function result(stdout: string): Record<string, number> {
  const line = stdout.split('\n').find((l) => l.startsWith('LOTPROOF-RESULT '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout.slice(-2000)}`);
  return JSON.parse(line.slice('LOTPROOF-RESULT '.length)) as Record<string, number>;
}

/**
 * GETs for `seconds` on `connections` keep-alive connections, from one wrk thread by default.
 * One thread drives the bare GET handler to its own limit (29,347-30,613/s, the same as two
 * threads, in four interleaved rounds each), which is twice any read figure. A second thread
 * only competes with the single-threaded server for the two cores, and a wrk thread waiting for
 * a core counts the wait in its latencies: in six interleaved rounds on inclusion proofs, two
 * threads gave the same rate (8,162-9,398/s against 8,400-9,189/s) with p99 20-72 ms against
 * 16-50 ms, and a maximum of 221-386 ms in every round against 35-41 ms in four of six.
 */
export function wrkRead(base: string, mode: 'path' | 'inclusion' | 'receipt', arg: string, accept: string, connections: number, seconds: number, threads = 1): ReadResult {
  const r = spawnSync('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(LUA, 'read.lua'), base, '--', mode, arg, accept], {
    encoding: 'utf8',
    timeout: (seconds + 30) * 1000,
  });
  if (r.status !== 0) throw new Error(`wrk failed (${r.status}): ${r.stderr}${r.stdout}`);
  const x = result(r.stdout);
  return {
    generator: 'wrk',
    requests: x.requests!,
    perSecond: Math.round(x.requests! / (x.durationUs! / 1e6)),
    p50ms: x.p50us! / 1000,
    p99ms: x.p99us! / 1000,
    maxMs: x.maxus! / 1000,
    errors: x.non2xx! + x.socketErrors!,
  };
}

/**
 * POSTs each body once, on `connections` keep-alive connections, and resolves when every answer
 * is in. Throughput counts from the first request sent to the last answer received.
 */
export async function wrkAppend(base: string, bodies: string[], connections: number, threads = 2, timeoutMs = 600_000): Promise<AppendResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-bench-wrk-'));
  try {
    const file = join(dir, 'bodies.ndjson');
    writeFileSync(file, `${bodies.join('\n')}\n`);
    const acksPrefix = join(dir, 'acks-');
    const child = spawn('wrk', [`-t${threads}`, `-c${connections}`, `-d${Math.ceil(timeoutMs / 1000)}s`, '--timeout', '30s', '-s', join(LUA, 'append.lua'), base, '--', file, acksPrefix, String(threads)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let finished = 0;
    child.stderr.on('data', (d) => (err += String(d)));
    child.stdout.on('data', (d) => {
      out += String(d);
      const now = out.split('\n').filter((l) => l === 'LOTPROOF-THREAD-DONE').length;
      if (now > finished) {
        finished = now;
        if (finished === threads) child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    if (finished !== threads) throw new Error(`wrk ended (${code}) before every answer came back:\n${err}${out.slice(-2000)}`);
    const x = result(out);
    const acks: { seq: number; atMs: number }[] = [];
    for (const f of readdirSync(dir).filter((f) => f.startsWith('acks-'))) {
      for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
        const [seq, at] = line.split(' ');
        if (seq && at) acks.push({ seq: Number(seq), atMs: Number(at) });
      }
    }
    const seconds = (x.lastAnsweredMs! - x.firstSentMs!) / 1000;
    return {
      generator: 'wrk',
      entries: x.answered! - x.failed!,
      failed: x.failed! + x.socketErrors!,
      entriesPerSecond: Math.round((x.answered! - x.failed!) / seconds),
      p50ms: x.p50us! / 1000,
      p99ms: x.p99us! / 1000,
      maxMs: x.maxus! / 1000,
      acks,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
