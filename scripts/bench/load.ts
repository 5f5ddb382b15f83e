// A small keep-alive HTTP load generator for GET requests: C connections for D seconds, each
// request built by `path(i)`; reports requests/s and latency percentiles.
import { Agent, request } from 'node:http';

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50ms: number;
  p99ms: number;
  errors: number;
}

export async function load(base: string, path: (i: number) => string, headers: Record<string, string>, connections: number, seconds: number): Promise<LoadResult> {
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
          if ((res.statusCode ?? 0) >= 400) errors++;
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
  const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))] ?? NaN;
  return { requests: lat.length, perSecond: Math.round(lat.length / elapsed), p50ms: +pct(50).toFixed(2), p99ms: +pct(99).toFixed(2), errors };
}
