// Start-up (src/main.ts): the check pool's worker script is bundled while the keys, store and
// ledger open. Whichever side fails, the other is closed, the service rejects with the failure,
// and the data directory starts cleanly afterwards with nothing lost. The pool module is the
// real one, wrapped so that a test can make it fail and can see it closed.
import { copyFileSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CheckPool } from '../../src/ledger/check-pool.ts';

const pools = vi.hoisted(() => ({ fail: undefined as Error | undefined, started: 0, closed: 0 }));

vi.mock('../../src/ledger/check-pool.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/ledger/check-pool.ts')>();
  return {
    ...real,
    async createCheckPool(size: number, maxBatch?: number): Promise<CheckPool> {
      pools.started++;
      const pool = await real.createCheckPool(size, maxBatch);
      if (pools.fail) {
        await pool.close();
        throw pools.fail;
      }
      return {
        check: (body, nowMs, skewMs) => pool.check(body, nowMs, skewMs),
        verify: (job) => pool.verify(job),
        close: () => {
          pools.closed++;
          return pool.close();
        },
      };
    },
  };
});

const { configFromEnv, startService } = await import('../../src/main.ts');

const dirs: string[] = [];
afterEach(() => {
  pools.fail = undefined;
  pools.started = pools.closed = 0;
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'lotproof-startup-'));
  dirs.push(d);
  return d;
};
const config = (d: string) => configFromEnv({ LOTPROOF_DATA: d, LOTPROOF_VERIFY_WORKERS: '1' });

/** This process's open descriptors on files of data directory `d` (Linux /proc). */
function openFilesIn(d: string): string[] {
  const links = readdirSync('/proc/self/fd').map((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return '';
    }
  });
  return links.filter((l) => l.startsWith(`${d}/`));
}

describe('start-up with a check pool', () => {
  it('checks submissions on the pool it bundled meanwhile, and closes it with the service', async () => {
    const d = fresh();
    const svc = await startService(config(d), { quiet: true });
    expect(pools.started).toBe(1);
    // A malformed submission is refused by the pool's checks, with the same problem as ever.
    const res = await svc.app.request('/v1/entries', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"statement":' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('invalid_json');
    await svc.close();
    expect(pools.closed).toBe(1);
  });

  it('closes the pool when the ledger cannot open, and rejects with the ledger\'s reason', async () => {
    const d = fresh();
    const e = fresh();
    await (await startService(config(d), { quiet: true })).close();
    await (await startService(config(e), { quiet: true })).close();
    pools.started = pools.closed = 0;
    copyFileSync(join(e, 'log.key'), join(d, 'log.key'));
    await expect(startService(config(d), { quiet: true })).rejects.toThrow(/log key file does not hold the key named in log.init/);
    expect(pools.started).toBe(1);
    expect(pools.closed).toBe(1);
    expect(openFilesIn(d)).toEqual([]);
  });

  it('closes the ledger and the store when the pool cannot start, and the log starts again unchanged', async () => {
    const d = fresh();
    const first = await startService(config(d), { quiet: true });
    const size = first.ledger.size();
    const checkpoint = first.ledger.latestCheckpoint()!.note;
    await first.close();
    expect(openFilesIn(d)).toEqual([]);
    pools.fail = new Error('the worker script could not be built');
    await expect(startService(config(d), { quiet: true })).rejects.toThrow('the worker script could not be built');
    // The store opened meanwhile is closed again: not a descriptor of the database is left.
    expect(openFilesIn(d)).toEqual([]);
    pools.fail = undefined;
    const again = await startService(config(d), { quiet: true });
    try {
      expect(again.ledger.size()).toBe(size);
      expect(again.ledger.latestCheckpoint()!.note).toBe(checkpoint);
      expect((await again.app.request('/log/checkpoint')).status).toBe(200);
    } finally {
      await again.close();
    }
  });
});
