// c2sp.org/tlog-tiles: hash tile and entry bundle paths, tile widths at a tree size, and the
// entry bundle encoding (big-endian uint16 length-prefixed entries).
import { concatBytes } from './bytes.ts';
import { LedgerError } from './errors.ts';

/** Tiles are subtrees of height 8, so a full tile holds 256 hashes (8,192 bytes). */
export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
export const HASH_SIZE = 32;
/** Levels are decimal integers between 0 and 63 (tlog-tiles, "Merkle Tree"). */
export const MAX_TILE_LEVEL = 63;
/** An entry in a bundle is prefixed by a uint16 length. */
export const MAX_ENTRY_BYTES = 65_535;

export type TileKind = 'hash' | 'entries';

export interface TileCoord {
  readonly kind: TileKind;
  /** 0 to 63 for hash tiles; always 0 for entry bundles. */
  readonly level: number;
  /** The tile's number within its level. */
  readonly index: number;
  /** 1 to 256; 256 is a full tile, anything less a partial one (`.p/<W>`). */
  readonly width: number;
}

function assertIndex(index: number): void {
  if (!Number.isSafeInteger(index) || index < 0) {
    throw new LedgerError('invalid_tile', 'a tile index is a non-negative integer');
  }
}

function assertWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1 || width > TILE_WIDTH) {
    throw new LedgerError('invalid_tile', `a tile width is between 1 and ${TILE_WIDTH}`);
  }
}

/**
 * Encodes a tile index as zero-padded 3-digit path elements, all but the last prefixed with
 * "x": 1234067 becomes `x001/x234/067`, 5 becomes `005`.
 */
export function encodeTileIndex(index: number): string {
  assertIndex(index);
  let n = index;
  // (n - n % 1000) / 1000 is exact for safe integers, where Math.floor(n / 1000) may round up.
  let out = String(n % 1000).padStart(3, '0');
  n = (n - (n % 1000)) / 1000;
  while (n > 0) {
    out = `x${String(n % 1000).padStart(3, '0')}/${out}`;
    n = (n - (n % 1000)) / 1000;
  }
  return out;
}

function suffix(width: number): string {
  assertWidth(width);
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** `tile/<L>/<N>[.p/<W>]`: the path of a hash tile, relative to the log's prefix. */
export function tilePath(level: number, index: number, width: number = TILE_WIDTH): string {
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) {
    throw new LedgerError('invalid_tile', `a tile level is between 0 and ${MAX_TILE_LEVEL}`);
  }
  return `tile/${level}/${encodeTileIndex(index)}${suffix(width)}`;
}

/** `tile/entries/<N>[.p/<W>]`: the path of an entry bundle, relative to the log's prefix. */
export function entriesTilePath(index: number, width: number = TILE_WIDTH): string {
  return `tile/entries/${encodeTileIndex(index)}${suffix(width)}`;
}

/** The path of a tile coordinate, whichever its kind. */
export function coordPath(t: TileCoord): string {
  return t.kind === 'entries' ? entriesTilePath(t.index, t.width) : tilePath(t.level, t.index, t.width);
}

const LEVEL_RE = /^(?:0|[1-9][0-9]?)$/;
const WIDTH_RE = /^[1-9][0-9]{0,2}$/;
const GROUP_RE = /^[0-9]{3}$/;

/**
 * Parses a tile path (`tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, without a leading
 * slash). Returns undefined for anything but the one canonical spelling: levels above 63 or
 * with leading zeros, index groups that are not 3 digits or carry a redundant leading `x000`,
 * widths outside 1..255 for `.p/`, and indexes beyond Number.MAX_SAFE_INTEGER.
 */
export function parseTilePath(path: string): TileCoord | undefined {
  if (typeof path !== 'string' || path.length > 128) return undefined;
  const parts = path.split('/');
  if (parts.length < 3 || parts[0] !== 'tile') return undefined;
  let kind: TileKind;
  let level = 0;
  if (parts[1] === 'entries') {
    kind = 'entries';
  } else {
    if (!LEVEL_RE.test(parts[1]!)) return undefined;
    level = Number(parts[1]);
    if (level > MAX_TILE_LEVEL) return undefined;
    kind = 'hash';
  }
  let groups = parts.slice(2);
  let width = TILE_WIDTH;
  const last = groups[groups.length - 1]!;
  const beforeLast = groups[groups.length - 2];
  if (beforeLast !== undefined && beforeLast.endsWith('.p')) {
    if (!WIDTH_RE.test(last)) return undefined;
    width = Number(last);
    if (width >= TILE_WIDTH) return undefined;
    groups = [...groups.slice(0, -2), beforeLast.slice(0, -2)];
  }
  let index = 0;
  for (let i = 0; i < groups.length; i++) {
    let g = groups[i]!;
    if (i < groups.length - 1) {
      if (!g.startsWith('x')) return undefined;
      g = g.slice(1);
    }
    if (!GROUP_RE.test(g)) return undefined;
    index = index * 1000 + Number(g);
    if (!Number.isSafeInteger(index)) return undefined;
  }
  const coord: TileCoord = { kind, level, index, width };
  // Only the canonical encoding is accepted: this rejects e.g. `x000/005`.
  return coordPath(coord) === path ? coord : undefined;
}

