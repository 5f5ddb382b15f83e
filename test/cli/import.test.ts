// `lotproof import`: many batches from CSV or JSON lines, checked line by line before anything
// is sent, submitted concurrently, with a per-line report; and the progress display.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, parseImport } from '../../src/cli/records.ts';
import { createProgress } from '../../src/cli/progress.ts';
import { startBench, type CliBench } from './harness.ts';

const GTIN = '09506000134352';
const HEADER = 'gtin,lot,name,category,producedOn,amount,uom,country,expiresOn';

let b: CliBench;
let farm: Awaited<ReturnType<CliBench['register']>>;

beforeAll(async () => {
  b = await startBench();
  farm = await b.register('lixin-farm', 'producer');
});
afterAll(() => b.close());

const as = () => ['--actor', farm.id, '--key', farm.path];

function file(name: string, text: string): string {
  const p = join(b.dir, name);
  writeFileSync(p, text);
  return p;
}

function readReport(path: string): Record<string, any>[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l))
    .sort((x, y) => x.line - y.line);
}

describe('lotproof import', () => {
  it('imports 200 CSV lines, all accepted, and writes the report', async () => {
    const rows = Array.from({ length: 200 }, (_, i) => `${GTIN},B${i},"Wheat, lot ${i}",grain,2026-09-01,${100 + i}.5,KGM,CN,${i % 2 ? '2027-09-01' : ''}`);
    const csv = file('200.csv', `${HEADER}\r\n${rows.join('\r\n')}\r\n`);
    const report = join(b.dir, '200.report.jsonl');
    const before = b.size();
    const r = await b.run(['import', csv, ...as(), '--report', report]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`accepted 200 of 200 lines; report in ${report}\n`);
    expect(b.size()).toBe(before + 200);
    const lines = readReport(report);
    expect(lines.map((l) => l.line)).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
    expect(new Set(lines.map((l) => l.seq)).size).toBe(200);
    for (const l of lines) expect(Object.keys(l).sort()).toEqual(['hash', 'line', 'seq']);
    const row = b.service.store.batchByKey(GTIN, 'B7')!;
    const entry = await (await fetch(`${b.url}/v1/entries/${row.seq}`)).json();
    expect(entry.entry.statement.body).toEqual({
      gtin: GTIN, lot: 'B7', product: { name: 'Wheat, lot 7', category: 'grain' }, producedOn: '2026-09-01',
      quantity: { amount: 107.5, uom: 'KGM' }, origin: { country: 'CN' }, expiresOn: '2027-09-01',
    });
  });

  it('refuses the whole file when a line is invalid, naming each bad line, and submits nothing', async () => {
    const csv = file('bad.csv', [
      HEADER,
      `${GTIN},OK1,Wheat,grain,2026-09-01,10,KGM,CN,`,
      `09506000134353,OK2,Wheat,grain,2026-09-01,10,KGM,CN,`,
      `${GTIN},lot with space,Wheat,grain,2026-09-01,10,KGM,CN,`,
      `${GTIN},OK3,Wheat,grain,2026-09-01,ten,KGM,CN,`,
      `${GTIN},OK4,Wheat,grain,2026-09-01,10,KGM,CN`,
      `${GTIN},OK1,Wheat,grain,2026-09-01,10,KGM,CN,`,
      `${GTIN},OK5,,grain,2026-09-01,10,KGM,cn,`,
    ].join('\n'));
    const report = join(b.dir, 'bad.report.jsonl');
    const before = b.size();
    const r = await b.run(['import', csv, ...as(), '--report', report]);
    expect(r.code).toBe(1);
    expect(b.size()).toBe(before);
    const err = r.stderr.trimEnd().split('\n');
    expect(err[0]).toMatch(/^line 3: gtin: must be a GTIN-14 with a valid check digit$/);
    expect(err[1]).toMatch(/^line 4: lot: a lot \(GS1 AI 10\)/);
    expect(err[2]).toMatch(/^line 5: amount: must be a decimal number/);
    expect(err[3]).toBe('line 6: has 8 fields, the header has 9');
    expect(err[4]).toBe(`line 7: gtin, lot: batch 01/${GTIN}/10/OK1 is also on line 2`);
    expect(err[5]).toMatch(/^line 8: name: /);
    expect(err[6]).toMatch(/^lotproof import: 6 of 7 lines are invalid; nothing was submitted/);
    const lines = readReport(report);
    expect(lines).toHaveLength(7);
    expect(lines[0]).toEqual({ line: 2, code: 'not_submitted', detail: 'the import was stopped by invalid lines' });
    expect(lines[1]).toMatchObject({ line: 3, code: 'invalid_line' });
  });

  it('with --partial submits the valid lines and reports the rest; refusals by the log are per line', async () => {
    const jsonl = file('mixed.jsonl', [
      JSON.stringify({ gtin: GTIN, lot: 'J1', product: { name: 'w', category: 'grain' }, producedOn: '2026-09-01', quantity: { amount: 1, uom: 'KGM' }, origin: { country: 'CN' } }),
      '',
      '{"gtin": ',
      JSON.stringify({ gtin: GTIN, lot: 'B0', product: { name: 'w', category: 'grain' }, producedOn: '2026-09-01', quantity: { amount: 1, uom: 'KGM' }, origin: { country: 'CN' } }),
      JSON.stringify({ gtin: GTIN, lot: 'J2' }),
      '[1]',
      JSON.stringify({ gtin: GTIN, lot: 'J3', product: { name: 'w', category: 'grain' }, producedOn: '2026-09-01', quantity: { amount: 1, uom: 'KGM' }, origin: { country: 'CN' } }).replace('"lot":"J3"', '"lot":"J3","lot":"J4"'),
    ].join('\n'));
    const report = join(b.dir, 'mixed.report.jsonl');
    const before = b.size();
    const r = await b.run(['import', jsonl, ...as(), '--report', report, '--partial', '--concurrency', '2']);
    expect(r.code).toBe(1);
    expect(b.size()).toBe(before + 1);
    expect(r.stdout).toBe(`accepted 1 of 6 lines; 5 not accepted; report in ${report}\n`);
    expect(r.stderr).toMatch(/^line 3: not JSON: /m);
    expect(r.stderr).toMatch(/^line 5: product: /m);
    expect(r.stderr).toMatch(/^line 6: must be one JSON object/m);
    expect(r.stderr).toMatch(/^line 7: duplicate object key "lot"/m);
    // B0 was created by the 200-line import: the log refuses it, and says so for that line.
    expect(r.stderr).toMatch(/^line 4: duplicate_batch: /m);
    const lines = readReport(report);
    expect(lines.map((l) => [l.line, l.code ?? 'ok'])).toEqual([[1, 'ok'], [3, 'invalid_line'], [4, 'duplicate_batch'], [5, 'invalid_line'], [6, 'invalid_line'], [7, 'invalid_line']]);
  });

  it('stops submitting after a refusal every further line would get', async () => {
    const stranger = b.keyFile('stranger.key');
    const rows = Array.from({ length: 40 }, (_, i) => `${GTIN},S${i},Wheat,grain,2026-09-01,1,KGM,CN`);
    const csv = file('stranger.csv', `gtin,lot,name,category,producedOn,amount,uom,country\n${rows.join('\n')}\n`);
    const report = join(b.dir, 'stranger.report.jsonl');
    const r = await b.run(['import', csv, '--actor', farm.id, '--key', stranger.path, '--report', report, '--concurrency', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^line 2: key_not_active: /);
    expect(r.stderr).toMatch(/stopped after line 2: key_not_active; 39 lines were not submitted/);
    const lines = readReport(report);
    expect(lines).toHaveLength(40);
    expect(lines.filter((l) => l.code === 'not_submitted')).toHaveLength(39);
  });

  it('refuses unusable files with exit 2', async () => {
    const run = (args: string[]) => b.run(['import', ...args, ...as()]);
    let r = await run([file('cols.csv', 'gtin,lot,colour\n1,2,3\n')]);
    expect([r.code, r.stderr]).toEqual([2, 'lotproof import: line 1: unknown column "colour"; the columns are gtin,lot,name,category,producedOn,amount,uom,country,expiresOn\n']);
    r = await run([file('few.csv', 'gtin,lot\n1,2\n')]);
    expect(r.stderr).toMatch(/the header lacks name, category, producedOn, amount, uom, country/);
    r = await run([file('empty.csv', '')]);
    expect(r.code).toBe(2);
    r = await run([file('header-only.csv', `${HEADER}\n`)]);
    expect(r.stderr).toMatch(/holds no batches/);
    r = await run([file('open.csv', `${HEADER}\n"${GTIN},X\n`)]);
    expect(r.stderr).toMatch(/line 2: a quoted field is never closed/);
    r = await run([join(b.dir, 'nope.csv')]);
    expect(r.stderr).toMatch(/cannot read .*nope\.csv: ENOENT/);
    r = await run([]);
    expect(r.stderr).toMatch(/missing FILE/);
    r = await run([file('c.csv', `${HEADER}\n`), '--concurrency', '0']);
    expect(r.stderr).toMatch(/--concurrency must be an integer from 1 to 64/);
    r = await run([file('d.csv', `${HEADER}\n${GTIN},D1,Wheat,grain,2026-09-01,1,KGM,CN,\n`), '--report', join(b.dir, 'no-such-dir', 'r.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot write the report/);
    expect(b.service.store.batchByKey(GTIN, 'D1')).toBeFalsy();
  });
});

describe('CSV', () => {
  it('reads RFC 4180 quoting, CRLF, blank lines and a BOM-less file', () => {
    expect(parseCsv('a,b\r\n"x, y","he said ""hi"""\n\n"multi\nline",2\n')).toEqual([
      { line: 1, cells: ['a', 'b'] },
      { line: 2, cells: ['x, y', 'he said "hi"'] },
      { line: 4, cells: ['multi\nline', '2'] },
    ]);
    expect(parseCsv('a,b')).toEqual([{ line: 1, cells: ['a', 'b'] }]);
  });

  it('pads a GTIN whose leading zero a spreadsheet dropped', () => {
    const p = join(b.dir, 'excel.csv');
    writeFileSync(p, `\uFEFFGTIN,Lot,Name,Category,ProducedOn,Amount,UOM,Country\n9506000134352,E1,Wheat,grain,2026-09-01,5,KGM,CN\n`);
    const [line] = parseImport(p);
    expect(line!.error).toBeUndefined();
    expect(line!.body!.gtin).toBe(GTIN);
  });
});

describe('progress', () => {
  function sink(isTTY: boolean) {
    const s = { out: '', isTTY, columns: 80, write: (c: string) => (s.out += c) };
    return s;
  }

  it('redraws one bar in place on a terminal, and keeps logged lines whole', () => {
    let t = 0;
    const s = sink(true);
    const p = createProgress({ total: 4, label: 'import', stream: s, now: () => t });
    t = 100;
    p.tick(true);
    p.log('line 3: duplicate_batch: x');
    t = 200;
    p.tick(false);
    t = 210; // within the redraw interval: not drawn
    p.tick(true);
    t = 400;
    p.tick(true);
    p.done();
    const frames = s.out.split('\r\x1b[2K').filter(Boolean);
    expect(frames[0]).toMatch(/^import \[#+-+\] 1\/4 \(1 ok, 0 failed/);
    expect(frames[1]).toBe('line 3: duplicate_batch: x\n');
    expect(frames.at(-1)).toMatch(/^import \[#+\] 4\/4 \(3 ok, 1 failed, 10\/s\)\n$/);
    expect(frames.some((f) => f.startsWith('import [') && f.includes(' 3/4 '))).toBe(false);
  });

  it('writes plain lines now and then elsewhere, and nothing when off', () => {
    let t = 0;
    const s = sink(false);
    const p = createProgress({ total: 3, label: 'import', stream: s, now: () => t, intervalMs: 1000 });
    t = 500;
    p.tick(true);
    t = 1500;
    p.tick(true);
    p.log('line 9: oops');
    t = 1600;
    p.tick(true);
    p.done();
    expect(s.out).toBe('import: 2/3 (2 ok, 0 failed, 1.3/s)\nline 9: oops\n');
    expect(s.out).not.toContain('\r');

    const quiet = sink(true);
    const q = createProgress({ total: 1, label: 'import', stream: quiet, mode: 'off' });
    q.tick(true);
    q.done();
    expect(quiet.out).toBe('');
  });
});
