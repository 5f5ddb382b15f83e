// `lotproof audit` and `lotproof export` (SPEC §6): verifying a log from the outside. The log is
// read through its c2sp.org/tlog-tiles entry bundles and level-0 hash tiles, every leaf is
// re-verified by src/ledger/audit.ts, the RFC 6962 root is recomputed and compared with the
// signed checkpoint (c2sp.org/tlog-checkpoint), and with --state each new checkpoint is proved
// consistent (RFC 9162 §2.1.4) with the last one verified. The bundle format is in docs/auditing.md.
import { once } from 'node:events';
import { closeSync, createReadStream, createWriteStream, openSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Readable, Writable } from 'node:stream';
import { fromBase64, fromUtf8, toBase64 } from '../core/bytes.ts';
import { parseCheckpointBody, type Checkpoint } from '../core/checkpoint.ts';
import { parseNote } from '../core/note.ts';
import { decodeEntryBundle, entriesTilePath, splitTileHashes, tilePath, TILE_WIDTH } from '../core/tiles.ts';
import {
  AUDIT_NOT_REPLAYED,
  AuditFailure,
  checkConsistency,
  logIdentity,
  LogVerifier,
  openLogCheckpoint,
  type ExpectedTree,
  type LogIdentity,
} from '../ledger/audit.ts';
import { UsageError, type Command } from './command.ts';
import { availableParallelism } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createLeafCheckPool, type LeafCheckPool, type TileChecks } from './audit-pool.ts';
import { createProgress, type Progress, type ProgressStream } from './progress.ts';

export const BUNDLE_FORMAT = 'lotproof-bundle/v1';
export const STATE_FORMAT = 'lotproof-audit-state/v1';

/** Exit codes: 0 verified, 1 a verification failed, 2 usage, 3 the log could not be reached. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_UNREACHABLE = 3;

/**
 * Entry bundles fetched (and checked on the worker threads) ahead of the one being verified:
 * two per worker on a 2-core machine kept the same rate as eight (scripts/bench: audit) with
 * less memory. Memory: at most this many tiles.
 */
const PREFETCH_TILES = 4;

/**
 * Policy: the auditor's resident memory stays flat however long the log (issue 5: at most
 * 256 MB at 1,000,000 entries). V8 frees the buffers of tiles already verified only at a full
 * collection, which it puts off until tens of megabytes of them are dead, so the auditor asks
 * for one every GC_EVERY_TILES tiles (about 8,000 entries; tens of milliseconds each, a few % of
 * the run). Without access to the collector (a runtime that refuses the flag), it leaves V8 to
 * its own pace.
 */
const GC_EVERY_TILES = 32;
let gc: (() => void) | null | undefined;
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
      if (typeof gc !== 'function') gc = null;
    } catch {
      gc = null;
    }
  }
  gc?.();
}
const REQUEST_TIMEOUT_MS = 60_000;
const MAX_RETRIES = 5;

export interface AuditIo {
  stdout: { write(chunk: string): unknown };
  stderr: ProgressStream;
  fetch: typeof fetch;
  /** Ends a --watch loop (exit 0) when aborted. */
  signal?: AbortSignal;
  now: () => number;
}

function defaultIo(signal?: AbortSignal): AuditIo {
  return { stdout: process.stdout, stderr: process.stderr, fetch: globalThis.fetch, now: Date.now, ...(signal ? { signal } : {}) };
}

/** The log could not be reached, or answered with something other than HTTP. Not a verdict. */
export class UnreachableError extends Error {}

/** An HTTP answer other than 2xx, with the problem's code when it sent one (RFC 9457). */
class HttpStatusError extends Error {
  constructor(
    readonly path: string,
    readonly status: number,
    readonly detail: string,
  ) {
    super(`GET ${path} answered ${status}${detail ? ` (${detail})` : ''}`);
  }
}

/** Reads the log's public endpoints relative to its base URL. */
class LogReader {
  constructor(
    readonly base: string,
    readonly io: AuditIo,
  ) {}

