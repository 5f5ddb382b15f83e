// The crash loop in its short form (3 SIGKILLs under load), so CI keeps it working and holding;
// `npm run test:crash` runs the long form (20 kills).
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('crash loop (short)', () => {
  it('loses no acknowledged entry and keeps every seen checkpoint a prefix across SIGKILLs', () => {
    const script = resolve(import.meta.dirname, '../../scripts/crash-loop.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', script, '--short', '--json'], { encoding: 'utf8', timeout: 180_000 });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary).toMatchObject({ ok: true, kills: 3 });
    expect(summary.acknowledged).toBeGreaterThan(0);
  }, 200_000);
});
