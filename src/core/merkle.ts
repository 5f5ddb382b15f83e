// RFC 6962 §2.1 / RFC 9162 §2.1: the Merkle Tree Hash, inclusion proofs (§2.1.3) and consistency
// proofs (§2.1.4), generated from stored complete-subtree nodes and verified without storage.
import { equalBytes } from './bytes.ts';
import { InvariantError, LedgerError } from './errors.ts';
import { sha256 } from './hash.ts';

export const HASH_SIZE = 32;

/**
 * The bytes each hash below is taken over, assembled in one reused buffer: a fresh array for
 * each (over 64 bytes, so V8 puts it outside its heap) cost several times the hash itself, on
 * paths that hash every entry (the sequencer, the integrator, the auditor). sha256 reads its
 * input before returning, so reuse is safe. Inputs larger than this get a buffer of their own.
 */
const SCRATCH_BYTES = 4096;
const scratch = new Uint8Array(SCRATCH_BYTES);

function hashPrefixed(prefix: number, a: Uint8Array, b?: Uint8Array): Uint8Array {
  const n = 1 + a.length + (b?.length ?? 0);
  const input = n <= SCRATCH_BYTES ? scratch.subarray(0, n) : new Uint8Array(n);
  input[0] = prefix;
  input.set(a, 1);
  if (b) input.set(b, 1 + a.length);
  return sha256(input);
}

/** RFC 9162 §2.1.1: the leaf hash, SHA-256(0x00 || leaf). */
export function hashLeaf(leaf: Uint8Array): Uint8Array {
  return hashPrefixed(0x00, leaf);
}

/** RFC 9162 §2.1.1: an interior node hash, SHA-256(0x01 || left || right). */
export function hashChildren(l: Uint8Array, r: Uint8Array): Uint8Array {
  return hashPrefixed(0x01, l, r);
}

/**
 * RFC 9162 §2.1.1: the hash of an empty tree, SHA-256 of the empty string. Callers must not
 * mutate it; every function here that answers with the empty root returns a fresh copy.
 */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** Reads the stored hash of a complete subtree: node (level, index) is the root over leaves
 *  [index * 2^level, (index + 1) * 2^level). Only ever called for nodes that are complete
 *  within the tree size the caller passed. Synchronous (backed by SQLite via better-sqlite3). */
export type NodeReader = (level: number, index: number) => Uint8Array;

// Sizes and indices are JavaScript numbers, exact up to 2^53 - 1. JavaScript's bitwise operators
// work on 32 bits only, so the helpers below use division by powers of two instead.

const TWO_32 = 2 ** 32;

/** Well above the longest proof for a tree of at most 2^53 - 1 leaves (under 60 hashes), so that
 *  verifiers refuse an absurdly long array before walking it. */
const MAX_PROOF_LENGTH = 2 * 64;

function isSize(x: unknown): x is number {
  return typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
}

function isHash(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array && x.length === HASH_SIZE;
}

function isProof(p: unknown): p is Uint8Array[] {
  if (!Array.isArray(p) || p.length > MAX_PROOF_LENGTH) return false;
  for (const h of p) if (!isHash(h)) return false;
  return true;
}

/** The number of bits needed to write n, for a safe non-negative integer n. */
function bitLength(n: number): number {
  const hi = Math.floor(n / TWO_32);
  if (hi > 0) return 64 - Math.clz32(hi);
  return 32 - Math.clz32(n >>> 0);
}

/** The number of set bits in n, for a safe non-negative integer n. */
function popCount(n: number): number {
  let count = 0;
  for (let x = n; x > 0; x = Math.floor(x / 2)) count += x % 2;
  return count;
}

function half(n: number): number {
  return Math.floor(n / 2);
}

function isOdd(n: number): boolean {
  return n % 2 === 1;
}

function isPowerOfTwo(n: number): boolean {
  return n > 0 && popCount(n) === 1;
}

/** The largest power of two strictly less than n (RFC 9162's k), for n >= 2. */
function splitPoint(n: number): number {
  return 2 ** (bitLength(n - 1) - 1);
}

/** Reads one complete node, refusing anything storage returns that is not a hash. */
function readNode(read: NodeReader, level: number, index: number): Uint8Array {
  const hash = read(level, index);
  if (!isHash(hash)) {
    throw new InvariantError(`stored Merkle node (${level}, ${index}) is not a ${HASH_SIZE}-byte hash`);
  }
  return hash;
}

