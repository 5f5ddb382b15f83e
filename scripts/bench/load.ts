// A keep-alive HTTP load generator for GETs in Node, for machines without wrk: C connections for
// D seconds, each request's path built by `path(i)`. It shares the server's cores and costs
// more of them than wrk, so its figures are lower bounds.
import { Agent, request } from 'node:http';
import { percentile } from './checkpoints.ts';
import type { ReadResult } from './wrk.ts';

export async function load(base: string, path: (i: number) => string, headers: Record<string, string>, connections: number, seconds: number): Promise<ReadResult> {
  const url = new URL(base);
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const lat: number[] = [];
  let errors = 0;
  let i = 0;
  const end = performance.now() + seconds * 1000;
  const one = () =>
    new Promise<void>((resolve) => {
      const t = performance.now();
      const req = request({ host: url.hostname, port: url.port, path: path(i++), agent, headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () => {
          lat.push(performance.now() - t);
          if ((res.statusCode ?? 0) >= 300) errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.end();
    });
  const start = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) await one();
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  lat.sort((a, b) => a - b);
  return { generator: 'node', requests: lat.length, perSecond: Math.round(lat.length / elapsed), p50ms: percentile(lat, 50), p99ms: percentile(lat, 99), maxMs: lat.at(-1) ?? NaN, errors };
}
