// Commands that sign and submit records (SPEC §3) and administer actors. Each body is built
// from flags or a JSON file, checked here with the same schemas the log applies
// (ledger/bodies.ts), and signed with the caller's key file; only the signed statement travels.
// Exit codes: 0 accepted, 1 refused by the service (or unreachable), 2 bad input (nothing sent).
import { closeSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { fromBase64, toBase64, toHex, equalBytes } from '../core/bytes.ts';
import type { KeyPair } from '../core/ed25519.ts';
import { normalizeGtin } from '../core/gs1.ts';
import { sha256 } from '../core/hash.ts';
import { LedgerError } from '../core/errors.ts';
import { canonicalJson } from '../core/jcs.ts';
import { parseStrictJson } from '../core/json.ts';
import { formatTime, parseRfc3339 } from '../core/time.ts';
import { ACTOR_ID_RE, bodySchemas } from '../ledger/bodies.ts';
import { createClient, oneLine, RemoteError, reportingRefusals, type Accepted, type Client } from './client.ts';
import { UsageError, type Command } from './command.ts';
import { loadOrCreateKeyFile, readKeyFile } from './keyfile.ts';
import { createProgress } from './progress.ts';

type Values = Record<string, string | boolean | string[] | undefined>;
type Options = Command['options'];
type BodyType = Exclude<keyof typeof bodySchemas, 'log.init'>;

export const DEFAULT_URL = 'http://localhost:8080';

// ---------------------------------------------------------------------------------------------
// Flags
// ---------------------------------------------------------------------------------------------

export const connection: Options = {
  url: { type: 'string' },
  actor: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean' },
};
export const CONN = '[--url URL] --actor ID --key FILE [--json]';
const OPERATOR_CONN = '[--url URL] [--actor operator] [--key FILE (default $LOTPROOF_DATA/operator.key)] [--json]';

export function str(v: Values, name: string): string | undefined {
  const x = v[name];
  if (x === undefined) return undefined;
  if (typeof x !== 'string') throw new UsageError(`--${name} takes one value`);
  if (x.trim() === '') throw new UsageError(`--${name} must not be empty`);
  return x;
}

export function need(v: Values, name: string, what = ''): string {
  const x = str(v, name);
  if (x === undefined) throw new UsageError(`missing --${name}${what ? ` ${what}` : ''}`);
  return x;
}

function list(v: Values, name: string): string[] {
  const x = v[name];
  if (x === undefined) return [];
  const all = Array.isArray(x) ? x : [x];
  for (const s of all) {
    if (typeof s !== 'string' || s.trim() === '') throw new UsageError(`--${name} must not be empty`);
  }
  return all as string[];
}

export function noPositionals(p: string[]): void {
  if (p.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(p[0])}`);
}

function onePositional(p: string[], what: string): string {
  if (p.length === 0) throw new UsageError(`missing ${what}`);
  if (p.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(p[1])}`);
  if (p[0]!.trim() === '') throw new UsageError(`${what} must not be empty`);
  return p[0]!;
}

const DECIMAL_RE = /^(?:0|[1-9]\d*)(?:\.\d+)?$/;

/** A decimal amount as typed; the schema then checks its range and precision. */
function parseAmount(s: string, what: string): number {
  if (!DECIMAL_RE.test(s)) throw new UsageError(`${what} must be a decimal number such as 1000 or 12.5, not ${JSON.stringify(s)}`);
  return Number(s);
}

/** `--quantity N [--uom U]`: a bare number in the batch's own unit, or `{amount, uom}`. */
function quantityFlags(v: Values, required: boolean): number | { amount: number; uom: string } | undefined {
  const q = required ? need(v, 'quantity', 'N') : str(v, 'quantity');
  const uom = str(v, 'uom');
  if (q === undefined) {
    if (uom !== undefined) throw new UsageError('--uom goes with --quantity');
    return undefined;
  }
  const amount = parseAmount(q, '--quantity');
  return uom === undefined ? amount : { amount, uom };
}

/** Any RFC 3339 date-time (with Z or an offset), as the log's canonical UTC-with-milliseconds. */
export function parseTimeFlag(s: string, what: string): string {
  const ms = parseRfc3339(s);
  if (ms === undefined) throw new UsageError(`${what} must be an RFC 3339 time such as 2026-11-22T08:00:00Z, not ${JSON.stringify(s)}`);
  return formatTime(ms);
}

function gtinFlag(s: string): string {
  const g = normalizeGtin(s);
  if (!g) throw new UsageError(`--gtin ${JSON.stringify(s)} is not a GTIN: 8, 12, 13 or 14 digits ending in a valid check digit`);
  return g;
}

/** Checks a body with the log's own schema, so bad input is refused before anything is signed. */
function checkLocally(type: BodyType, body: unknown, where = 'body'): void {
  const r = bodySchemas[type].safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new UsageError(`${[where, ...issue.path].join('.')}: ${issue.message}`);
  }
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function readText(path: string): string {
  try {
    return readFileSync(path === '-' ? 0 : path, 'utf8').replace(/^\uFEFF/, '');
  } catch (e) {
    throw new UsageError(`cannot read ${path === '-' ? 'stdin' : path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * Parses JSON as strictly as the service reads a body (core/json.ts: no duplicate or
 * "__proto__" keys, bounded depth) and keeps only values JCS can sign, so that what the service
 * would refuse is refused here, before anything is signed or sent. Throws UsageError naming
 * `what`; JSON that does not parse at all says "not JSON".
 */
function strictJson(text: string, what: string): unknown {
  let x: unknown;
  try {
    x = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${what}not JSON: ${(e as Error).message.split('\n')[0]}`);
  }
  try {
    parseStrictJson(text);
    canonicalJson(x);
  } catch (e) {
    if (e instanceof LedgerError) throw new UsageError(`${what}${e.message.split('\n')[0]}`);
    throw e;
  }
  return x;
}