function outOfRange(message: string): LedgerError {
  return new LedgerError('proof_out_of_range', message);
}

/**
 * The hash over leaves [start, end): the minimal set of complete subtrees covering the range
 * (its compact range, as in transparency-dev/merkle compact.RangeNodes) folded from the right,
 * which is how transparency-dev/merkle's reference tree computes SubtreeHashAt. It reads
 * O(log(end - start)) nodes, at most two per level. When start is a multiple of the smallest
 * power of two that is at least end - start (every range RFC 9162 proofs need, and every prefix
 * [0, n)), this is the RFC 9162 Merkle Tree Hash MTH(D[start:end]); an empty range hashes to the
 * empty root. Throws LedgerError proof_out_of_range unless 0 <= start <= end are safe integers.
 */
export function subtreeHash(start: number, end: number, read: NodeReader): Uint8Array {
  if (!isSize(start) || !isSize(end) || start > end) {
    throw outOfRange(`subtree [${start}, ${end}) is not a range of leaves`);
  }
  if (start === end) return EMPTY_ROOT.slice();
  const nodes: Uint8Array[] = [];
  let pos = start;
  while (pos < end) {
    // The largest complete subtree that starts at pos and ends no later than end.
    let level = bitLength(end - pos) - 1;
    while (pos % 2 ** level !== 0) level--;
    nodes.push(readNode(read, level, pos / 2 ** level));
    pos += 2 ** level;
  }
  let hash = nodes[nodes.length - 1]!;
  for (let i = nodes.length - 2; i >= 0; i--) hash = hashChildren(nodes[i]!, hash);
  return hash;
}

/**
 * RFC 9162 §2.1.1: the Merkle Tree Hash of the first size leaves, from the roots of the tree's
 * perfect subtrees (one read per set bit of size). Throws LedgerError proof_out_of_range unless
 * size is a safe non-negative integer.
 */
export function rootAt(size: number, read: NodeReader): Uint8Array {
  if (!isSize(size)) throw outOfRange(`tree size ${size} is not a non-negative integer`);
  return subtreeHash(0, size, read);
}

/**
 * Hashes of ranges that are not single stored nodes (the right edge of a tree whose size is not a
 * power of two), keyed "start:end". Inclusion proofs into one tree size all need the same few,
 * and a range's hash never changes once the tree holds its leaves, so a caller may keep them
 * across proofs (and bounds the map itself).
 */
export type SubtreeMemo = Map<string, Uint8Array>;

function memoSubtreeHash(start: number, end: number, read: NodeReader, memo: SubtreeMemo | undefined): Uint8Array {
  const n = end - start;
  // A complete subtree (a power of two of leaves, at an aligned start) is one stored node.
  if (!memo || n === 2 ** (bitLength(n) - 1)) return subtreeHash(start, end, read);
  const key = `${start}:${end}`;
  let h = memo.get(key);
  if (!h) memo.set(key, (h = subtreeHash(start, end, read)));
  return h;
}

/**
 * RFC 9162 §2.1.3.1: the inclusion proof PATH(index, D[0:size]), ordered from the leaf's sibling
 * up to the root's child. Reads at most 2 log2(size) nodes. Throws LedgerError
 * proof_out_of_range unless 0 <= index < size are safe integers. With `memo`, the hashes of
 * ranges that are not stored nodes are taken from it and added to it.
 */
export function inclusionProof(index: number, size: number, read: NodeReader, memo?: SubtreeMemo): Uint8Array[] {
  if (!isSize(index) || !isSize(size) || index >= size) {
    throw outOfRange(`leaf index ${index} is not in a tree of size ${size}`);
  }
  // Walking down from the root, every step goes into a subtree [start, start + n) whose start
  // is a multiple of every power of two below n, so each sibling is a complete node or a valid
  // subtree. Siblings are collected top-down and returned bottom-up.
  const siblings: Uint8Array[] = [];
  let start = 0;
  let n = size;
  let m = index;
  while (n > 1) {
    const k = splitPoint(n);
    if (m < k) {
      siblings.push(memoSubtreeHash(start + k, start + n, read, memo));
      n = k;
    } else {
      siblings.push(readNode(read, bitLength(k) - 1, start / k));
      start += k;
      m -= k;
      n -= k;
    }
  }
  return siblings.reverse();
}

