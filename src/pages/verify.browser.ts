// The check the shopper's own browser runs on a verification page (SPEC §6): every entry the
// page rests on is fetched from the log, its statement signature verified (SPEC §1), its leaf
// hash compared with the page's, and its RFC 9162 inclusion proof verified against the
// checkpoint the page was rendered with, whose C2SP signed note is verified under the log key
// (SPEC §4); the latest checkpoint must be consistent with it. The outcome goes to
// `<body data-verification>`: pending, then verified or failed.
//
// Bundled by assets.ts with esbuild for the browser from the very core modules the log itself
// runs (core/ is written for both platforms).
import './browser-polyfills.ts';
import { fromBase64, toBase64 } from '../core/bytes.ts';
import { openCheckpoint, type Checkpoint } from '../core/checkpoint.ts';
import { verify } from '../core/ed25519.ts';
import type { Entry } from '../core/entry.ts';
import { sha256 } from '../core/hash.ts';
import { canonicalBytes } from '../core/jcs.ts';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../core/merkle.ts';
import { parseVerifierKey } from '../core/note.ts';
import { statementMessage } from '../core/statement.ts';
import { VERIFY_DATA_ID, type FailureReason, type VerifyData } from './verify-data.ts';

class CheckFailed extends Error {
  constructor(readonly reason: FailureReason, readonly seq?: number) {
    super(reason);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * GETs a same-origin URL. A busy log (429, 503) is retried after its Retry-After, at most three
 * times, so a shared mobile address hitting the rate limit reads as slow rather than failed.
 */
async function fetchOk(url: string, as: 'text' | 'json'): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    let res: Response;
    try {
      res = await fetch(url, { credentials: 'omit', cache: as === 'text' ? 'no-store' : 'default' });
    } catch {
      throw new CheckFailed('network');
    }
    if ((res.status === 429 || res.status === 503) && attempt < 3) {
      const after = Number(res.headers.get('retry-after'));
      await sleep(Math.min(5, Number.isFinite(after) && after > 0 ? after : 1) * 1000);
      continue;
    }
    if (!res.ok) throw new CheckFailed('network');
    return as === 'text' ? res.text() : res.json().catch(() => undefined);
  }
}

function proofHashes(body: unknown): Uint8Array[] | undefined {
  const hashes = (body as { hashes?: unknown } | undefined)?.hashes;
  if (!Array.isArray(hashes)) return undefined;
  const out: Uint8Array[] = [];
  for (const h of hashes) {
    const b = typeof h === 'string' ? fromBase64(h) : undefined;
    if (!b) return undefined;
    out.push(b);
  }
  return out;
}

/** Verifies one entry against the pinned data and checkpoint; throws CheckFailed. */
async function checkEntry(want: VerifyData['entries'][number], cp: Checkpoint): Promise<void> {
  const fail = (reason: FailureReason): never => {
    throw new CheckFailed(reason, want.seq);
  };
  const body = (await fetchOk(`/v1/entries/${want.seq}`, 'json')) as { seq?: unknown; hash?: unknown; entry?: Entry } | undefined;
  const entry = body?.entry;
  if (!entry || typeof entry !== 'object' || body!.seq !== want.seq || entry.seq !== want.seq) return fail('entry');
  let leaf: Uint8Array;
  try {
    leaf = canonicalBytes(entry);
  } catch {
    return fail('entry');
  }
  // The log's leaf bytes are JCS(entry), so any change to the entry changes this hash.
  const hash = toBase64(sha256(leaf));
  if (hash !== want.hash || body!.hash !== want.hash) return fail('entry');
  const st = entry.statement;
  if (!st || st.type !== want.type || st.actor !== want.actor) return fail('entry');
  const sig = fromBase64(entry.sig);
  const pub = fromBase64(st.pub);
  let msg: Uint8Array | undefined;
  try {
    msg = statementMessage(st);
  } catch {
    msg = undefined;
  }
  if (!sig || !pub || !msg || !verify(sig, msg, pub)) return fail('signature');
  if (want.seq >= cp.size) return fail('uncovered');
  const proof = proofHashes(await fetchOk(`/log/proof/inclusion?index=${want.seq}&size=${cp.size}`, 'json'));
  if (!proof || !verifyInclusion(want.seq, cp.size, hashLeaf(leaf), proof, cp.root)) return fail('inclusion');
}

