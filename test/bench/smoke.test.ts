// The benchmark in its quick form, so CI keeps it working. It asserts that every figure was
// measured and the table written, never on absolute times (those live in BENCHMARKS.md).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run bench (quick)', () => {
  it('measures every figure and writes the table', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lotproof-bench-smoke-'));
    try {
      const out = join(dir, 'BENCH.md');
      const r = spawnSync(process.execPath, ['--import', 'tsx', resolve(import.meta.dirname, '../../scripts/bench/run.ts'), '--quick', '--n', '1500', '--out', out, '--dir', join(dir, 'data')], {
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, LOTPROOF_HYPERCORE_PATH: join(dir, 'no-such-module.js') },
      });
      expect(r.status, r.stderr.slice(-2000)).toBe(0);
      const table = readFileSync(out, 'utf8');
      for (const figure of [
        'limit: Ed25519 verify, node:crypto, 1 core',
        'appends over HTTP',
        'append latency p99',
        'start-up to serving',
        'verification page (HTML)',
        'batch JSON view',
        'inclusion proof',
        'receipt',
        'genealogy trace, 100 upstream hops',
        'store size / total leaf bytes',
        'QR SVG generation',
        '1,000-label sheet',
        'lotproof audit',
      ]) {
        const row = table.split('\n').find((l) => l.startsWith(`| ${figure}`));
        expect(row, figure).toBeDefined();
        // A measured median: a number, not a dash.
        expect(row!.split('|')[2]!.trim(), figure).toMatch(/^[0-9][0-9,.]*$/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