function readJson(path: string): unknown {
  return strictJson(readText(path), `${path === '-' ? 'stdin' : path}: `);
}

function readBodyFile(path: string): Record<string, unknown> {
  const x = readJson(path);
  if (!isObject(x)) throw new UsageError(`${path === '-' ? 'stdin' : path} must hold one JSON object: the record's body`);
  if ('statement' in x && 'sig' in x) throw new UsageError(`${path} holds a signed submission; pass only its body, lotproof signs it`);
  return x;
}

/** `--file` and the body flags are two ways to give one body; both at once is a mistake. */
function bodyFromFileOr(v: Values, flags: string[], fromFlags: () => Record<string, unknown>): Record<string, unknown> {
  const file = str(v, 'file');
  if (file === undefined) return fromFlags();
  const given = flags.find((f) => v[f] !== undefined);
  if (given) throw new UsageError(`--file replaces the body flags; drop --${given}`);
  return readBodyFile(file);
}

// ---------------------------------------------------------------------------------------------
// Keys, signing and output
// ---------------------------------------------------------------------------------------------

/** The operator key the service created on first start (SPEC §4), as main.ts finds it. */
export function defaultOperatorKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOTPROOF_OPERATOR_KEY_FILE || join(env.LOTPROOF_DATA || './data', 'operator.key');
}

export function serviceUrl(v: Values): string {
  const raw = str(v, 'url') ?? (process.env.LOTPROOF_URL || DEFAULT_URL);
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(raw)} is not a URL`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError('--url must be an http or https URL');
  if (u.username || u.password || u.search || u.hash) throw new UsageError('--url must not carry credentials, a query or a fragment');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

function actorIdFlag(s: string, what: string, allowOperator: boolean): string {
  if ((allowOperator && s === 'operator') || ACTOR_ID_RE.test(s)) return s;
  throw new UsageError(`${what} ${JSON.stringify(s)} is not an actor id: 1–64 of a-z 0-9 . _ - starting with a letter or digit`);
}

interface Signer {
  client: Client;
  actor: string;
  key: KeyPair;
}

/** Reads the signing key (refused when other users could read it) and connects to the service. */
export function signer(v: Values, defaultActor?: string): Signer {
  const url = serviceUrl(v);
  const given = str(v, 'actor') ?? defaultActor;
  if (given === undefined) throw new UsageError('missing --actor ID (the party that signs)');
  const actor = actorIdFlag(given, '--actor', true);
  const keyPath = str(v, 'key') ?? (actor === 'operator' ? defaultOperatorKeyFile() : undefined);
  if (keyPath === undefined) throw new UsageError(`missing --key FILE (${actor}'s private key, made by lotproof keygen)`);
  const key = readKeyFile(keyPath);
  return { client: createClient({ url, actor, key }), actor, key };
}

export function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function printAccepted(v: Values, a: Accepted, extra: Record<string, string> = {}): void {
  if (v.json === true) {
    say(JSON.stringify({ ...a, ...extra }));
    return;
  }
  say(`seq ${a.seq} hash ${a.hash}`);
  for (const [k, val] of Object.entries(extra)) say(`${k} ${val}`);
}

async function submitAndPrint(v: Values, s: Signer, type: BodyType, body: Record<string, unknown>): Promise<number> {
  printAccepted(v, await s.client.submit(type, body));
  return 0;
}

// ---------------------------------------------------------------------------------------------
// Public keys and documents
// ---------------------------------------------------------------------------------------------