/**
 * RFC 9162 §2.1.4.1: the consistency proof PROOF(oldSize, D[0:newSize]), ordered as the RFC's
 * SUBPROOF builds it. Reads at most 2 log2(newSize) + 1 nodes. The proof is empty when
 * oldSize is 0 or equals newSize. Throws LedgerError proof_out_of_range unless
 * 0 <= oldSize <= newSize are safe integers.
 */
export function consistencyProof(oldSize: number, newSize: number, read: NodeReader): Uint8Array[] {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) {
    throw outOfRange(`no consistency proof from tree size ${oldSize} to ${newSize}`);
  }
  if (oldSize === 0 || oldSize === newSize) return [];
  const nodes: Uint8Array[] = [];
  let start = 0;
  let n = newSize;
  let m = oldSize;
  // SUBPROOF's flag b: true while the subtree being described is a prefix the verifier already
  // knows the hash of (its old root), so the final MTH(D[start:start+m]) can be left out.
  let known = true;
  while (m !== n) {
    const k = splitPoint(n);
    if (m <= k) {
      nodes.push(subtreeHash(start + k, start + n, read));
      n = k;
    } else {
      nodes.push(readNode(read, bitLength(k) - 1, start / k));
      start += k;
      m -= k;
      n -= k;
      known = false;
    }
  }
  // Here [start, start + m) is a perfect subtree, so this is a single read.
  if (!known) nodes.push(subtreeHash(start, start + m, read));
  return nodes.reverse();
}

/**
 * RFC 9162 §2.1.3.2: the root hash an inclusion proof leads to, or undefined when the proof
 * cannot be an inclusion proof for that index and size (index >= size, a proof of the wrong
 * length, any hash that is not 32 bytes, sizes that are not safe non-negative integers).
 * Never throws.
 */
