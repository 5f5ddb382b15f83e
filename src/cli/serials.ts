// `lotproof serials issue` (unit serials, GS1 AI 21) and `lotproof labels` (printable sheets).
// Serials are generated here from the CSPRNG, hashed with a fresh salt, uploaded privately, and
// committed by a signed serials.issue; the plain list only ever exists in the producer's file.
import { randomBytes } from 'node:crypto';
import { openSync, readFileSync, writeSync, closeSync, fsyncSync, unlinkSync } from 'node:fs';
import { toBase64 } from '../core/bytes.ts';
import { encodeDigitalLinkPath, parseBatchName, parseDigitalLinkPath } from '../core/gs1.ts';
import { langFromParam } from '../pages/i18n.ts';
import { labelFormat, labelsCss, MAX_LABELS, renderLabelSheet, type LabelItem } from '../pages/labels.ts';
import { generateSerial, serialHash } from '../core/serials.ts';
import { MAX_SERIAL_SET, RECORD_ID_RE } from '../ledger/bodies.ts';
import { UsageError, type Command } from './command.ts';
import { RemoteError, reportingRefusals, type Accepted } from './client.ts';
import { connection, CONN, need, noPositionals, say, serviceUrl, signer, str } from './records.ts';

function batchFlag(v: Record<string, unknown>): { name: string; gtin: string; lot: string } {
  const name = need(v as never, 'batch', '01/<gtin>/10/<lot>');
  const k = parseBatchName(name);
  if (!k) throw new UsageError(`--batch ${JSON.stringify(name)} is not 01/<GTIN-14>/10/<lot>`);
  return { name, ...k };
}