  /**
   * GETs a path. Policy: 429 and 503 are the log asking for patience, not a verdict; they are
   * retried after Retry-After (at most 30 s, 5 times), then reported as unreachable.
   */
  async bytes(path: string): Promise<Uint8Array> {
    const url = `${this.base.replace(/\/+$/, '')}${path}`;
    for (let attempt = 0; ; attempt++) {
      const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
      const signal = this.io.signal ? AbortSignal.any([this.io.signal, timeout]) : timeout;
      let res: Response;
      let body: Uint8Array;
      try {
        res = await this.io.fetch(url, { signal, headers: { accept: '*/*' } });
        body = new Uint8Array(await res.arrayBuffer());
      } catch (e) {
        const cause = (e as { cause?: { code?: string; message?: string } }).cause;
        throw new UnreachableError(`cannot read ${url}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
      }
      if (res.ok) return body;
      if (res.status === 429 || res.status === 503) {
        if (attempt >= MAX_RETRIES) throw new UnreachableError(`${url} keeps answering ${res.status}; try again later`);
        const after = Number(res.headers.get('retry-after'));
        const waitS = Math.min(Number.isFinite(after) && after > 0 ? after : 1, 30);
        try {
          await sleep(waitS * 1000, undefined, this.io.signal ? { signal: this.io.signal } : {});
        } catch {
          throw new UnreachableError(`stopped while waiting to retry ${url}`);
        }
        continue;
      }
      let detail = '';
      try {
        const p = JSON.parse(fromUtf8(body)) as { code?: unknown; detail?: unknown };
        if (typeof p.code === 'string') detail = `${p.code}: ${String(p.detail ?? '')}`;
      } catch {
        detail = '';
      }
      throw new HttpStatusError(path, res.status, detail);
    }
  }

  async text(path: string): Promise<string> {
    const b = await this.bytes(path);
    try {
      return fromUtf8(b);
    } catch {
      throw new AuditFailure('bad_response', null, `GET ${path} is not UTF-8 text`);
    }
  }
}

/** Runs fn, turning an HTTP refusal into an audit failure at `index` (the log must serve it). */
async function must<T>(index: number | null, what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof HttpStatusError) throw new AuditFailure('bad_response', index, `the log did not serve ${what}: ${e.message}`);
    throw e;
  }
}

async function fetchCheckpoint(log: LogReader, id: LogIdentity): Promise<{ cp: Checkpoint; note: string }> {
  const note = await must(null, 'its checkpoint', () => log.text('/log/checkpoint'));
  return { cp: openLogCheckpoint(note, id, `the checkpoint served at ${log.base}/log/checkpoint`), note };
}

async function fetchConsistency(log: LogReader, oldSize: number, newSize: number): Promise<Uint8Array[]> {
  if (oldSize === 0 || oldSize === newSize) return [];
  const path = `/log/proof/consistency?old=${oldSize}&new=${newSize}`;
  const text = await must(null, `a consistency proof from ${oldSize} to ${newSize}`, () => log.text(path));
  let hashes: unknown;
  try {
    hashes = (JSON.parse(text) as { hashes?: unknown }).hashes;
  } catch {
    hashes = undefined;
  }
  const proof = Array.isArray(hashes) ? hashes.map((h) => (typeof h === 'string' ? fromBase64(h) : undefined)) : undefined;
  if (!proof || proof.some((h) => h?.length !== 32)) {
    throw new AuditFailure('bad_response', null, `GET ${path} is not a list of base64 hashes`);
  }
  return proof as Uint8Array[];
}

interface TileLeaves {
  start: number;
  leaves: Uint8Array[];
  hashes: Uint8Array[];
  /** What the pool verified of the leaves ahead, if there is a pool. */
  checks: TileChecks | undefined;
  width: number;
  path: string;
}

/**
 * Fetches entry bundle n and its level-0 hash tile for a tree of `size` leaves, and has the
 * pool check its leaves' stateless properties ahead, in parallel with the verifier.
 */
async function fetchTile(log: LogReader, n: number, size: number, pool?: LeafCheckPool): Promise<TileLeaves> {
  const start = n * TILE_WIDTH;
  const width = Math.min(TILE_WIDTH, size - start);
  const path = entriesTilePath(n, width);
  const hashPath = tilePath(0, n, width);
  const [bundle, tile] = await Promise.all([
    must(start, `the entry bundle ${path}`, () => log.bytes(`/log/${path}`)),
    must(start, `the hash tile ${hashPath}`, () => log.bytes(`/log/${hashPath}`)),
  ]);
  let leaves: Uint8Array[];
  try {
    // Decoded without the width check, so that a missing entry is blamed on its own index.
    leaves = decodeEntryBundle(bundle);
  } catch (e) {
    throw new AuditFailure('invalid_entry_bundle', start, `${path} is not an entry bundle: ${(e as Error).message}`);
  }
  let hashes: Uint8Array[];
  try {
    hashes = splitTileHashes(tile, width);
  } catch (e) {
    throw new AuditFailure('invalid_hash_tile', start, `${hashPath} is not a hash tile of width ${width}: ${(e as Error).message}`);
  }
  const checks = pool ? await pool.check(leaves, hashes) : undefined;
  return { start, leaves, hashes, width, path, checks };
}

/**
 * Streams leaves [from, size) into the verifier, tile by tile, a few tiles ahead. Memory is
 * bounded by PREFETCH_TILES entry bundles whatever the size of the log.
 */
async function verifyTiles(log: LogReader, verifier: LogVerifier, from: number, size: number, progress: Progress, pool?: LeafCheckPool): Promise<void> {
  if (from >= size) return;
  const first = Math.floor(from / TILE_WIDTH);
  const last = Math.ceil(size / TILE_WIDTH) - 1;
  const queue: Promise<TileLeaves>[] = [];
  let next = first;
  const fill = () => {
    while (next <= last && queue.length < PREFETCH_TILES) {
      const p = fetchTile(log, next++, size, pool);
      // Handled when awaited in order; this only keeps an early rejection from being "unhandled".
      p.catch(() => {});
      queue.push(p);
    }
  };
  fill();
  while (queue.length > 0) {
    const t = await queue.shift()!;
    fill();
    if (t.start % (GC_EVERY_TILES * TILE_WIDTH) === 0) collectGarbage();
    const upto = Math.min(t.leaves.length, t.width);
    for (let k = Math.max(0, verifier.size - t.start); k < upto; k++) {
      verifier.push(t.leaves[k]!, t.hashes[k], t.checks?.checked[k]);
      progress.tick(true);
    }
    t.checks?.release();
    if (t.leaves.length !== t.width) {
      const missing = t.start + upto;
      throw new AuditFailure(
        'missing_entry',
        missing,
        t.leaves.length < t.width
          ? `missing from the log: ${t.path} holds ${t.leaves.length} entries, not ${t.width}`
          : `${t.path} holds ${t.leaves.length} entries, more than its width ${t.width}`,
      );
    }
  }
}

/** What --state keeps between runs: the last verified checkpoint, and the key pinned with it. */
export interface AuditState {
  format: typeof STATE_FORMAT;
  origin: string;
  logKey: string;
  size: number;
  /** base64 */
  root: string;
  /** base64 perfect-subtree roots of the tree, largest first: they locate a rewritten history. */
  peaks: string[];
  note: string;
  verifiedAt: string;
}

function readState(path: string): AuditState | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new UsageError(`cannot read the state file ${path}: ${(e as Error).message}`);
  }
  let s: AuditState;
  try {
    s = JSON.parse(text) as AuditState;
  } catch {
    throw new UsageError(`${path} is not a lotproof audit state file (not JSON)`);
  }
  if (s?.format !== STATE_FORMAT || typeof s.logKey !== 'string' || typeof s.note !== 'string' || !Array.isArray(s.peaks)) {
    throw new UsageError(`${path} is not a ${STATE_FORMAT} file`);
  }
  return s;
}

/** Checks the state file against its own pinned key: a corrupted or edited state is refused. */
function stateTree(s: AuditState, path: string): { id: LogIdentity; tree: ExpectedTree } {
  const id = logIdentity(s.logKey);
  const cp = openLogCheckpoint(s.note, id, `the checkpoint saved in ${path}`);
  const peaks = s.peaks.map((p) => fromBase64(p));
  if (cp.size !== s.size || toBase64(cp.root) !== s.root || peaks.some((p) => p?.length !== 32)) {
    throw new AuditFailure('invalid_state', null, `${path} is damaged: its size, root or subtree hashes do not match its checkpoint`);
  }
  return { id, tree: { size: cp.size, root: cp.root, peaks: peaks as Uint8Array[], label: `the checkpoint verified before (${path})` } };
}

function writeState(path: string, id: LogIdentity, note: string, cp: Checkpoint, verifier: LogVerifier, now: number): void {
  const s: AuditState = {
    format: STATE_FORMAT,
    origin: id.origin,
    logKey: id.logKey,
    size: cp.size,
    root: toBase64(cp.root),
    peaks: verifier.peaks().map(toBase64),
    note,
    verifiedAt: new Date(now).toISOString(),
  };
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(s, null, 2)}\n`, { mode: 0o644 });
  renameSync(tmp, path);
}

export interface AuditOptions {
  url?: string;
  key?: string;
  state?: string;
  json?: boolean;
  watch?: boolean;
  /** Seconds between polls with watch. Default 30. */
  intervalSeconds?: number;
  bundle?: string;
}

/** The one JSON object `--json` prints (one per checkpoint with --watch). */
export interface AuditReport {
  ok: boolean;
  origin: string | null;
  size: number | null;
  root: string | null;
  checked: number;
  firstBad: { index: number | null; code: string; reason: string } | null;
}

function makeProgress(io: AuditIo, total: number, label: string): Progress {
  return createProgress({ total, label, stream: io.stderr, mode: io.stderr.isTTY ? 'auto' : 'off', now: io.now });
}

class Reporter {
  origin: string | null = null;
  size: number | null = null;
  root: string | null = null;
  constructor(
    readonly io: AuditIo,
    readonly json: boolean,
  ) {}

  notice(line: string): void {
    this.io.stderr.write(`lotproof audit: ${line}\n`);
  }

  ok(checked: number, lines: string[]): void {
    if (this.json) this.#json({ ok: true, checked, firstBad: null });
    else this.io.stdout.write(`${lines.join('\n')}\n`);
  }

  failed(checked: number, f: AuditFailure): number {
    if (this.json) this.#json({ ok: false, checked, firstBad: { index: f.index, code: f.code, reason: f.message } });
    else this.io.stdout.write(`lotproof audit: FAILED: ${f.message}\n`);
    return EXIT_FAILED;
  }

  #json(r: Omit<AuditReport, 'origin' | 'size' | 'root'>): void {
    const out: AuditReport = { ok: r.ok, origin: this.origin, size: this.size, root: this.root, checked: r.checked, firstBad: r.firstBad };
    this.io.stdout.write(`${JSON.stringify(out)}\n`);
  }
}

function notReplayedLine(): string {
  return `  not replayed: ${AUDIT_NOT_REPLAYED.join('; ')}`;
}

/** Verifies a running log (or, with `bundle`, an exported bundle). Resolves with the exit code. */
export async function runAudit(opts: AuditOptions, io: AuditIo = defaultIo()): Promise<number> {
  if (opts.bundle !== undefined) {
    if (opts.url !== undefined || opts.state !== undefined || opts.watch) {
      throw new UsageError('--bundle verifies a file offline; it does not take --url, --state or --watch');
    }
    return auditBundle(opts.bundle, opts, io);
  }
  if (typeof opts.url !== 'string' || opts.url === '') throw new UsageError('audit needs --url URL or --bundle FILE');
  const interval = opts.intervalSeconds ?? 30;
  if (!(interval > 0)) throw new UsageError('--interval is a positive number of seconds');
  const out = new Reporter(io, opts.json === true);
  const log = new LogReader(opts.url, io);
  // Each leaf's stateless checks (JCS form, hashes, the signature with OpenSSL, which agrees with
  // noble on every published vector: test/core/ed25519.test.ts) run ahead on one worker thread
  // per core, while this thread does the order-dependent ones, which are light.
  const pool = await createLeafCheckPool(Math.max(1, availableParallelism()));
  let verifier: LogVerifier | undefined;
  try {
    const saved = opts.state !== undefined ? readState(opts.state) : undefined;
    const previous = saved ? stateTree(saved, opts.state!) : undefined;
    let id: LogIdentity;
    if (opts.key !== undefined) {
      id = logIdentity(opts.key);
      if (previous && previous.id.logKey !== id.logKey) {
        throw new UsageError(`--key is not the key pinned in ${opts.state} (${previous.id.logKey}); remove the state file to pin another`);
      }
    } else if (previous) {
      id = previous.id;
    } else {
      const served = (await must(null, 'its key', () => log.text('/log/key'))).trim();
      id = logIdentity(served);
      out.notice(
        `trusting the log key served at ${opts.url}/log/key on first use: ${id.logKey}` +
          (opts.state !== undefined ? ` (pinned in ${opts.state} from now on)` : '; pass --key or --state to pin it'),
      );
    }
    out.origin = id.origin;

    const { cp, note } = await fetchCheckpoint(log, id);
    out.size = cp.size;
    out.root = toBase64(cp.root);
    verifier = new LogVerifier(id);
    let pending: AuditFailure | undefined;
    if (previous) {
      verifier.expect(previous.tree);
      if (cp.size < previous.tree.size) checkConsistency(previous.tree, cp, []);
      try {
        checkConsistency(previous.tree, cp, await fetchConsistency(log, previous.tree.size, cp.size));
      } catch (e) {
        // Streaming the entries usually names the first rewritten entry; if not, this stands.
        if (!(e instanceof AuditFailure)) throw e;
        pending = e;
      }
    }
    verifier.expect({ size: cp.size, root: cp.root, label: `the checkpoint signed for size ${cp.size}` });
    const progress = makeProgress(io, cp.size, 'lotproof audit');
    try {
      await verifyTiles(log, verifier, 0, cp.size, progress, pool);
    } finally {
      progress.done();
    }
    if (pending) throw pending;
    if (opts.state !== undefined) writeState(opts.state, id, note, cp, verifier, io.now());
    out.ok(verifier.size, [
      `lotproof audit: OK: ${id.origin} at size ${cp.size}, root ${toBase64(cp.root)}`,
      `  ${verifier.size} entries re-verified (leaf bytes, seq and prev chain, statement signatures and bodies, signer keys and roles) and their root matches the signed checkpoint`,
      ...(previous ? [`  consistent with the checkpoint of size ${previous.tree.size} verified before (${opts.state})`] : []),
      notReplayedLine(),
    ]);
    if (!opts.watch) return EXIT_OK;
    return await watch(log, id, verifier, { cp, note }, opts, interval, out, io, pool);
  } catch (e) {
    if (e instanceof AuditFailure) return out.failed(verifier?.size ?? 0, e);
    if (e instanceof UnreachableError) {
      io.stderr.write(`lotproof audit: ${e.message}\n`);
      return EXIT_UNREACHABLE;
    }
    throw e;
  } finally {
    await pool.close();
  }
}

/**
 * --watch: polls the checkpoint, proves each new one consistent with the last verified one,
 * verifies the new entries with the same verifier (so the prev chain and the actor replay carry
 * on), and stops at the first failure. Network errors are reported and retried.
 */
async function watch(
  log: LogReader,
  id: LogIdentity,
  verifier: LogVerifier,
  start: { cp: Checkpoint; note: string },
  opts: AuditOptions,
  interval: number,
  out: Reporter,
  io: AuditIo,
  pool?: LeafCheckPool,
): Promise<number> {
  // `last` is the newest checkpoint whose signature and consistency verified; the verifier may
  // lag behind it when a network error interrupted the entries, and catches up on the next poll.
  let last = start;
  for (;;) {
    try {
      await sleep(interval * 1000, undefined, io.signal ? { signal: io.signal } : {});
    } catch {
      return EXIT_OK;
    }
    const lastTree: ExpectedTree = { size: last.cp.size, root: last.cp.root, label: `the checkpoint of size ${last.cp.size} verified before` };
    let next: { cp: Checkpoint; note: string };
    let proof: Uint8Array[];
    try {
      next = await fetchCheckpoint(log, id);
      if (next.cp.size < last.cp.size) checkConsistency(lastTree, next.cp, []);
      proof = await fetchConsistency(log, last.cp.size, next.cp.size);
    } catch (e) {
      if (!(e instanceof UnreachableError)) throw e;
      if (io.signal?.aborted) return EXIT_OK;
      out.notice(`${e.message}; retrying in ${interval} s`);
      continue;
    }
    let pending: AuditFailure | undefined;
    try {
      checkConsistency(lastTree, next.cp, proof);
    } catch (e) {
      // The new entries are still read: their prev chain usually names the first bad one.
      if (!(e instanceof AuditFailure)) throw e;
      pending = e;
    }
    if (!pending && next.cp.size === last.cp.size && verifier.size === last.cp.size) continue;
    out.size = next.cp.size;
    out.root = toBase64(next.cp.root);
    const from = verifier.size;
    if (next.cp.size > from) verifier.expect({ size: next.cp.size, root: next.cp.root, label: `the checkpoint signed for size ${next.cp.size}` });
    if (!pending) last = next;
    const progress = makeProgress(io, next.cp.size - from, 'lotproof audit');
    try {
      await verifyTiles(log, verifier, from, next.cp.size, progress, pool);
    } catch (e) {
      if (!(e instanceof UnreachableError) || pending) throw e;
      if (io.signal?.aborted) return EXIT_OK;
      out.notice(`${e.message}; retrying in ${interval} s`);
      continue;
    } finally {
      progress.done();
    }
    if (pending) throw pending;
    if (opts.state !== undefined) writeState(opts.state, id, next.note, next.cp, verifier, io.now());
    out.ok(verifier.size, [
      `lotproof audit: OK: size ${from} -> ${next.cp.size}, root ${toBase64(next.cp.root)}: consistent, ${next.cp.size - from} new entries verified`,
    ]);
  }
}

// ---- Bundles -------------------------------------------------------------------------------

/** The first line of a bundle. */
export interface BundleHeader {
  format: typeof BUNDLE_FORMAT;
  origin: string;
  /** The C2SP verifier key string of the log key. */
  logKey: string;
  /** Number of leaves in the bundle: the size of its last checkpoint. */
  size: number;
  exportedAt: string;
  /** Where it was exported from; informative only. */
  source?: string;
}

export interface BundleCheckpoint {
  size: number;
  root: string;
  signedAt: string;
  note: string;
}

async function* pagedCheckpoints(log: LogReader, upto: number): AsyncGenerator<BundleCheckpoint> {
  let start = 0;
  for (;;) {
    const text = await must(null, 'its list of checkpoints', () => log.text(`/log/checkpoints?start=${start}&limit=1000`));
    const lines = text.split('\n').filter((l) => l !== '');
    if (lines.length === 0) return;
    for (const line of lines) {
      let cp: BundleCheckpoint;
      try {
        cp = JSON.parse(line) as BundleCheckpoint;
      } catch {
        throw new AuditFailure('bad_response', null, '/log/checkpoints answered a line that is not JSON');
      }
      if (!Number.isSafeInteger(cp?.size) || cp.size < start) {
        throw new AuditFailure('bad_response', null, '/log/checkpoints answered out of order');
      }
      if (cp.size > upto) return;
      yield cp;
      start = cp.size + 1;
    }
  }
}

export interface ExportOptions {
  url: string;
  out: string;
  key?: string;
}

/** Writes a bundle of the log as of its latest checkpoint. Resolves with the exit code. */
export async function runExport(opts: ExportOptions, io: AuditIo = defaultIo()): Promise<number> {
  const log = new LogReader(opts.url, io);
  const tmp = `${opts.out}.tmp-${process.pid}`;
  const file = createWriteStream(tmp, { mode: 0o644 });
  const gzip = opts.out.endsWith('.gz') ? createGzip() : undefined;
  // A file that cannot be written (no such directory, no permission, a full disk) is reported,
  // never thrown as an unhandled 'error' event; gzip is stopped with it, so no write waits on it.
  let writeError: Error | undefined;
  file.on('error', (e) => {
    writeError ??= e;
    gzip?.destroy(e);
  });
  gzip?.on('error', (e) => void (writeError ??= e));
  if (gzip) gzip.pipe(file);
  const sink: Writable = gzip ?? file;
  const write = async (line: string) => {
    if (writeError) throw writeError;
    if (!sink.write(`${line}\n`)) await once(sink, 'drain');
  };
  try {
    try {
      await once(file, 'open');
    } catch (e) {
      throw new UsageError(`cannot create ${tmp} (to become ${opts.out}): ${(e as Error).message}`);
    }
    const key = opts.key ?? (await must(null, 'its key', () => log.text('/log/key'))).trim();
    const id = logIdentity(key);
    const note = await must(null, 'its checkpoint', () => log.text('/log/checkpoint'));
    let head: Checkpoint;
    try {
      head = parseCheckpointBody(parseNote(note).text);
    } catch (e) {
      throw new AuditFailure('bad_response', null, `the checkpoint served is malformed: ${(e as Error).message}`);
    }
    const header: BundleHeader = { format: BUNDLE_FORMAT, origin: id.origin, logKey: id.logKey, size: head.size, exportedAt: new Date(io.now()).toISOString(), source: opts.url };
    await write(JSON.stringify(header));
    const checkpoints = pagedCheckpoints(log, head.size);
    let cpNext = await checkpoints.next();
    let cpCount = 0;
    const flushCheckpoints = async (size: number) => {
      while (!cpNext.done && cpNext.value.size <= size) {
        await write(JSON.stringify({ checkpoint: cpNext.value }));
        cpCount++;
        cpNext = await checkpoints.next();
      }
    };
    await flushCheckpoints(0);
    const progress = makeProgress(io, head.size, 'lotproof export');
    try {
      for (let n = 0; n * TILE_WIDTH < head.size; n++) {
        const start = n * TILE_WIDTH;
        const width = Math.min(TILE_WIDTH, head.size - start);
        const path = entriesTilePath(n, width);
        const leaves = decodeEntryBundle(await must(start, path, () => log.bytes(`/log/${path}`)));
        // Exported as served, even if wrong: the bundle is evidence; audit --bundle judges it.
        for (let k = 0; k < leaves.length; k++) {
          await write(JSON.stringify({ leaf: toBase64(leaves[k]!) }));
          progress.tick(true);
          await flushCheckpoints(start + k + 1);
        }
      }
    } finally {
      progress.done();
    }
    await write(JSON.stringify({ end: { leaves: head.size, checkpoints: cpCount } }));
    sink.end();
    await once(file, 'close');
    if (writeError) throw writeError;
    renameSync(tmp, opts.out);
    io.stdout.write(`lotproof export: wrote ${opts.out}: ${head.size} entries and ${cpCount} checkpoints of ${id.origin}\n`);
    return EXIT_OK;
  } catch (e) {
    sink.destroy();
    file.destroy();
    rmSync(tmp, { force: true });
    if (e instanceof UnreachableError) {
      io.stderr.write(`lotproof export: ${e.message}\n`);
      return EXIT_UNREACHABLE;
    }
    if (e instanceof AuditFailure) {
      io.stderr.write(`lotproof export: ${e.message}\n`);
      return EXIT_FAILED;
    }
    if (e === writeError || (e as NodeJS.ErrnoException).syscall === 'rename') {
      io.stderr.write(`lotproof export: cannot write ${opts.out}: ${(e as Error).message}\n`);
      return EXIT_FAILED;
    }
    throw e;
  }
}

async function openBundle(path: string): Promise<Readable> {
  // gzip'd bundles are recognised by their magic bytes, whatever the file is called.
  const magic = Buffer.alloc(2);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, magic, 0, 2, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new UsageError(`cannot read the bundle ${path}: ${(e as Error).message}`);
  }
  const raw = createReadStream(path);
  return magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
}

function bundleLine(line: string, n: number): Record<string, unknown> {
  try {
    const v = JSON.parse(line) as unknown;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new AuditFailure('invalid_bundle', null, `line ${n} of the bundle is not a JSON object`);
}

/**
 * Verifies a bundle offline: the header's key (or the pinned --key), every checkpoint's
 * signature, every leaf as the live audit does, and every checkpoint's root against the root
 * recomputed at its size, so all of them are proved consistent with one another.
 */
async function auditBundle(path: string, opts: AuditOptions, io: AuditIo): Promise<number> {
  const out = new Reporter(io, opts.json === true);
  const input = await openBundle(path);
  const lines = createInterface({ input, crlfDelay: Infinity });
  let verifier: LogVerifier | undefined;
  let progress: Progress | undefined;
  try {
    let n = 0;
    let header: BundleHeader | undefined;
    let id: LogIdentity | undefined;
    let lastCheckpoint = -1;
    let checkpoints = 0;
    let ended = false;
    for await (const line of lines) {
      n++;
      const obj = bundleLine(line, n);
      if (!header) {
        header = obj as unknown as BundleHeader;
        if (header.format !== BUNDLE_FORMAT) throw new AuditFailure('invalid_bundle', null, `the bundle does not start with a ${BUNDLE_FORMAT} header`);
        if (!Number.isSafeInteger(header.size) || header.size < 0) throw new AuditFailure('invalid_bundle', null, 'the bundle header has no size');
        if (opts.key !== undefined) {
          id = logIdentity(opts.key);
          if (header.logKey !== id.logKey) {
            throw new AuditFailure('wrong_key', null, `the bundle is of the log with key ${String(header.logKey)}, not the pinned ${id.logKey}`);
          }
        } else {
          id = logIdentity(String(header.logKey));
          out.notice(`trusting the log key named in the bundle: ${id.logKey}; pass --key to pin it`);
        }
        if (header.origin !== id.origin) throw new AuditFailure('invalid_bundle', null, `the bundle's origin ${JSON.stringify(header.origin)} is not the key's name`);
        out.origin = id.origin;
        out.size = header.size;
        verifier = new LogVerifier(id);
        progress = makeProgress(io, header.size, 'lotproof audit');
        continue;
      }
      if (ended) throw new AuditFailure('invalid_bundle', null, `line ${n}: the bundle goes on after its end line`);
      if (typeof obj.leaf === 'string') {
        const leaf = fromBase64(obj.leaf);
        if (!leaf) throw new AuditFailure('invalid_bundle', verifier!.size, `line ${n}: the leaf is not base64`);
        if (verifier!.size >= header.size) throw new AuditFailure('invalid_bundle', verifier!.size, `more leaves than the ${header.size} the header announces`);
        verifier!.push(leaf);
        progress!.tick(true);
      } else if (typeof obj.checkpoint === 'object' && obj.checkpoint !== null) {
        const c = obj.checkpoint as BundleCheckpoint;
        const cp = openLogCheckpoint(String(c.note), id!, `the checkpoint on line ${n} of the bundle`);
        if (cp.size !== c.size || toBase64(cp.root) !== c.root) {
          throw new AuditFailure('invalid_bundle', null, `line ${n}: the checkpoint's size and root are not those its note signs`);
        }
        if (cp.size <= lastCheckpoint) throw new AuditFailure('invalid_bundle', null, `line ${n}: checkpoints must come in increasing size`);
        if (cp.size > verifier!.size) {
          throw new AuditFailure('missing_entry', verifier!.size, `missing from the bundle: line ${n} is the checkpoint of size ${cp.size}, after only ${verifier!.size} leaves`);
        }
        if (cp.size < verifier!.size) {
          throw new AuditFailure('invalid_bundle', null, `line ${n}: the checkpoint of size ${cp.size} must follow leaf ${cp.size - 1}, not leaf ${verifier!.size - 1}`);
        }
        verifier!.expect({ size: cp.size, root: cp.root, label: `the checkpoint signed for size ${cp.size}` });
        lastCheckpoint = cp.size;
        checkpoints++;
        out.root = toBase64(cp.root);
      } else if (typeof obj.end === 'object' && obj.end !== null) {
        const end = obj.end as { leaves?: unknown; checkpoints?: unknown };
        if (end.leaves !== verifier!.size || end.checkpoints !== checkpoints) {
          throw new AuditFailure('invalid_bundle', null, `the bundle's end line counts ${String(end.leaves)} leaves and ${String(end.checkpoints)} checkpoints; it holds ${verifier!.size} and ${checkpoints}`);
        }
        ended = true;
      } else {
        throw new AuditFailure('invalid_bundle', null, `line ${n}: neither a leaf, a checkpoint nor the end`);
      }
    }
    if (!header) throw new AuditFailure('invalid_bundle', null, 'the bundle is empty');
    if (!ended) throw new AuditFailure('truncated_bundle', verifier!.size, 'the bundle ends before its end line: it was truncated');
    if (verifier!.size !== header.size) throw new AuditFailure('invalid_bundle', null, `the bundle holds ${verifier!.size} leaves, not ${header.size}`);
    if (lastCheckpoint !== header.size) throw new AuditFailure('invalid_bundle', null, `no checkpoint of the bundle's size ${header.size}`);
    progress?.done();
    out.ok(verifier!.size, [
      `lotproof audit: OK: bundle ${path} of ${id!.origin} at size ${header.size}, root ${out.root}`,
      `  ${verifier!.size} entries re-verified and ${checkpoints} signed checkpoints, each matching the root recomputed at its size`,
      notReplayedLine(),
    ]);
    return EXIT_OK;
  } catch (e) {
    progress?.done();
    if (e instanceof AuditFailure) return out.failed(verifier?.size ?? 0, e);
    throw e;
  } finally {
    lines.close();
    input.destroy();
  }
}

// ---- Commands ------------------------------------------------------------------------------

/** --key, checked as it is read: a mistyped key is a usage error, not a log that failed. */
function keyFlag(v: unknown): { key?: string } {
  const key = str(v);
  if (key === undefined) return {};
  try {
    logIdentity(key);
  } catch (e) {
    throw new UsageError(`--key: ${(e as Error).message}`);
  }
  return { key };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export const auditCommands: Record<string, Command> = {
  audit: {
    summary: 'verify a log from the outside: every entry, the root, the checkpoint signature and consistency',
    usage: 'lotproof audit (--url URL [--key VKEY] [--state FILE] [--watch [--interval SECONDS]] | --bundle FILE [--key VKEY]) [--json]',
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      state: { type: 'string' },
      json: { type: 'boolean' },
      watch: { type: 'boolean' },
      interval: { type: 'string' },
      bundle: { type: 'string' },
    },
    async run({ values, positionals }) {
      if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
      const interval = str(values.interval);
      if (interval !== undefined && !values.watch) throw new UsageError('--interval goes with --watch');
      const seconds = interval === undefined ? undefined : Number(interval);
      if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) throw new UsageError('--interval is a positive number of seconds');
      const controller = new AbortController();
      const stop = () => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        return await runAudit(
          {
            ...(str(values.url) !== undefined ? { url: str(values.url)! } : {}),
            ...keyFlag(values.key),
            ...(str(values.state) !== undefined ? { state: str(values.state)! } : {}),
            ...(str(values.bundle) !== undefined ? { bundle: str(values.bundle)! } : {}),
            ...(seconds !== undefined ? { intervalSeconds: seconds } : {}),
            json: values.json === true,
            watch: values.watch === true,
          },
          defaultIo(controller.signal),
        );
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    },
  },
  export: {
    summary: 'write a self-contained bundle of a log (all leaves, checkpoints and the log key) for audit --bundle',
    usage: 'lotproof export --url URL --out FILE[.gz] [--key VKEY]',
    options: { url: { type: 'string' }, out: { type: 'string' }, key: { type: 'string' } },
    async run({ values, positionals }) {
      if (positionals.length > 0) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
      const url = str(values.url);
      const out = str(values.out);
      if (!url || !out) throw new UsageError('export needs --url URL and --out FILE');
      return runExport({ url, out, ...keyFlag(values.key) });
    },
  },
};