export function rootFromInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
): Uint8Array | undefined {
  if (!isSize(index) || !isSize(size) || index >= size || !isHash(leafHash) || !isProof(proof)) {
    return undefined;
  }
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return undefined;
    if (isOdd(fn) || fn === sn) {
      r = hashChildren(p, r);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      r = hashChildren(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  if (sn !== 0) return undefined;
  return r === leafHash ? leafHash.slice() : r;
}

/**
 * RFC 9162 §2.1.3.2: whether proof shows that leafHash is the leaf at index in the tree of the
 * given size whose root is root. False for any malformed input; never throws.
 */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: Uint8Array[],
  root: Uint8Array,
): boolean {
  if (!isHash(root)) return false;
  const computed = rootFromInclusion(index, size, leafHash, proof);
  return computed !== undefined && equalBytes(computed, root);
}

/**
 * RFC 9162 §2.1.4.2: whether proof shows that the tree of newSize with newRoot extends the tree
 * of oldSize with oldRoot. Equal sizes need equal roots and an empty proof. False for any
 * malformed input, including roots that are not 32 bytes; never throws.
 *
 * Policy: every tree extends the empty tree, so oldSize 0 verifies exactly when the proof is
 * empty and oldRoot is the empty root (and, if newSize is 0 too, so is newRoot). RFC 9162 only
 * defines proofs for 0 < oldSize; transparency-dev/merkle refuses oldSize 0 outright, and its
 * published vectors agree with this rule (none of them has a well-formed empty proof from an
 * empty-root tree).
 */
export function verifyConsistency(
  oldSize: number,
  newSize: number,
  oldRoot: Uint8Array,
  newRoot: Uint8Array,
  proof: Uint8Array[],
): boolean {
  if (!isSize(oldSize) || !isSize(newSize) || oldSize > newSize) return false;
  if (!isHash(oldRoot) || !isHash(newRoot) || !isProof(proof)) return false;
  if (oldSize === 0) {
    return (
      proof.length === 0 &&
      equalBytes(oldRoot, EMPTY_ROOT) &&
      (newSize > 0 || equalBytes(newRoot, EMPTY_ROOT))
    );
  }
  if (oldSize === newSize) return proof.length === 0 && equalBytes(oldRoot, newRoot);
  if (proof.length === 0) return false;

  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (isOdd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (let i = 1; i < path.length; i++) {
    const c = path[i]!;
    if (sn === 0) return false;
    if (isOdd(fn) || fn === sn) {
      fr = hashChildren(c, fr);
      sr = hashChildren(c, sr);
      while (!isOdd(fn) && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    } else {
      sr = hashChildren(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  return sn === 0 && equalBytes(fr, oldRoot) && equalBytes(sr, newRoot);
}

/**
 * RFC 9162 §2.1.1: the Merkle Tree Hash computed directly from every leaf hash. O(n) hashing and
 * O(log n) recursion depth; meant for tests and small inputs, not for the log itself.
 */
export function rootFromLeafHashes(leafHashes: Uint8Array[]): Uint8Array {
  const mth = (start: number, n: number): Uint8Array => {
    if (n === 1) return leafHashes[start]!;
    const k = splitPoint(n);
    return hashChildren(mth(start, k), mth(start + k, n - k));
  };
  if (leafHashes.length === 0) return EMPTY_ROOT.slice();
  const root = mth(0, leafHashes.length);
  return leafHashes.length === 1 ? root.slice() : root;
}

/** A complete node created by an append, to be stored so that NodeReader can answer for it. */
export interface NewNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

/** The right edge of a tree: the roots of its perfect subtrees, largest first. Appending a leaf
 *  returns every new complete node it creates (level 0 for the leaf itself, then each parent it
 *  completes), so the caller can store them; amortised O(1), worst O(log n) hashing.
 *
 *  A Frontier owns its hashes: it copies what it is given and hands out copies, so no caller can
 *  change its state except through append. */
export class Frontier {
  #size: number;
  #peaks: Uint8Array[];

  /**
   * Rebuilds the frontier of a tree of the given size from its peaks, largest first (one per set
   * bit of size). Stored state that does not fit that shape is a broken invariant and throws
   * InvariantError.
   */
  constructor(size = 0, peaks: Uint8Array[] = []) {
    if (!isSize(size)) throw new InvariantError(`Merkle frontier size ${size} is not a non-negative integer`);
    if (!Array.isArray(peaks) || peaks.length !== popCount(size) || !peaks.every(isHash)) {
      throw new InvariantError(
        `a Merkle tree of size ${size} has ${popCount(size)} peaks of ${HASH_SIZE} bytes, not the ${
          Array.isArray(peaks) ? peaks.length : 'non-array'
        } given`,
      );
    }
    this.#size = size;
    this.#peaks = peaks.map((p) => p.slice());
  }

  /** Reads the peaks of the tree of the given size: one complete node per set bit of size. */
  static fromReader(size: number, read: NodeReader): Frontier {
    if (!isSize(size)) throw outOfRange(`tree size ${size} is not a non-negative integer`);
    const peaks: Uint8Array[] = [];
    let pos = 0;
    for (let level = bitLength(size) - 1; level >= 0; level--) {
      if (isOdd(Math.floor(size / 2 ** level))) {
        peaks.push(readNode(read, level, pos / 2 ** level));
        pos += 2 ** level;
      }
    }
    return new Frontier(size, peaks);
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Appends the leaf with the given hash at index size, and returns the leaf node and every
   * parent it completes, lowest level first. Throws InvariantError if leafHash is not a hash or
   * the tree would outgrow exact integer indices.
   */
  append(leafHash: Uint8Array): NewNode[] {
    if (!isHash(leafHash)) throw new InvariantError(`a Merkle leaf hash must be ${HASH_SIZE} bytes`);
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new InvariantError('Merkle tree size limit reached');
    let hash: Uint8Array = leafHash.slice();
    let level = 0;
    let index = this.#size;
    const created: NewNode[] = [{ level, index, hash }];
    // Each trailing one bit of the old size is a peak that the new node now completes.
    while (isOdd(Math.floor(this.#size / 2 ** level))) {
      hash = hashChildren(this.#peaks.pop()!, hash);
      level++;
      index = half(index);
      created.push({ level, index, hash });
    }
    this.#peaks.push(hash.slice());
    this.#size++;
    return created;
  }

  /** The Merkle Tree Hash of the tree: its peaks folded from the right; EMPTY_ROOT for size 0. */
  root(): Uint8Array {
    if (this.#peaks.length === 0) return EMPTY_ROOT.slice();
    let hash: Uint8Array = this.#peaks[this.#peaks.length - 1]!.slice();
    for (let i = this.#peaks.length - 2; i >= 0; i--) hash = hashChildren(this.#peaks[i]!, hash);
    return hash;
  }

  /** The roots of the tree's perfect subtrees, largest first. */
  peaks(): Uint8Array[] {
    return this.#peaks.map((p) => p.slice());
  }
}
