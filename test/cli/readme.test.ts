// The README's walkthrough, run as pasted: its shell block, with bash, in a fresh directory whose
// ./data is a freshly started service's. Only `npx lotproof` (a shell function calling
// scripts/lotproof.mjs, so no package manager is involved) and the service's port differ.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOTPROOF, REPO, spawnRun, startBench, type CliBench } from './harness.ts';

const GTIN = '09506000134352';

/** The ```sh block that follows the walkthrough marker. */
function walkthrough(readme: string): string {
  const at = readme.indexOf('<!-- walkthrough:');
  if (at < 0) throw new Error('README.md has no walkthrough marker');
  const m = /```sh\n([^]*?)\n```/.exec(readme.slice(at));
  if (!m) throw new Error('no ```sh block after the walkthrough marker');
  return m[1]!;
}

let b: CliBench;
beforeAll(async () => {
  b = await startBench();
});
afterAll(() => b.close());

describe('README.md', () => {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');

  it('opens with the two commands for a fresh machine', () => {
    const blocks = [...readme.matchAll(/```sh\n([^]*?)\n```/g)].map((m) => m[1]);
    expect(blocks.slice(0, 2)).toEqual(['npm ci && npm start', 'npm ci && npm test']);
  });

  it('keeps the sections other engineers fill in', () => {
    expect(readme).toMatch(/^## Transparency and auditing$/m);
    expect(readme).toMatch(/^## Shoppers' page$/m);
  });

  it("the producer walkthrough works when pasted into a shell against a fresh service", async () => {
    const script = walkthrough(readme);
    expect(script).toContain('npx lotproof keygen --out farm.key');
    expect(script).toContain('http://localhost:8080/01/09506000134352/10/W2026-09');
    const shim = `npx() { if [ "$1" = lotproof ]; then shift; node ${JSON.stringify(LOTPROOF)} "$@"; else command npx "$@"; fi; }\n`;
    const r = await spawnRun('bash', ['-euo', 'pipefail', '-c', shim + script.replaceAll('http://localhost:8080', b.url)], {
      cwd: b.dir,
      env: { ...process.env, LOTPROOF_URL: b.url, LOTPROOF_DATA: '', LOTPROOF_OPERATOR_KEY_FILE: '' },
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Two registrations, the batch, the report, the shipment and its receipt: six accepted entries.
    expect(r.stdout.match(/^seq \d+ hash \S+$/gm)).toHaveLength(6);
    expect(r.stdout).toContain(`"batch":`);
    expect(r.stdout).toContain('accepted 2 of 2 lines; report in harvest-report.jsonl');
    expect(r.stdout).toMatch(/^\{"line":3,"seq":\d+,"hash":"\S+"\}$/m);
    expect(r.stdout).toContain(`${b.service.config.origin}\n`);

    const store = b.service.store;
    const wheat = store.batchByKey(GTIN, 'W2026-09')!;
    expect(wheat.producer).toBe('lixin-farm');
    expect(store.holding(wheat.id, 'coldchain')).toBe(600e6);
    expect(store.holding(wheat.id, 'lixin-farm')).toBe(400e6);
    expect(store.batchByKey(GTIN, 'W2026-11')).toBeTruthy();
  });

  it('npx lotproof --help works in the checkout', async () => {
    const r = await spawnRun('npx', ['--no-install', 'lotproof', '--help'], { cwd: REPO });
    expect(r.code).toBe(0);
    for (const c of ['keygen', 'actor register', 'batch create', 'ship', 'receive', 'import']) expect(r.stdout).toContain(`  ${c} `);
  });
});