// RFC 8410 §4: SubjectPublicKeyInfo for id-Ed25519 is this fixed prefix and the 32-byte key.
const SPKI_PREFIX = new Uint8Array([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

/** A public key file: an RFC 8410 SPKI PEM (`openssl pkey -pubout`) or the base64 keygen prints. */
export function readPublicKeyFile(path: string): string {
  const text = readText(path).trim();
  if (text.includes('PRIVATE KEY')) {
    throw new UsageError(`${path} holds a private key; pass only the public key (lotproof keygen prints it, openssl pkey -pubout writes it)`);
  }
  const m = /^-----BEGIN PUBLIC KEY-----\s*([A-Za-z0-9+/=\s]+?)\s*-----END PUBLIC KEY-----$/.exec(text);
  if (m) {
    const der = fromBase64(m[1]!.replace(/\s+/g, ''));
    if (der?.length === 44 && equalBytes(der.subarray(0, 12), SPKI_PREFIX)) return toBase64(der.subarray(12));
  } else if (fromBase64(text)?.length === 32) {
    return text;
  }
  throw new UsageError(`${path} is neither an Ed25519 public key PEM nor a base64 public key`);
}

const MEDIA_TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
  '.txt': 'text/plain',
  '.json': 'application/json',
};

interface LocalDocument {
  bytes: Uint8Array;
  ref: { sha256: string; mediaType: string; name: string };
}

/** Reads a document and names it by its SHA-256, before anything is uploaded. */
function readDocument(path: string, mediaTypeFlag: string | undefined): LocalDocument {
  let bytes: Uint8Array;
  try {
    if (!statSync(path).isFile()) throw new UsageError(`${path} is not a file`);
    bytes = new Uint8Array(readFileSync(path));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (bytes.length === 0) throw new UsageError(`${path} is empty`);
  const mediaType = (mediaTypeFlag ?? MEDIA_TYPES[extname(path).toLowerCase()])?.toLowerCase();
  if (mediaType === undefined) {
    throw new UsageError(`cannot tell the media type of ${path}; pass --media-type (${[...new Set(Object.values(MEDIA_TYPES))].join(', ')})`);
  }
  if (!/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(mediaType)) throw new UsageError(`--media-type ${JSON.stringify(mediaType)} is not a media type`);
  return { bytes, ref: { sha256: toHex(sha256(bytes)), mediaType, name: basename(path) } };
}

function documentFlag(v: Values): LocalDocument | undefined {
  const path = str(v, 'document');
  const mediaType = str(v, 'media-type');
  if (path === undefined) {
    if (mediaType !== undefined) throw new UsageError('--media-type goes with --document FILE');
    return undefined;
  }
  return readDocument(path, mediaType);
}

async function upload(s: Signer, doc: LocalDocument | undefined): Promise<void> {
  if (doc) await s.client.putDocument(doc.bytes, doc.ref.mediaType);
}

// ---------------------------------------------------------------------------------------------
// Lab tests
// ---------------------------------------------------------------------------------------------

const TEST_KEYS = ['name', 'result', 'verdict', 'limit', 'unit', 'method'];

/** A number when the text is exactly how JavaScript writes that number ("12.5"), else the text ("<0.01", "0.050"). */
function numberOrText(s: string): number | string {
  const n = Number(s);
  return s !== '' && Number.isFinite(n) && String(n) === s ? n : s;
}

/**
 * `name=…,result=…,verdict=pass|fail|info[,limit=…][,unit=…][,method=…]`. A comma or backslash
 * inside a value is written `\,` or `\\`.
 */
export function parseTestSpec(spec: string): Record<string, unknown> {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i]!;
    if (ch === '\\' && (spec[i + 1] === ',' || spec[i + 1] === '\\')) {
      cur += spec[++i];
    } else if (ch === ',') {
      parts.push(cur);
      cur = '';
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  const test: Record<string, unknown> = {};
  for (const part of parts) {
    const eq = part.indexOf('=');
    const k = (eq < 0 ? part : part.slice(0, eq)).trim();
    if (eq < 0 || !TEST_KEYS.includes(k)) {
      throw new UsageError(`--test ${JSON.stringify(spec)}: expected key=value pairs with keys ${TEST_KEYS.join(', ')}`);
    }
    if (k in test) throw new UsageError(`--test ${JSON.stringify(spec)}: ${k} is given twice`);
    const val = part.slice(eq + 1).trim();
    test[k] = k === 'result' || k === 'limit' ? numberOrText(val) : val;
  }
  for (const k of ['name', 'result', 'verdict']) {
    if (!(k in test)) throw new UsageError(`--test ${JSON.stringify(spec)}: missing ${k}=`);
  }
  return test;
}

// ---------------------------------------------------------------------------------------------
// Bulk import
// ---------------------------------------------------------------------------------------------

interface CsvRecord {
  /** The 1-based line on which the record starts. */
  line: number;
  cells: string[];
}

/** RFC 4180 CSV: quoted fields may hold commas, doubled quotes and line breaks. Blank lines are skipped. */
export function parseCsv(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let line = 1;
  let start = 1;
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let wasQuoted = false;
  const endRecord = () => {
    cells.push(cell);
    if (!(cells.length === 1 && cells[0] === '' && !wasQuoted)) out.push({ line: start, cells });
    cells = [];
    cell = '';
    wasQuoted = false;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else {
          quoted = false;
        }
      } else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell.trim() === '') {
      quoted = true;
      wasQuoted = true;
      cell = '';
    } else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
      start = line;
    } else {
      cell += ch;
    }
  }
  if (quoted) throw new UsageError(`line ${start}: a quoted field is never closed`);
  if (cell !== '' || cells.length > 0 || wasQuoted) endRecord();
  return out;
}

const CSV_COLUMNS = ['gtin', 'lot', 'name', 'category', 'producedOn', 'amount', 'uom', 'country', 'expiresOn'] as const;
type CsvColumn = (typeof CSV_COLUMNS)[number];
const OPTIONAL_COLUMNS: readonly CsvColumn[] = ['expiresOn'];
/** Where each CSV column lands in a batch.create body, to name errors by column. */
const COLUMN_PATHS: Record<string, CsvColumn> = {
  gtin: 'gtin',
  lot: 'lot',
  'product.name': 'name',
  'product.category': 'category',
  producedOn: 'producedOn',
  'quantity.amount': 'amount',
  'quantity.uom': 'uom',
  'origin.country': 'country',
  expiresOn: 'expiresOn',
};

export interface ImportLine {
  line: number;
  body?: Record<string, unknown>;
  error?: string;
}

