// Start-up self-check: before serving, the log re-verifies its own files for the stretch written
// since the last signed checkpoint (where a crash could have left them), and refuses to serve,
// naming the index, if they disagree. History is never repaired silently.
import { equalBytes, fromUtf8, toBase64 } from '../core/bytes.ts';
import { entryHash } from '../core/entry.ts';
import { InvariantError } from '../core/errors.ts';
import { canonicalBytes } from '../core/jcs.ts';
import { hashLeaf } from '../core/merkle.ts';
import type { Store } from './store.ts';

/**
 * Checks entries [from, size): canonical leaf bytes, seq equal to the index, the stored hash is
 * SHA-256(leaf), prev is the previous leaf's hash, and each leaf integrated into the tree has the
 * level-0 node hashLeaf(leaf). Throws InvariantError naming the first bad index.
 */
export function checkRecentEntries(store: Store, from: number, chunk = 1024): void {
  const size = store.head().size;
  const tree = store.treeSize();
  if (tree > size) {
    throw new InvariantError(`start-up check: the Merkle tree has ${tree} leaves but the log ends at entry ${size - 1}; entry ${size} is missing; refusing to serve`);
  }
  let prev = from === 0 ? new Uint8Array(32) : store.entry(from - 1)?.hash;
  if (!prev) throw new InvariantError(`entry ${from - 1} is missing from the store`);
  for (let start = from; start < size; start += chunk) {
    const leaves = store.leaves(start, Math.min(size, start + chunk));
    if (leaves.length === 0) throw new InvariantError(`start-up check: entry ${start} is missing; refusing to serve`);
    leaves.forEach((leaf, i) => {
      const seq = start + i;
      const bad = (why: string) => new InvariantError(`start-up check: entry ${seq} ${why}; refusing to serve (restore from a backup or investigate)`);
      let entry: { seq?: unknown; prev?: unknown };
      try {
        entry = JSON.parse(fromUtf8(leaf)) as typeof entry;
      } catch {
        throw bad('is not UTF-8 JSON');
      }
      if (!equalBytes(canonicalBytes(entry), leaf)) throw bad('is not in canonical JCS form');
      if (entry.seq !== seq) throw bad(`is missing or out of place (entry ${String(entry.seq)} stands there)`);
      if (entry.prev !== toBase64(prev!)) throw bad("has a prev that is not the previous entry's hash");
      const hash = entryHash(leaf);
      if (!equalBytes(store.entry(seq)!.hash, hash)) throw bad('has a stored hash that is not SHA-256 of its leaf');
      const node = store.treeNode(0, seq);
      if (node && !equalBytes(node, hashLeaf(leaf))) throw bad('does not match its leaf in the Merkle tree');
      prev = hash;
    });
  }
}