/** Writes a new file exclusively (never over an existing one) and fsyncs it. */
function writeNewFile(path: string, text: string, mode = 0o600): void {
  let fd: number;
  try {
    fd = openSync(path, 'wx', mode);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${path} already exists; refusing to overwrite it`);
    throw new UsageError(`cannot create ${path}: ${(e as Error).message}`);
  }
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

const commands: Record<string, Command> = {
  'serials issue': {
    summary: 'generate N random unit serials for a batch, commit them to the log without publishing them, and write them to a file',
    usage: `lotproof serials issue --batch 01/<gtin>/10/<lot> --count N --out FILE [--id ID] ${CONN}`,
    options: { ...connection, batch: { type: 'string' }, count: { type: 'string' }, out: { type: 'string' }, id: { type: 'string' } },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const batch = batchFlag(v);
      const countText = need(v, 'count', 'N');
      if (!/^[1-9]\d{0,6}$/.test(countText) || Number(countText) > MAX_SERIAL_SET) {
        throw new UsageError(`--count must be a whole number from 1 to ${MAX_SERIAL_SET}`);
      }
      const count = Number(countText);
      const out = need(v, 'out', 'FILE');
      const id = str(v, 'id') ?? `serials-${new Date().toISOString().slice(0, 10)}-${randomBytes(3).toString('hex')}`;
      if (!RECORD_ID_RE.test(id)) throw new UsageError('--id must be 1–128 of A-Z a-z 0-9 . _ : - starting with a letter or digit');
      const s = signer(v);
      const salt = randomBytes(16);
      const serials = new Set<string>();
      while (serials.size < count) serials.add(generateSerial((n) => randomBytes(n)));
      const list = [...serials];
      const base = serviceUrl(v);
      // The file is written before anything is sent, so no committed serial can be lost.
      const csv = ['serial,url', ...list.map((x) => `${x},${base}${encodeDigitalLinkPath({ gtin: batch.gtin, lot: batch.lot, serial: x })}`)].join('\n') + '\n';
      writeNewFile(out, csv);
      let accepted: Accepted;
      try {
        const { root } = await s.client.putSerialSet({ batch: batch.name, salt: toBase64(salt), hashes: list.map((x) => toBase64(serialHash(salt, x))) });
        accepted = await s.client.submit('serials.issue', { id, batch: batch.name, count, salt: toBase64(salt), root });
      } catch (e) {
        if (!(e instanceof RemoteError)) throw e;
        // A refusal the service answered (4xx, or 5xx such as sequencer_busy) wrote nothing to
        // the log, so the file names serials that do not exist. Anything else leaves the outcome
        // open, and the file is then the only copy of serials the log may hold.
        if (e.status !== undefined && e.status >= 400) {
          unlinkSync(out);
          throw new RemoteError(e.code, `${e.detail} (nothing was committed; ${out} was removed)`, e.status);
        }
        throw new RemoteError(e.code, `${e.detail} (the log may or may not hold serials.issue ${s.actor}/${id}; ${out} is kept)`, e.status);
      }
      say(`seq ${accepted.seq} hash ${accepted.hash}`);
      say(`${count} serials for ${batch.name} written to ${out} (keep it private: it is the only plain list)`);
      return 0;
    },
  },
  labels: {
    summary: 'write a printable label sheet (HTML) for a batch, or for a range of the unit serials in a file from serials issue',
    usage:
      'lotproof labels --batch 01/<gtin>/10/<lot> --out FILE [--count N] [--format a4-24|a4-21|a4-40|a4-65|roll-40x30|roll-50x30|roll-60x40] [--url URL]\n' +
      '       lotproof labels --serials FILE --out FILE [--first N] [--last M] [--format F] [--lang zh-CN|en]   (rendered locally: serials never leave the machine)',
    options: {
      url: { type: 'string' },
      batch: { type: 'string' },
      out: { type: 'string' },
      count: { type: 'string' },
      format: { type: 'string' },
      serials: { type: 'string' },
      first: { type: 'string' },
      last: { type: 'string' },
      lang: { type: 'string' },
    },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const out = need(v, 'out', 'FILE');
      if (v.serials !== undefined) return serialLabels(v, out);
      const batch = batchFlag(v);
      const q = new URLSearchParams();
      const count = str(v, 'count');
      if (count !== undefined) {
        if (!/^[1-9]\d{0,4}$/.test(count)) throw new UsageError('--count must be a whole number from 1 to 99999');
        q.set('count', count);
      }
      const format = str(v, 'format');
      if (format !== undefined) q.set('format', format);
      const url = `${serviceUrl(v)}/labels${encodeDigitalLinkPath({ gtin: batch.gtin, lot: batch.lot })}${q.size ? `?${q}` : ''}`;
      let res: Response;
      try {
        res = await fetch(url);
      } catch (e) {
        process.stderr.write(`lotproof labels: cannot reach ${url}: ${(e as Error).message}\n`);
        return 1;
      }
      const text = await res.text();
      if (!res.ok) {
        let why = text.slice(0, 200);
        try {
          const p = JSON.parse(text) as { code?: string; detail?: string };
          if (p.code) why = `${p.code}: ${p.detail ?? ''}`;
        } catch {
          // not a problem document; the text snippet says what happened
        }
        process.stderr.write(`lotproof labels: ${why}\n`);
        return 1;
      }
      writeNewFile(out, text, 0o644);
      say(`label sheet for ${batch.name} written to ${out}`);
      return 0;
    },
  },
};

/** A label sheet for serials from a `serials issue` file, rendered on this machine. */
function serialLabels(v: Record<string, string | boolean | string[] | undefined>, out: string): number {
  const file = need(v as never, 'serials', 'FILE');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const lines = text.split(/\r?\n/).filter((l) => l !== '');
  if (lines[0] !== 'serial,url') throw new UsageError(`${file} is not a serials file from lotproof serials issue (header serial,url)`);
  const items: LabelItem[] = lines.slice(1).map((line, i) => {
    const [serial, uri] = line.split(',');
    let key;
    try {
      key = parseDigitalLinkPath(new URL(uri ?? '').pathname);
    } catch {
      throw new UsageError(`${file} line ${i + 2}: not a serial and its Digital Link URL`);
    }
    if (!key.serial || key.serial !== serial) throw new UsageError(`${file} line ${i + 2}: the serial and its URL disagree`);
    return { uri: uri!, gtin: key.gtin, lot: key.lot, serial: key.serial };
  });
  const num = (name: string, fallback: number) => {
    const x = str(v as never, name);
    if (x === undefined) return fallback;
    if (!/^[1-9]\d{0,6}$/.test(x)) throw new UsageError(`--${name} must be a line number from 1`);
    return Number(x);
  };
  const first = num('first', 1);
  const last = Math.min(num('last', items.length), items.length);
  if (first > last) throw new UsageError(`--first ${first} is after --last ${last} (the file has ${items.length} serials)`);
  const chosen = items.slice(first - 1, last);
  if (chosen.length > MAX_LABELS) throw new UsageError(`at most ${MAX_LABELS} labels per sheet; use --first and --last`);
  const langFlag = str(v as never, 'lang');
  const lang = langFlag === undefined ? 'zh-CN' : langFromParam(langFlag);
  if (!lang) throw new UsageError('--lang must be zh-CN or en');
  let format;
  try {
    format = labelFormat(str(v as never, 'format'));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const html = renderLabelSheet({
    lang,
    format,
    ec: 'M',
    margin: 4,
    // A file on its own: the stylesheet travels inside it.
    cssHref: `data:text/css;base64,${Buffer.from(labelsCss()).toString('base64')}`,
    items: chosen,
  });
  writeNewFile(out, html, 0o644);
  say(`${chosen.length} serial labels written to ${out}`);
  return 0;
}

/** The commands, each reporting the service's refusal as one line and exit 1. */
export const serialCommands: Record<string, Command> = Object.fromEntries(Object.entries(commands).map(([name, c]) => [name, reportingRefusals(name, c)]));