function schemaError(body: unknown, csv: boolean): string | undefined {
  const r = bodySchemas['batch.create'].safeParse(body);
  if (r.success) return undefined;
  const issue = r.error.issues[0]!;
  const path = issue.path.join('.');
  const where = csv ? (COLUMN_PATHS[path] ?? path) : path || 'body';
  return `${where}: ${issue.message}`;
}

function csvLines(text: string): ImportLine[] {
  const records = parseCsv(text);
  const header = records.shift();
  if (!header) throw new UsageError('the CSV file is empty; its first line names the columns');
  const index = new Map<CsvColumn, number>();
  header.cells.forEach((raw, i) => {
    const col = CSV_COLUMNS.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
    if (!col) throw new UsageError(`line ${header.line}: unknown column ${JSON.stringify(raw)}; the columns are ${CSV_COLUMNS.join(',')}`);
    if (index.has(col)) throw new UsageError(`line ${header.line}: column ${col} appears twice`);
    index.set(col, i);
  });
  const missing = CSV_COLUMNS.filter((c) => !index.has(c) && !OPTIONAL_COLUMNS.includes(c));
  if (missing.length) throw new UsageError(`line ${header.line}: the header lacks ${missing.join(', ')}; the columns are ${CSV_COLUMNS.join(',')}`);
  return records.map(({ line, cells }) => {
    if (cells.length !== header.cells.length) return { line, error: `has ${cells.length} fields, the header has ${header.cells.length}` };
    const get = (c: CsvColumn) => (index.has(c) ? cells[index.get(c)!]!.trim() : '');
    const amount = get('amount');
    if (!DECIMAL_RE.test(amount)) return { line, error: `amount: must be a decimal number such as 1000 or 12.5, not ${JSON.stringify(amount)}` };
    // Spreadsheets drop a GTIN's leading zeros; a GTIN-13 or -12 pads back to its GTIN-14.
    const gtin = normalizeGtin(get('gtin')) ?? get('gtin');
    const body: Record<string, unknown> = {
      gtin,
      lot: get('lot'),
      product: { name: get('name'), category: get('category') },
      producedOn: get('producedOn'),
      quantity: { amount: Number(amount), uom: get('uom') },
      origin: { country: get('country') },
    };
    if (get('expiresOn') !== '') body.expiresOn = get('expiresOn');
    const error = schemaError(body, true);
    return error ? { line, error } : { line, body };
  });
}

function jsonLines(text: string): ImportLine[] {
  const out: ImportLine[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let body: unknown;
    try {
      body = strictJson(raw, '');
    } catch (e) {
      out.push({ line, error: (e as Error).message });
      return;
    }
    if (!isObject(body)) {
      out.push({ line, error: 'must be one JSON object, a batch.create body' });
      return;
    }
    const error = schemaError(body, false);
    out.push(error ? { line, error } : { line, body });
  });
  return out;
}

/** Parses and checks every line of an import file; file-level problems throw UsageError. */
export function parseImport(path: string, format?: string): ImportLine[] {
  const text = readText(path);
  const fmt = format ?? ({ '.csv': 'csv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' } as Record<string, string>)[extname(path).toLowerCase()] ?? (text.trimStart().startsWith('{') ? 'jsonl' : 'csv');
  const lines = fmt === 'csv' ? csvLines(text) : jsonLines(text);
  // The log refuses a second batch with the same (gtin, lot); say so now, naming both lines.
  const seen = new Map<string, number>();
  for (const l of lines) {
    if (!l.body) continue;
    const k = `01/${String(l.body.gtin)}/10/${String(l.body.lot)}`;
    const first = seen.get(k);
    if (first !== undefined) {
      delete l.body;
      l.error = `gtin, lot: batch ${k} is also on line ${first}`;
    } else {
      seen.set(k, l.line);
    }
  }
  return lines;
}

/** Refusals after which every further line would be refused too: stop submitting. */
const STOP_CODES = new Set(['unreachable', 'unknown_actor', 'actor_revoked', 'key_not_active', 'role_not_allowed', 'bad_signature', 'time_skew', 'bad_response']);
const MAX_PRINTED_ERRORS = 50;

