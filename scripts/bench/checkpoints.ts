// Time from acknowledgement to inclusion in a signed checkpoint, per entry: each entry's ack time
// (when its 201 reached the load generator) against the signing time of the first checkpoint
// whose tree covers it, from the log's own list of checkpoints (/log/checkpoints, signedAt).
// Both clocks are this machine's wall clock. A checkpoint signed before the 201 arrived counts 0.

export interface SignedCheckpoint {
  size: number;
  signedAtMs: number;
}

/** Waits until the latest checkpoint covers `seq`, then reads every checkpoint of size > fromSize. */
export async function checkpointsCovering(base: string, seq: number, fromSize: number, timeoutMs = 10_000): Promise<SignedCheckpoint[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const size = Number((await (await fetch(`${base}/log/checkpoint`)).text()).split('\n')[1]);
    if (size > seq) break;
    if (performance.now() > deadline) throw new Error(`no checkpoint covered entry ${seq} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const out: SignedCheckpoint[] = [];
  let start = fromSize + 1;
  for (;;) {
    const text = await (await fetch(`${base}/log/checkpoints?start=${start}&limit=1000`)).text();
    const lines = text.split('\n').filter((l) => l !== '');
    if (lines.length === 0) return out;
    for (const l of lines) {
      const cp = JSON.parse(l) as { size: number; signedAt: string };
      out.push({ size: cp.size, signedAtMs: Date.parse(cp.signedAt) });
      start = cp.size + 1;
    }
  }
}

export interface Delays {
  count: number;
  p50ms: number;
  p99ms: number;
  maxMs: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Per-entry delay from `at` (ms) to the signing of the first checkpoint covering `seq`. */
export function delaysToCheckpoint(items: { seq: number; atMs: number }[], cps: SignedCheckpoint[]): Delays {
  const sorted = [...cps].sort((a, b) => a.size - b.size);
  const delays: number[] = [];
  for (const { seq, atMs } of items) {
    // First checkpoint with size > seq (binary search).
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.size > seq) hi = mid;
      else lo = mid + 1;
    }
    const cp = sorted[lo];
    if (!cp) throw new Error(`no checkpoint covers entry ${seq}`);
    delays.push(Math.max(0, cp.signedAtMs - atMs));
  }
  delays.sort((a, b) => a - b);
  return { count: delays.length, p50ms: percentile(delays, 50), p99ms: percentile(delays, 99), maxMs: delays.at(-1) ?? NaN };
}

/**
 * The log's own view, for entries [from, to): from each entry's loggedAt (set when its group
 * started to commit, so before the 201) to its covering checkpoint. An upper bound on the delay
 * from acknowledgement, needing nothing from the load generator.
 */
export async function loggedAtDelays(base: string, from: number, to: number, cps: SignedCheckpoint[]): Promise<Delays> {
  const items: { seq: number; atMs: number }[] = [];
  for (let start = from; start < to; start += 1000) {
    const text = await (await fetch(`${base}/log/entries?start=${start}&limit=${Math.min(1000, to - start)}`)).text();
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const e = JSON.parse(line) as { seq: number; loggedAt: string };
      items.push({ seq: e.seq, atMs: Date.parse(e.loggedAt) });
    }
  }
  return delaysToCheckpoint(items, cps);
}
