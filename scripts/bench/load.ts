// A keep-alive HTTP load generator for GETs in Node, for machines without wrk: C connections for
// D seconds, each request's path built by `path(i)`, over the lean client of ./raw-http.ts. It
// shares the server's cores and still costs more of them than wrk, so its figures are lower
// bounds.
import { percentile } from './checkpoints.ts';
import { RawConnection } from './raw-http.ts';
import type { ReadResult } from './wrk.ts';

export async function load(base: string, path: (i: number) => string, headers: Record<string, string>, connections: number, seconds: number): Promise<ReadResult> {
  const url = new URL(base);
  const open = () => new RawConnection(url.hostname, Number(url.port || 80));
  const lat: number[] = [];
  let errors = 0;
  let i = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      let conn = open();
      try {
        while (performance.now() < end) {
          const t = performance.now();
          try {
            const r = await conn.request('GET', path(i++), undefined, headers);
            lat.push(performance.now() - t);
            if (r.status >= 300) errors++;
          } catch {
            // A connection that failed is done for; the next request opens another.
            errors++;
            conn.close();
            conn = open();
          }
        }
      } finally {
        conn.close();
      }
    }),
  );
  const elapsed = (performance.now() - start) / 1000;
  lat.sort((a, b) => a - b);
  return { generator: 'node', requests: lat.length, perSecond: Math.round(lat.length / elapsed), p50ms: percentile(lat, 50), p99ms: percentile(lat, 99), maxMs: lat.at(-1) ?? NaN, errors };
}