function intFlag(v: Values, name: string, fallback: number, min: number, max: number): number {
  const s = str(v, name);
  if (s === undefined) return fallback;
  if (!/^\d+$/.test(s) || Number(s) < min || Number(s) > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  return Number(s);
}

async function runImport(v: Values, positionals: string[]): Promise<number> {
  const path = onePositional(positionals, 'FILE (CSV with a header row, or JSON lines)');
  const format = str(v, 'format');
  if (format !== undefined && format !== 'csv' && format !== 'jsonl') throw new UsageError('--format must be csv or jsonl');
  const concurrency = intFlag(v, 'concurrency', 16, 1, 64);
  const partial = v.partial === true;
  const s = signer(v);
  const lines = parseImport(path, format);
  if (lines.length === 0) throw new UsageError(`${path} holds no batches`);

  const reportPath = str(v, 'report');
  let fd: number | undefined;
  if (reportPath !== undefined) {
    try {
      fd = openSync(reportPath, 'w', 0o644);
    } catch (e) {
      throw new UsageError(`cannot write the report ${reportPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  // The report is written as results arrive, so an interrupted import still says what was logged.
  const report = (r: Record<string, unknown>) => {
    if (fd !== undefined) writeSync(fd, `${JSON.stringify(r)}\n`);
  };
  let printed = 0;
  const complain = (line: string, write: (l: string) => void) => {
    if (printed < MAX_PRINTED_ERRORS) write(line);
    else if (printed === MAX_PRINTED_ERRORS) write(`… further errors only${reportPath ? ` in ${reportPath}` : ' with --report FILE'}`);
    printed++;
  };
  const toStderr = (l: string) => process.stderr.write(`${l}\n`);

  try {
    const invalid = lines.filter((l) => l.error !== undefined);
    const valid = lines.filter((l) => l.body !== undefined);
    for (const l of invalid) {
      report({ line: l.line, code: 'invalid_line', detail: l.error });
      complain(`line ${l.line}: ${l.error}`, toStderr);
    }
    // Policy: without --partial, one bad line stops the whole import before anything is sent,
    // so a file is either logged whole or not at all (as far as the log allows).
    if (invalid.length > 0 && !partial) {
      for (const l of valid) report({ line: l.line, code: 'not_submitted', detail: 'the import was stopped by invalid lines' });
      toStderr(`lotproof import: ${invalid.length} of ${lines.length} lines are invalid; nothing was submitted (fix them, or pass --partial to submit the valid lines)`);
      return 1;
    }

    const progress = createProgress({ total: valid.length, label: 'import', mode: v.quiet === true ? 'off' : 'auto' });
    let next = 0;
    let accepted = 0;
    let stopped: string | undefined;
    const worker = async () => {
      while (next < valid.length && stopped === undefined) {
        const l = valid[next++]!;
        try {
          const a = await s.client.submit('batch.create', l.body!);
          accepted++;
          report({ line: l.line, seq: a.seq, hash: a.hash });
          progress.tick(true);
        } catch (e) {
          if (!(e instanceof RemoteError)) throw e;
          report({ line: l.line, code: e.code, detail: e.detail });
          complain(`line ${l.line}: ${e.code}: ${oneLine(e.detail)}`, (m) => progress.log(m));
          progress.tick(false);
          if (STOP_CODES.has(e.code) && stopped === undefined) stopped = `line ${l.line}: ${e.code}`;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, valid.length) }, worker));
    progress.done();
    for (const l of valid.slice(next)) report({ line: l.line, code: 'not_submitted', detail: `the import stopped after ${stopped}` });
    if (stopped) toStderr(`lotproof import: stopped after ${stopped}; ${valid.length - next} lines were not submitted`);
    say(`accepted ${accepted} of ${lines.length} lines${accepted < lines.length ? `; ${lines.length - accepted} not accepted` : ''}${reportPath ? `; report in ${reportPath}` : ''}`);
    return accepted === lines.length ? 0 : 1;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// ---------------------------------------------------------------------------------------------
// The commands
// ---------------------------------------------------------------------------------------------

const SUBMIT_TYPES = (Object.keys(bodySchemas) as (keyof typeof bodySchemas)[]).filter((t): t is BodyType => t !== 'log.init');

const commands: Record<string, Command> = {
  'actor register': {
    summary: 'register an actor and its public key (signed by the operator)',
    usage: `lotproof actor register --id ID --role producer|lab|certifier|carrier|retailer|authority --name NAME (--pub B64 | --pub-key-file FILE) [--accreditation-body B --accreditation-number N] ${OPERATOR_CONN}`,
    options: {
      ...connection,
      id: { type: 'string' },
      role: { type: 'string' },
      name: { type: 'string' },
      pub: { type: 'string' },
      'pub-key-file': { type: 'string' },
      'accreditation-body': { type: 'string' },
      'accreditation-number': { type: 'string' },
    },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const id = actorIdFlag(need(v, 'id'), '--id', false);
      const role = need(v, 'role');
      const name = need(v, 'name');
      const pubFlag = str(v, 'pub');
      const pubFile = str(v, 'pub-key-file');
      if ((pubFlag === undefined) === (pubFile === undefined)) {
        throw new UsageError("give the actor's public key with one of --pub B64 or --pub-key-file FILE");
      }
      const pub = pubFlag ?? readPublicKeyFile(pubFile!);
      const accBody = str(v, 'accreditation-body');
      const accNumber = str(v, 'accreditation-number');
      if ((accBody === undefined) !== (accNumber === undefined)) throw new UsageError('--accreditation-body and --accreditation-number go together');
      if ((role === 'lab' || role === 'certifier') && accBody === undefined) {
        throw new UsageError(`a ${role} must name its accreditation: --accreditation-body B --accreditation-number N`);
      }
      const body: Record<string, unknown> = { id, role, name, pub };
      if (accBody !== undefined) body.accreditation = { body: accBody, number: accNumber };
      checkLocally('actor.register', body);
      return submitAndPrint(v, signer(v, 'operator'), 'actor.register', body);
    },
  },

  'actor rotate': {
    summary: "replace an actor's key; --new-key FILE is created (mode 0600) if missing",
    usage: 'lotproof actor rotate --id ID --new-key FILE [--url URL] [--actor ID (default: --id)] --key CURRENT-KEY-FILE [--json]',
    options: { ...connection, id: { type: 'string' }, 'new-key': { type: 'string' } },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const id = actorIdFlag(need(v, 'id'), '--id', true);
      const newKeyPath = need(v, 'new-key', 'FILE (the new private key; created if missing)');
      // The current key is read first, so a bad --key never leaves a new key file behind.
      const s = signer(v, id);
      const { key: newKey, created } = loadOrCreateKeyFile(newKeyPath, true);
      if (equalBytes(newKey.publicKey, s.key.publicKey)) throw new UsageError(`${newKeyPath} is the key signing this rotation; a rotation needs a different key`);
      const pub = toBase64(newKey.publicKey);
      const body = { id, pub };
      checkLocally('actor.rotateKey', body);
      let a: Accepted;
      try {
        a = await s.client.submit('actor.rotateKey', body);
      } catch (e) {
        if (e instanceof RemoteError && created) {
          throw new RemoteError(e.code, `${e.detail} (the new key ${newKeyPath} was created but is not active)`, e.status);
        }
        throw e;
      }
      printAccepted(v, a, { pub });
      return 0;
    },
  },

  'actor revoke': {
    summary: 'revoke an actor: its key signs nothing more (signed by the operator)',
    usage: `lotproof actor revoke --id ID --reason TEXT ${OPERATOR_CONN}`,
    options: { ...connection, id: { type: 'string' }, reason: { type: 'string' } },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const body = { id: actorIdFlag(need(v, 'id'), '--id', false), reason: need(v, 'reason') };
      checkLocally('actor.revoke', body);
      return submitAndPrint(v, signer(v, 'operator'), 'actor.revoke', body);
    },
  },

  'batch create': {
    summary: 'create a batch (producer), from flags or --file body.json',
    usage: `lotproof batch create (--gtin GTIN --lot LOT --name NAME --category C --produced-on YYYY-MM-DD --amount N --uom KGM --country CC [--expires-on YYYY-MM-DD] [--ingredient TEXT ...] | --file body.json) ${CONN}`,
    options: {
      ...connection,
      file: { type: 'string' },
      gtin: { type: 'string' },
      lot: { type: 'string' },
      name: { type: 'string' },
      category: { type: 'string' },
      'produced-on': { type: 'string' },
      amount: { type: 'string' },
      uom: { type: 'string' },
      country: { type: 'string' },
      'expires-on': { type: 'string' },
      ingredient: { type: 'string', multiple: true },
    },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const flags = ['gtin', 'lot', 'name', 'category', 'produced-on', 'amount', 'uom', 'country', 'expires-on', 'ingredient'];
      const body = bodyFromFileOr(v, flags, () => {
        const b: Record<string, unknown> = {
          gtin: gtinFlag(need(v, 'gtin')),
          lot: need(v, 'lot'),
          product: { name: need(v, 'name'), category: need(v, 'category') },
          producedOn: need(v, 'produced-on', 'YYYY-MM-DD'),
          quantity: { amount: parseAmount(need(v, 'amount'), '--amount'), uom: need(v, 'uom', '(a UN/ECE Rec 20 code such as KGM)') },
          origin: { country: need(v, 'country', '(ISO 3166-1 alpha-2, e.g. CN)') },
        };
        const expires = str(v, 'expires-on');
        if (expires !== undefined) b.expiresOn = expires;
        const ingredients = list(v, 'ingredient');
        if (ingredients.length) b.ingredients = ingredients;
        return b;
      });
      checkLocally('batch.create', body);
      return submitAndPrint(v, signer(v), 'batch.create', body);
    },
  },

  'report issue': {
    summary: 'issue a lab report on a batch (lab, or the producer as a self-test); --document is uploaded first',
    usage: `lotproof report issue --id ID --batch 01/GTIN/10/LOT --issued-on YYYY-MM-DD --test 'name=…,result=…,verdict=pass|fail|info[,limit=…][,unit=…][,method=…]' ... --verdict pass|fail [--document FILE [--media-type TYPE]] ${CONN}`,
    options: {
      ...connection,
      id: { type: 'string' },
      batch: { type: 'string' },
      'issued-on': { type: 'string' },
      test: { type: 'string', multiple: true },
      verdict: { type: 'string' },
      document: { type: 'string' },
      'media-type': { type: 'string' },
    },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const tests = list(v, 'test').map(parseTestSpec);
      if (tests.length === 0) throw new UsageError("missing --test 'name=…,result=…,verdict=…' (one per test)");
      const doc = documentFlag(v);
      const body: Record<string, unknown> = {
        id: need(v, 'id'),
        batch: need(v, 'batch', '01/GTIN/10/LOT'),
        issuedOn: need(v, 'issued-on', 'YYYY-MM-DD'),
        tests,
        verdict: need(v, 'verdict', 'pass|fail'),
      };
      if (doc) body.document = doc.ref;
      checkLocally('labreport.issue', body);
      const s = signer(v);
      await upload(s, doc);
      return submitAndPrint(v, s, 'labreport.issue', body);
    },
  },

  'report revoke': {
    summary: 'revoke a lab report you signed',
    usage: `lotproof report revoke --report SIGNER/ID --reason TEXT ${CONN}`,
    options: { ...connection, report: { type: 'string' }, reason: { type: 'string' } },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const body = { report: need(v, 'report', 'SIGNER/ID'), reason: need(v, 'reason') };
      checkLocally('labreport.revoke', body);
      return submitAndPrint(v, signer(v), 'labreport.revoke', body);
    },
  },

  'cert issue': {
    summary: 'issue a certificate for an actor or a batch (certifier); --document is uploaded first',
    usage: `lotproof cert issue --id ID (--subject-actor ID | --subject-batch 01/GTIN/10/LOT) --standard TEXT --valid-from YYYY-MM-DD --valid-until YYYY-MM-DD [--scope TEXT ...] [--document FILE [--media-type TYPE]] ${CONN}`,
    options: {
      ...connection,
      id: { type: 'string' },
      'subject-actor': { type: 'string' },
      'subject-batch': { type: 'string' },
      standard: { type: 'string' },
      'valid-from': { type: 'string' },
      'valid-until': { type: 'string' },
      scope: { type: 'string', multiple: true },
      document: { type: 'string' },
      'media-type': { type: 'string' },
    },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const subjectActor = str(v, 'subject-actor');
      const subjectBatch = str(v, 'subject-batch');
      if ((subjectActor === undefined) === (subjectBatch === undefined)) {
        throw new UsageError('name the subject with one of --subject-actor ID or --subject-batch 01/GTIN/10/LOT');
      }
      const doc = documentFlag(v);
      const body: Record<string, unknown> = {
        id: need(v, 'id'),
        subject: subjectActor !== undefined ? { actor: subjectActor } : { batch: subjectBatch },
        standard: need(v, 'standard'),
        validFrom: need(v, 'valid-from', 'YYYY-MM-DD'),
        validUntil: need(v, 'valid-until', 'YYYY-MM-DD'),
      };
      const scope = list(v, 'scope');
      if (scope.length) body.scope = scope.length === 1 ? scope[0] : scope;
      if (doc) body.document = doc.ref;
      checkLocally('certificate.issue', body);
      if (String(body.validUntil) < String(body.validFrom)) throw new UsageError('--valid-until is before --valid-from');
      const s = signer(v);
      await upload(s, doc);
      return submitAndPrint(v, s, 'certificate.issue', body);
    },
  },

  'cert revoke': {
    summary: 'revoke a certificate you signed',
    usage: `lotproof cert revoke --certificate SIGNER/ID --reason TEXT ${CONN}`,
    options: { ...connection, certificate: { type: 'string' }, reason: { type: 'string' } },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const body = { certificate: need(v, 'certificate', 'SIGNER/ID'), reason: need(v, 'reason') };
      checkLocally('certificate.revoke', body);
      return submitAndPrint(v, signer(v), 'certificate.revoke', body);
    },
  },

  ship: {
    summary: 'ship part or all of a batch you hold to another actor',
    usage: `lotproof ship --id ID --batch 01/GTIN/10/LOT --to ACTOR --quantity N [--uom U] [--shipped-at RFC3339 (default now)] [--conditions TEXT] [--from-location TEXT] [--to-location TEXT] ${CONN}`,
    options: {
      ...connection,
      id: { type: 'string' },
      batch: { type: 'string' },
      to: { type: 'string' },
      quantity: { type: 'string' },
      uom: { type: 'string' },
      'shipped-at': { type: 'string' },
      conditions: { type: 'string' },
      'from-location': { type: 'string' },
      'to-location': { type: 'string' },
    },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const at = str(v, 'shipped-at');
      const body: Record<string, unknown> = {
        id: need(v, 'id'),
        batch: need(v, 'batch', '01/GTIN/10/LOT'),
        to: need(v, 'to', 'ACTOR'),
        quantity: quantityFlags(v, true),
        shippedAt: at === undefined ? formatTime(Date.now()) : parseTimeFlag(at, '--shipped-at'),
      };
      for (const [flag, field] of [['conditions', 'conditions'], ['from-location', 'fromLocation'], ['to-location', 'toLocation']] as const) {
        const x = str(v, flag);
        if (x !== undefined) body[field] = x;
      }
      checkLocally('handoff.ship', body);
      return submitAndPrint(v, signer(v), 'handoff.ship', body);
    },
  },

  receive: {
    summary: 'accept or reject a shipment addressed to you',
    usage: `lotproof receive --shipment SIGNER/ID --outcome accepted|rejected [--quantity N [--uom U]] [--received-at RFC3339 (default now)] [--conditions TEXT] [--note TEXT] ${CONN}`,
    options: {
      ...connection,
      shipment: { type: 'string' },
      outcome: { type: 'string' },
      quantity: { type: 'string' },
      uom: { type: 'string' },
      'received-at': { type: 'string' },
      conditions: { type: 'string' },
      note: { type: 'string' },
    },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const at = str(v, 'received-at');
      const body: Record<string, unknown> = {
        shipment: need(v, 'shipment', 'SIGNER/ID'),
        receivedAt: at === undefined ? formatTime(Date.now()) : parseTimeFlag(at, '--received-at'),
        outcome: need(v, 'outcome', 'accepted|rejected'),
      };
      const quantity = quantityFlags(v, false);
      if (quantity !== undefined) body.quantity = quantity;
      for (const f of ['conditions', 'note'] as const) {
        const x = str(v, f);
        if (x !== undefined) body[f] = x;
      }
      checkLocally('handoff.receive', body);
      return submitAndPrint(v, signer(v), 'handoff.receive', body);
    },
  },

  transform: {
    summary: 'turn batches you hold into new batches (producer), e.g. wheat into flour',
    usage: `lotproof transform (--input 01/GTIN/10/LOT=AMOUNT[ UOM] ... --output-file outputs.json | --file body.json) ${CONN}`,
    options: { ...connection, input: { type: 'string', multiple: true }, 'output-file': { type: 'string' }, file: { type: 'string' } },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const body = bodyFromFileOr(v, ['input', 'output-file'], () => {
        const inputs = list(v, 'input').map((spec) => {
          const eq = spec.lastIndexOf('=');
          const m = eq < 0 ? null : /^\s*(\S+)(?:\s+(\S+))?\s*$/.exec(spec.slice(eq + 1));
          if (!m) throw new UsageError(`--input ${JSON.stringify(spec)}: expected 01/GTIN/10/LOT=AMOUNT, optionally followed by a unit`);
          const amount = parseAmount(m[1]!, `--input ${spec}: the amount`);
          return { batch: spec.slice(0, eq), quantity: m[2] === undefined ? amount : { amount, uom: m[2] } };
        });
        if (inputs.length === 0) throw new UsageError('missing --input 01/GTIN/10/LOT=AMOUNT (one per input batch)');
        const outputsPath = need(v, 'output-file', '(a JSON array of batch.create bodies)');
        const outputs = readJson(outputsPath);
        if (!Array.isArray(outputs)) throw new UsageError(`${outputsPath} must hold a JSON array of batch.create bodies`);
        return { inputs, outputs };
      });
      checkLocally('batch.transform', body);
      return submitAndPrint(v, signer(v), 'batch.transform', body);
    },
  },

  'recall issue': {
    summary: 'recall batches (their producer, or an authority)',
    usage: `lotproof recall issue --id ID --batch 01/GTIN/10/LOT ... --class I|II|III --reason TEXT --instructions TEXT [--issued-on YYYY-MM-DD] ${CONN}`,
    options: {
      ...connection,
      id: { type: 'string' },
      batch: { type: 'string', multiple: true },
      class: { type: 'string' },
      reason: { type: 'string' },
      instructions: { type: 'string' },
      'issued-on': { type: 'string' },
    },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const batches = list(v, 'batch');
      if (batches.length === 0) throw new UsageError('missing --batch 01/GTIN/10/LOT (one per recalled batch)');
      const body: Record<string, unknown> = {
        id: need(v, 'id'),
        batches,
        class: need(v, 'class', 'I|II|III'),
        reason: need(v, 'reason'),
        instructions: need(v, 'instructions'),
      };
      const issuedOn = str(v, 'issued-on');
      if (issuedOn !== undefined) body.issuedOn = issuedOn;
      checkLocally('recall.issue', body);
      return submitAndPrint(v, signer(v), 'recall.issue', body);
    },
  },

  'recall close': {
    summary: 'close a recall you issued',
    usage: `lotproof recall close --recall SIGNER/ID --note TEXT ${CONN}`,
    options: { ...connection, recall: { type: 'string' }, note: { type: 'string' } },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const body = { recall: need(v, 'recall', 'SIGNER/ID'), note: need(v, 'note') };
      checkLocally('recall.close', body);
      return submitAndPrint(v, signer(v), 'recall.close', body);
    },
  },

  submit: {
    summary: 'sign and submit any record type, its body from a JSON file (- for stdin)',
    usage: `lotproof submit --type ${SUBMIT_TYPES.join('|')} --file body.json|- ${CONN}`,
    options: { ...connection, type: { type: 'string' }, file: { type: 'string' } },
    async run({ values: v, positionals }) {
      noPositionals(positionals);
      const type = need(v, 'type', 'TYPE');
      if (!(SUBMIT_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${SUBMIT_TYPES.join(', ')}`);
      const body = readBodyFile(need(v, 'file', 'body.json (or - for stdin)'));
      checkLocally(type as BodyType, body);
      return submitAndPrint(v, signer(v), type as BodyType, body);
    },
  },

  'document put': {
    summary: 'upload a document (PDF, image, text) and print the `document` object that names it',
    usage: `lotproof document put FILE [--media-type TYPE] ${CONN}`,
    options: { ...connection, 'media-type': { type: 'string' } },
    async run({ values: v, positionals }) {
      const doc = readDocument(onePositional(positionals, 'FILE'), str(v, 'media-type'));
      const s = signer(v);
      await upload(s, doc);
      if (v.json === true) {
        say(JSON.stringify(doc.ref));
      } else {
        say(doc.ref.sha256);
        say(JSON.stringify({ document: doc.ref }));
      }
      return 0;
    },
  },

  import: {
    summary: 'create many batches from a CSV or JSON-lines file, with a progress bar and a per-line report',
    usage:
      'lotproof import FILE [--format csv|jsonl] [--report FILE] [--partial] [--concurrency N (default 16)] [--quiet] [--url URL] --actor ID --key FILE\n' +
      `CSV header: ${CSV_COLUMNS.join(',')} (expiresOn optional); JSON lines: one batch.create body per line.\n` +
      'Without --partial, any invalid line stops the import before anything is submitted. Exit 0 only when every line was accepted.\n' +
      'The report has one JSON line per input line: {"line","seq","hash"} or {"line","code","detail"}.',
    options: {
      url: connection.url!,
      actor: connection.actor!,
      key: connection.key!,
      format: { type: 'string' },
      report: { type: 'string' },
      partial: { type: 'boolean' },
      concurrency: { type: 'string' },
      quiet: { type: 'boolean' },
    },
    run({ values: v, positionals }) {
      return runImport(v, positionals);
    },
  },
};

export const recordCommands: Record<string, Command> = Object.fromEntries(
  Object.entries(commands).map(([name, c]) => [name, reportingRefusals(name, c)]),
);
