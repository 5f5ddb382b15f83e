// The benchmark in its quick form, so CI keeps it working (STYLE §8). It asserts that every
// figure was measured and that the table is well formed, never on absolute times: those depend
// on the machine and live in BENCHMARKS.md.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Figures every run must measure (ids of scripts/bench/run.ts); the peer's depend on hypercore. */
const REQUIRED = [
  'limit.verify.node1',
  'limit.verify.noble1',
  'limit.verify.node2',
  'limit.sqlite',
  'limit.http.post.node',
  'appends.cold',
  'appends.node',
  'appends.node.p99',
  'appends.node.checkpoint',
  'startup',
  'read.page',
  'read.page.p99',
  'read.json',
  'read.json.p99',
  'read.inclusion',
  'read.inclusion.p99',
  'read.receipt',
  'read.receipt.p99',
  'trace.up',
  'store.ratio',
  'qr.lotproof',
  'labels.http',
  'audit.rate',
  'audit.rss',
  'serve.rss',
];

interface Report {
  quick: boolean;
  machine: { cpu: string; cores: number; node: string; date: string };
  figures: { id: string; what: string; median: number | null; target?: string; met: boolean | null }[];
}

/** The Markdown table's rows, split into cells; throws unless every row has the header's width. */
function tableRows(markdown: string): string[][] {
  const lines = markdown.split('\n').filter((l) => l.startsWith('|'));
  const cells = (l: string) => l.slice(1, l.endsWith('|') ? -1 : undefined).split(' | ').map((c) => c.trim());
  const [header, rule, ...rows] = lines;
  expect(header, 'a table header').toBeDefined();
  expect(cells(header!).slice(0, 3)).toEqual(['figure', 'median', 'min–max']);
  expect(rule).toMatch(/^\|(---\|)+$/);
  const width = cells(header!).length;
  for (const r of rows) expect(cells(r).length, r).toBe(width);
  return rows.map(cells);
}

describe('npm run bench (quick)', () => {
  it('measures every figure and writes a well-formed table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lotproof-bench-smoke-'));
    try {
      const out = join(dir, 'BENCH.md');
      const json = join(dir, 'bench.json');
      const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../../scripts/bench/run.ts'), '--quick', '--n', '1500', '--out', out, '--json', json, '--dir', join(dir, 'data')], {
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, LOTPROOF_HYPERCORE_PATH: join(dir, 'no-such-module.js') },
      });
      expect(r.status, r.stderr.slice(-2000)).toBe(0);

      const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
      expect(report.quick).toBe(true);
      expect(report.machine.cores).toBeGreaterThan(0);
      expect(report.machine.node).toBe(process.version);
      const byId = new Map(report.figures.map((f) => [f.id, f]));
      for (const id of REQUIRED) {
        const f = byId.get(id);
        expect(f, id).toBeDefined();
        expect(Number.isFinite(f!.median), `${id} has a measured median`).toBe(true);
        if (f!.target) expect(typeof f!.met, `${id} is judged against its target`).toBe('boolean');
      }

      const markdown = readFileSync(out, 'utf8');
      expect(markdown).toContain('Command: `node --import tsx scripts/bench/run.ts --quick');
      expect(markdown).toContain(`Node ${process.version}`);
      const rows = tableRows(markdown);
      for (const id of REQUIRED) {
        const row = rows.find((c) => c[0] === byId.get(id)!.what);
        expect(row, id).toBeDefined();
        // A measured median: a number, not a dash.
        expect(row![1], id).toMatch(/^[0-9][0-9,.]*$/);
      }

      // The per-call microbenchmarks (scripts/bench/micro.ts) on the same small dataset.
      const micro = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../../scripts/bench/micro.ts'), '--dir', join(dir, 'data'), '--n', '1000', '--rounds', '1'], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(micro.status, micro.stderr.slice(-2000)).toBe(0);
      const calls = micro.stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| call'));
      expect(calls.length).toBeGreaterThanOrEqual(10);
      for (const l of calls) expect(l, l).toMatch(/^\| .+ \| [0-9]+\.[0-9]{2} \| [0-9]+\.[0-9]{2} \|$/);
      expect(micro.stdout).toContain('LogVerifier.push');
      expect(micro.stdout).toContain('the audit check pool per leaf');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