/**
 * The number of hashes in hash tile (level, index) of a tree of `treeSize` leaves: 256 for a
 * full tile, 1..255 for the partial rightmost tile, 0 when the tile does not exist (so a
 * server answers 404). The same count, at level 0, is the width of entry bundle `index`.
 */
export function tileWidth(level: number, index: number, treeSize: number): number {
  if (!Number.isSafeInteger(treeSize) || treeSize < 0) {
    throw new LedgerError('invalid_tile', 'a tree size is a non-negative integer');
  }
  assertIndex(index);
  if (!Number.isInteger(level) || level < 0 || level > MAX_TILE_LEVEL) return 0;
  // Complete nodes at tree level 8*L: floor(size / 256^L). Dividing by a power of two is exact.
  const nodes = Math.floor(treeSize / 2 ** (TILE_HEIGHT * level));
  const w = nodes - index * TILE_WIDTH;
  return w <= 0 ? 0 : Math.min(w, TILE_WIDTH);
}

/**
 * The tree nodes that hash tile (level, index, width) lists, in order: the nodes of tree level
 * 8*L (level 0 being the leaf hashes) with indices index*256 up to index*256 + width - 1.
 * Each such node is the Merkle tree hash of 256^L consecutive leaves.
 */
export function tileNodes(level: number, index: number, width: number): { treeLevel: number; start: number; end: number } {
  tilePath(level, index, width);
  const start = index * TILE_WIDTH;
  return { treeLevel: TILE_HEIGHT * level, start, end: start + width };
}

/**
 * Assembles the bytes of hash tile (level, index, width) from `readNode(treeLevel, nodeIndex)`,
 * which must return the 32-byte hash of that complete subtree. Semantics: a hash tile at
 * level L, index N, holds the hashes of tree level 8*L nodes N*256 ... N*256+W-1, concatenated.
 */
export function readTileHashes(
  level: number,
  index: number,
  width: number,
  readNode: (treeLevel: number, nodeIndex: number) => Uint8Array,
): Uint8Array {
  const { treeLevel, start, end } = tileNodes(level, index, width);
  const out = new Uint8Array(width * HASH_SIZE);
  for (let i = start; i < end; i++) {
    const h = readNode(treeLevel, i);
    if (h.length !== HASH_SIZE) throw new LedgerError('invalid_tile', 'a node hash is 32 bytes');
    out.set(h, (i - start) * HASH_SIZE);
  }
  return out;
}

/** Splits hash tile bytes into 32-byte hashes; `width`, when given, must match. */
export function splitTileHashes(tile: Uint8Array, width?: number): Uint8Array[] {
  const n = tile.length / HASH_SIZE;
  if (!Number.isInteger(n) || n < 1 || n > TILE_WIDTH || (width !== undefined && n !== width)) {
    throw new LedgerError('invalid_tile', 'a hash tile is 1 to 256 hashes of 32 bytes');
  }
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(tile.slice(i * HASH_SIZE, (i + 1) * HASH_SIZE));
  return out;
}

/** An entry bundle: each entry as a big-endian uint16 length followed by its bytes. */
export function encodeEntryBundle(leaves: readonly Uint8Array[]): Uint8Array {
  if (leaves.length < 1 || leaves.length > TILE_WIDTH) {
    throw new LedgerError('invalid_entry_bundle', `an entry bundle holds 1 to ${TILE_WIDTH} entries`);
  }
  const parts: Uint8Array[] = [];
  for (const leaf of leaves) {
    if (leaf.length > MAX_ENTRY_BYTES) {
      throw new LedgerError('entry_too_large', `an entry bundle entry is at most ${MAX_ENTRY_BYTES} bytes`);
    }
    parts.push(Uint8Array.of(leaf.length >>> 8, leaf.length & 0xff), leaf);
  }
  return concatBytes(...parts);
}

/**
 * Decodes an entry bundle into its entries. Throws LedgerError('invalid_entry_bundle') when a
 * length prefix or entry is truncated, when it holds no entry or more than 256, or when
 * `width` is given and the count differs.
 */
export function decodeEntryBundle(bundle: Uint8Array, width?: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  while (o < bundle.length) {
    if (out.length === TILE_WIDTH) throw new LedgerError('invalid_entry_bundle', 'more than 256 entries');
    if (o + 2 > bundle.length) throw new LedgerError('invalid_entry_bundle', 'truncated entry length');
    const n = (bundle[o]! << 8) | bundle[o + 1]!;
    o += 2;
    if (o + n > bundle.length) throw new LedgerError('invalid_entry_bundle', 'truncated entry');
    out.push(bundle.slice(o, o + n));
    o += n;
  }
  if (out.length === 0) throw new LedgerError('invalid_entry_bundle', 'an entry bundle is never empty');
  if (width !== undefined && out.length !== width) {
    throw new LedgerError('invalid_entry_bundle', `expected ${width} entries, found ${out.length}`);
  }
  return out;
}
