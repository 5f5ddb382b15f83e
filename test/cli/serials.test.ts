// `lotproof serials issue` and `lotproof labels` against a real service: serials are generated
// locally, committed without being published, and resolve as genuine; label sheets are written
// for a batch (fetched) and for a range of serials (rendered locally).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBench, type CliBench } from './harness.ts';

const GTIN = '09506000134352';
const BATCH = `01/${GTIN}/10/SL1`;
let b: CliBench;
let farm: Awaited<ReturnType<CliBench['register']>>;
const as = (a: { id: string; path: string }) => ['--actor', a.id, '--key', a.path];

beforeAll(async () => {
  b = await startBench();
  farm = await b.register('farm', 'producer');
  const r = await b.run(['batch', 'create', ...as(farm), '--gtin', GTIN, '--lot', 'SL1', '--name', 'Rice', '--category', 'grain', '--produced-on', '2026-10-01', '--amount', '100', '--uom', 'KGM', '--country', 'CN']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(() => b.close());

describe('serials issue', () => {
  it('commits serials without publishing them and they resolve as genuine', async () => {
    const out = join(b.dir, 'serials.csv');
    const r = await b.run(['serials', 'issue', ...as(farm), '--batch', BATCH, '--count', '25', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('serial,url');
    expect(rows).toHaveLength(26);
    const [serial, url] = rows[1]!.split(',');
    expect(url).toBe(`${b.url}/01/${GTIN}/10/SL1/21/${serial}`);
    const res = await fetch(url!, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as any).serial.genuine).toBe(true);
    // The log holds no serial in plain.
    const log = await (await fetch(`${b.url}/log/entries?start=0&limit=1000`)).text();
    for (const row of rows.slice(1)) expect(log).not.toContain(row.split(',')[0]!);
    // Labels for a range of them, rendered locally.
    const sheet = join(b.dir, 'serial-labels.html');
    const l = await b.run(['labels', '--serials', out, '--first', '3', '--last', '7', '--out', sheet, '--lang', 'en']);
    expect(l.code, l.stderr).toBe(0);
    const html = readFileSync(sheet, 'utf8');
    for (const row of rows.slice(3, 8)) expect(html).toContain(row.split(',')[0]!);
    expect(html).not.toContain(rows[1]!.split(',')[0]!);
  });

  it('refuses bad input before sending anything', async () => {
    const size = b.size();
    const cases: string[][] = [
      ['serials', 'issue', ...as(farm), '--batch', BATCH, '--count', '0', '--out', join(b.dir, 'x.csv')],
      ['serials', 'issue', ...as(farm), '--batch', BATCH, '--count', '200000', '--out', join(b.dir, 'x.csv')],
      ['serials', 'issue', ...as(farm), '--batch', '01/123/10/x', '--count', '5', '--out', join(b.dir, 'x.csv')],
      ['serials', 'issue', ...as(farm), '--batch', BATCH, '--count', '5'],
      ['labels', '--serials', join(b.dir, 'missing.csv'), '--out', join(b.dir, 'y.html')],
    ];
    for (const args of cases) {
      const r = await b.run(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(existsSync(join(b.dir, 'x.csv'))).toBe(false);
    expect(b.size()).toBe(size);
  });

  it('reports a refusal by the service in one line, and removes the file of serials it did not commit', async () => {
    const size = b.size();
    const out = join(b.dir, 'refused.csv');
    const r = await b.run(['serials', 'issue', ...as(farm), '--batch', `01/${GTIN}/10/NOPE`, '--count', '3', '--out', out]);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^lotproof serials issue: not_found: .*nothing was committed; .*refused\.csv was removed/);
    expect(existsSync(out)).toBe(false);
    expect(b.size()).toBe(size);
    // The same --out can be used again at once.
    const again = await b.run(['serials', 'issue', ...as(farm), '--batch', BATCH, '--count', '3', '--out', out]);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(4);
  });
});

describe('labels for a batch', () => {
  it('writes the service\'s label sheet to a file', async () => {
    const sheet = join(b.dir, 'batch-labels.html');
    const r = await b.run(['labels', '--batch', BATCH, '--count', '24', '--out', sheet]);
    expect(r.code, r.stderr).toBe(0);
    const html = readFileSync(sheet, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('SL1');
    const again = await b.run(['labels', '--batch', BATCH, '--out', sheet]);
    expect(again.code).toBe(2);
  });
});
