// The transparency endpoints of lotproof SPEC §5: checkpoint, key, entries, RFC 9162 proofs,
// c2sp.org/tlog-proof receipts and c2sp.org/tlog-tiles hash tiles and entry bundles, plus the
// list of every signed checkpoint that auditors and exports read.
import { Hono } from 'hono';
import { toBase64 } from '../core/bytes.ts';
import { LedgerError } from '../core/errors.ts';
import { consistencyProof } from '../core/merkle.ts';
import { formatReceipt } from '../core/receipt.ts';
import { encodeEntryBundle, parseTilePath, readTileHashes, tileWidth, TILE_WIDTH } from '../core/tiles.ts';
import type { AppDeps } from './app.ts';
import { answer } from './respond.ts';
import { consistencyQuery, inclusionQuery, pageQuery, parseParams, seqParams } from './schemas.ts';

const IMMUTABLE = 'public, max-age=31536000, immutable';
const TEXT = 'text/plain; charset=utf-8';

export function logRoutes({ ledger }: AppDeps) {
  const app = new Hono();
  const store = ledger.store;
  const latest = () => {
    const cp = ledger.latestCheckpoint();
    if (!cp) throw new LedgerError('not_found', 'no checkpoint has been signed yet');
    return cp;
  };

  app.get('/log/checkpoint', (c) => {
    const cp = latest();
    return answer(cp.note, 200, { 'cache-control': 'public, max-age=1', 'content-type': TEXT });
  });

  // Every checkpoint the log signed, oldest first, so that anyone can keep or export the whole
  // series and check each one against the tree (lotproof docs/auditing.md). `start` is a tree
  // size: the answer lists the checkpoints of size >= start; the next page starts at the last
  // size plus one. One JSON object per line: {size, root (base64), signedAt, note}.
  app.get('/log/checkpoints', (c) => {
    const { start = 0, limit = 100 } = parseParams(pageQuery, c.req.query());
    const lines = store
      .checkpoints(start, limit)
      .map((cp) => `${JSON.stringify({ size: cp.size, root: toBase64(cp.root), signedAt: cp.signedAt, note: cp.note })}\n`);
    c.header('content-type', 'application/x-ndjson');
    return c.body(lines.join(''));
  });

  app.get('/log/key', (c) => {
    return answer(`${ledger.logVerifierKey}\n`, 200, { 'content-type': TEXT, 'cache-control': 'public, max-age=3600' });
  });

  app.get('/log/entries', (c) => {
    const { start = 0, limit = 100 } = parseParams(pageQuery, c.req.query());
    const size = ledger.size();
    if (start > size) throw new LedgerError('invalid_request', `start ${start} is beyond the log's ${size} entries`);
    const leaves = store.leaves(start, Math.min(size, start + limit));
    const parts: Buffer[] = [];
    for (const l of leaves) parts.push(Buffer.from(l), Buffer.from('\n'));
    c.header('content-type', 'application/x-ndjson');
    return c.body(Buffer.concat(parts));
  });

  app.get('/log/proof/inclusion', (c) => {
    const q = parseParams(inclusionQuery, c.req.query());
    const index = q.index;
    const size = q.size ?? latest().size;
    if (size > ledger.integrator.size) throw new LedgerError('proof_out_of_range', `the tree has ${ledger.integrator.size} leaves, not ${size}`);
    if (index >= size) throw new LedgerError('proof_out_of_range', `index ${index} is not below size ${size}`);
    const hashes = ledger.integrator.inclusionProof(index, size).map(toBase64);
    return c.json({ index, size, hashes });
  });

  app.get('/log/proof/consistency', (c) => {
    const q = parseParams(consistencyQuery, c.req.query());
    const oldSize = q.old;
    const newSize = q.new ?? latest().size;
    if (newSize > ledger.integrator.size) throw new LedgerError('proof_out_of_range', `the tree has ${ledger.integrator.size} leaves, not ${newSize}`);
    if (oldSize > newSize) throw new LedgerError('proof_out_of_range', `old ${oldSize} is larger than new ${newSize}`);
    const hashes = store.snapshot(() => consistencyProof(oldSize, newSize, ledger.integrator.read)).map(toBase64);
    return c.json({ old: oldSize, new: newSize, hashes });
  });

  app.get('/log/receipt/:seq', (c) => {
    const { seq } = parseParams(seqParams, c.req.param());
    const cp = latest();
    if (seq >= cp.size) {
      throw new LedgerError('not_found', `entry ${seq} is not yet covered by a signed checkpoint (size ${cp.size}); retry in a second`);
    }
    const proof = ledger.integrator.inclusionProof(seq, cp.size);
    return answer(formatReceipt({ index: seq, proof, checkpointNote: cp.note }), 200, { 'content-type': TEXT });
  });

  app.get('/log/tile/*', (c) => {
    const path = new URL(c.req.url).pathname.slice('/log/'.length);
    const coord = parseTilePath(path);
    if (!coord) throw new LedgerError('invalid_tile', `${path} is not a c2sp.org/tlog-tiles path`);
    // Tiles are served for the tree the log has published: the latest checkpoint.
    const available = tileWidth(coord.kind === 'entries' ? 0 : coord.level, coord.index, latest().size);
    if (available < coord.width) throw new LedgerError('not_found', `tile ${path} does not exist yet`);
    let bytes: Uint8Array;
    if (coord.kind === 'entries') {
      const start = coord.index * TILE_WIDTH;
      bytes = encodeEntryBundle(store.leaves(start, start + coord.width));
    } else {
      bytes = store.snapshot(() => readTileHashes(coord.level, coord.index, coord.width, ledger.integrator.read));
    }
    // Full tiles never change; partial tiles are fixed too (a prefix of the future full tile).
    const headers = { 'cache-control': IMMUTABLE, etag: `"${path}"`, 'content-type': 'application/octet-stream' };
    if (c.req.header('if-none-match') === `"${path}"`) return answer(null, 304, headers);
    return answer(new Uint8Array(bytes), 200, headers);
  });

  return app;
}