/** Runs fn over items with at most `limit` in flight; rejects with the first failure. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function setStatus(state: 'pending' | 'verified' | 'failed', text: string): void {
  document.body.dataset.verification = state;
  for (const el of document.querySelectorAll<HTMLElement>('[data-verify-status]')) {
    el.textContent = text;
    el.className = el.className.replace(/\b(pending|verified|failed)\b/g, '').trim() + ` ${state}`;
  }
}

function markEntry(seq: number, ok: boolean, label: string): void {
  const li = document.querySelector<HTMLElement>(`[data-entry-seq="${seq}"]`);
  const mark = li?.querySelector<HTMLElement>('[data-entry-mark]');
  if (!li || !mark) return;
  li.classList.add(ok ? 'ok' : 'bad');
  mark.textContent = ok ? `✓ ${label}` : `✗ ${label}`;
}

async function run(data: VerifyData): Promise<void> {
  const t = data.text;
  setStatus('pending', t.pending);
  try {
    // The key the page names must be the log's, and the checkpoint must be signed by it.
    const keyText = String(await fetchOk('/log/key', 'text')).replace(/\n$/, '');
    if (keyText !== data.logKey) throw new CheckFailed('key');
    let publicKey: Uint8Array;
    try {
      const key = parseVerifierKey(keyText);
      if (key.name !== data.origin) throw new Error('name');
      publicKey = key.publicKey;
    } catch {
      throw new CheckFailed('key');
    }
    let cp: Checkpoint;
    try {
      cp = openCheckpoint(data.checkpoint.note, data.origin, publicKey);
    } catch {
      throw new CheckFailed('checkpoint');
    }
    if (cp.size !== data.checkpoint.size) throw new CheckFailed('checkpoint');

    await eachLimited(data.entries, 6, async (e) => {
      try {
        await checkEntry(e, cp);
        markEntry(e.seq, true, t.entryOk);
      } catch (err) {
        markEntry(e.seq, false, t.entryBad);
        throw err;
      }
    });

    // The log's latest checkpoint must extend the one this page was rendered with.
    let latest: Checkpoint;
    try {
      latest = openCheckpoint(String(await fetchOk('/log/checkpoint', 'text')), data.origin, publicKey);
    } catch (err) {
      throw err instanceof CheckFailed ? err : new CheckFailed('checkpoint');
    }
    let grown = '';
    if (latest.size < cp.size) throw new CheckFailed('consistency');
    if (latest.size > cp.size) {
      const proof = proofHashes(await fetchOk(`/log/proof/consistency?old=${cp.size}&new=${latest.size}`, 'json'));
      if (!proof || !verifyConsistency(cp.size, latest.size, cp.root, latest.root, proof)) throw new CheckFailed('consistency');
      grown = ` ${t.grown.replace('{size}', String(latest.size))}`;
    } else if (toBase64(latest.root) !== toBase64(cp.root)) {
      throw new CheckFailed('consistency');
    }
    setStatus('verified', t.verified.replace('{n}', String(data.entries.length)) + grown);
  } catch (err) {
    const reason: FailureReason = err instanceof CheckFailed ? err.reason : 'entry';
    const where = err instanceof CheckFailed && err.seq !== undefined ? ` (#${err.seq})` : '';
    setStatus('failed', `${t.failed} ${t.reasons[reason]}${where}`);
  }
}

function start(): void {
  const el = document.getElementById(VERIFY_DATA_ID);
  let data: VerifyData;
  try {
    data = JSON.parse(el?.textContent ?? '') as VerifyData;
    if (data.v !== 1) throw new Error('version');
  } catch {
    document.body.dataset.verification = 'failed';
    return;
  }
  void run(data);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
