import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../../src/core/bytes.ts';
import { LedgerError } from '../../src/core/errors.ts';
import { hashChildren, hashLeaf, rootFromLeafHashes } from '../../src/core/merkle.ts';
import {
  decodeEntryBundle,
  encodeEntryBundle,
  encodeTileIndex,
  entriesTilePath,
  parseTilePath,
  readTileHashes,
  splitTileHashes,
  TILE_WIDTH,
  tilePath,
  tileWidth,
} from '../../src/core/tiles.ts';

const vectors = JSON.parse(readFileSync(new URL('../vectors/c2sp/tlog-tiles.json', import.meta.url), 'utf8'));

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof LedgerError) return e.code;
    throw e;
  }
  throw new Error('expected a LedgerError, nothing was thrown');
}

describe('tile paths', () => {
  it('encodes the spec example index 1234067 as x001/x234/067', () => {
    for (const v of vectors.indexEncoding) {
      expect(encodeTileIndex(v.index)).toBe(v.encoded);
      expect(tilePath(4, v.index)).toBe(`tile/4/${v.encoded}`);
      expect(tilePath(0, v.index, 1)).toBe(`tile/0/${v.encoded}.p/1`);
      expect(entriesTilePath(v.index, 255)).toBe(`tile/entries/${v.encoded}.p/255`);
      expect(parseTilePath(`tile/entries/${v.encoded}`)).toEqual({ kind: 'entries', level: 0, index: v.index, width: 256 });
    }
  });

  it('formats small and large indexes', () => {
    expect(encodeTileIndex(0)).toBe('000');
    expect(encodeTileIndex(5)).toBe('005');
    expect(encodeTileIndex(999)).toBe('999');
    expect(encodeTileIndex(1000)).toBe('x001/000');
    expect(encodeTileIndex(123456789)).toBe('x123/x456/789');
    expect(encodeTileIndex(Number.MAX_SAFE_INTEGER)).toBe('x009/x007/x199/x254/x740/991');
    expect(tilePath(63, 0)).toBe('tile/63/000');
    expect(entriesTilePath(0)).toBe('tile/entries/000');
  });

  it('parses the canonical paths', () => {
    expect(parseTilePath('tile/0/000')).toEqual({ kind: 'hash', level: 0, index: 0, width: 256 });
    expect(parseTilePath('tile/1/x001/x234/067.p/8')).toEqual({ kind: 'hash', level: 1, index: 1234067, width: 8 });
    expect(parseTilePath('tile/63/999.p/255')).toEqual({ kind: 'hash', level: 63, index: 999, width: 255 });
    expect(parseTilePath('tile/entries/x123/x456/078.p/2')).toEqual({ kind: 'entries', level: 0, index: 123456078, width: 2 });
    expect(parseTilePath('tile/0/x009/x007/x199/x254/x740/991')!.index).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('rejects every non-canonical or out-of-range path', () => {
    const bad = [
      '',
      'tile',
      'tile/0',
      'tile/0/',
      '/tile/0/000',
      'tile/0/000/',
      'tiles/0/000',
      'tile/64/000', // level above 63
      'tile/00/000', // leading zero in the level
      'tile/01/000',
      'tile/-1/000',
      'tile/+1/000',
      'tile/a/000',
      'tile/data/000', // the sumdb spelling, not tlog-tiles
      'tile/8/0/000', // the sumdb path with a height
      'tile/0/5',
      'tile/0/05',
      'tile/0/0005',
      'tile/0/x005', // the last element has no x
      'tile/0/001/234', // all but the last need an x
      'tile/0/x1/234',
      'tile/0/x0001/234',
      'tile/0/x000/005', // redundant leading group
      'tile/0/x000/x001/000',
      'tile/0/X001/000',
      'tile/0/x001/x234/067.p', // .p without width
      'tile/0/x001/x234/067.p/', // empty width
      'tile/0/000.p/0', // width 0
      'tile/0/000.p/256', // a full tile has no .p
      'tile/0/000.p/300',
      'tile/0/000.p/08', // leading zero in the width
      'tile/0/000.p/+8',
      'tile/0/000.p/8/', // trailing slash
      'tile/0/000.p/8.p/8',
      'tile/0/000.q/8',
      'tile/0/x001.p/8/000',
      'tile/0/.p/8',
      'tile/entries/000.p/256',
      'tile/entries/x000/000',
      'tile/entries/1/000', // a level on an entry bundle
      'tile/entries',
      'tile/entries/',
      'tile/0/x009/x007/x199/x254/x740/992', // beyond Number.MAX_SAFE_INTEGER
      'tile/0/x999/x999/x999/x999/x999/x999/999',
      'tile/0/ 000',
      'tile/0/000 ',
      'tile/0/١٢٣',
    ];
    for (const p of bad) expect(parseTilePath(p), p).toBeUndefined();
  });

  it('round-trips every tile coordinate (property)', () => {
    const width = fc.integer({ min: 1, max: TILE_WIDTH });
    const index = fc.oneof(fc.nat({ max: 5000 }), fc.nat({ max: Number.MAX_SAFE_INTEGER }));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), index, width, (level, n, w) => {
        const p = tilePath(level, n, w);
        expect(parseTilePath(p)).toEqual({ kind: 'hash', level, index: n, width: w });
        const e = entriesTilePath(n, w);
        expect(parseTilePath(e)).toEqual({ kind: 'entries', level: 0, index: n, width: w });
        expect(p.endsWith('.p/256')).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses to format what it could not parse', () => {
    expect(codeOf(() => tilePath(64, 0))).toBe('invalid_tile');
    expect(codeOf(() => tilePath(-1, 0))).toBe('invalid_tile');
    expect(codeOf(() => tilePath(0, -1))).toBe('invalid_tile');
    expect(codeOf(() => tilePath(0, 1.5))).toBe('invalid_tile');
    expect(codeOf(() => tilePath(0, 2 ** 53))).toBe('invalid_tile');
    expect(codeOf(() => tilePath(0, 0, 0))).toBe('invalid_tile');
    expect(codeOf(() => tilePath(0, 0, 257))).toBe('invalid_tile');
    expect(codeOf(() => entriesTilePath(0, 0))).toBe('invalid_tile');
  });
});

describe('tile widths at a tree size', () => {
  it('matches the spec examples (sizes 70,000 and 256)', () => {
    for (const shape of vectors.treeShapes) {
      for (const l of shape.levels) {
        for (let n = 0; n < l.full; n++) expect(tileWidth(l.level, n, shape.treeSize), `${shape.treeSize} L${l.level} N${n}`).toBe(256);
        expect(tileWidth(l.level, l.full, shape.treeSize), `${shape.treeSize} L${l.level} partial`).toBe(l.partialWidth);
        expect(tileWidth(l.level, l.full + 1, shape.treeSize)).toBe(0);
      }
    }
  });

  it('agrees with floor(s / 256^l) mod 256 for the rightmost tile (property)', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER }), fc.integer({ min: 0, max: 7 }), (size, level) => {
        const nodes = Math.floor(size / 256 ** level);
        const last = Math.floor(nodes / 256);
        expect(tileWidth(level, last, size)).toBe(nodes % 256);
        if (last > 0) expect(tileWidth(level, last - 1, size)).toBe(256);
        expect(tileWidth(level, last + 1, size)).toBe(0);
      }),
      { numRuns: 500 },
    );
  });

  it('has no tiles for the empty tree', () => {
    expect(tileWidth(0, 0, 0)).toBe(0);
    expect(tileWidth(63, 0, Number.MAX_SAFE_INTEGER)).toBe(0);
    expect(tileWidth(6, 0, Number.MAX_SAFE_INTEGER)).toBe(31);
  });
});

describe('hash tiles', () => {
  // Every complete node of a small tree: nodes[level][index].
  function buildNodes(leafCount: number): Uint8Array[][] {
    const levels: Uint8Array[][] = [[]];
    for (let i = 0; i < leafCount; i++) levels[0]!.push(hashLeaf(utf8(`leaf ${i}`)));
    for (let l = 0; levels[l]!.length > 1; l++) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < levels[l]!.length; i += 2) next.push(hashChildren(levels[l]![i]!, levels[l]![i + 1]!));
      levels.push(next);
    }
    return levels;
  }

  it('a level 1 tile lists Merkle tree hashes of 256 consecutive leaves', () => {
    const size = 256 * 3 + 17;
    const nodes = buildNodes(size);
    const read = (level: number, index: number): Uint8Array => nodes[level]![index]!;
    const w = tileWidth(1, 0, size);
    expect(w).toBe(3);
    const tile = readTileHashes(1, 0, w, read);
    expect(tile).toHaveLength(3 * 32);
    const hashes = splitTileHashes(tile, 3);
    for (let i = 0; i < 3; i++) {
      expect(hashes[i]).toEqual(rootFromLeafHashes(nodes[0]!.slice(i * 256, (i + 1) * 256)));
    }
    // The partial level 0 tile holds the last 17 leaf hashes.
    expect(tileWidth(0, 3, size)).toBe(17);
    expect(readTileHashes(0, 3, 17, read)).toEqual(concatBytes(...nodes[0]!.slice(768, 785)));
  });

  it('splits only whole tiles of 1 to 256 hashes', () => {
    expect(codeOf(() => splitTileHashes(new Uint8Array(0)))).toBe('invalid_tile');
    expect(codeOf(() => splitTileHashes(new Uint8Array(33)))).toBe('invalid_tile');
    expect(codeOf(() => splitTileHashes(new Uint8Array(257 * 32)))).toBe('invalid_tile');
    expect(codeOf(() => splitTileHashes(new Uint8Array(64), 3))).toBe('invalid_tile');
    expect(splitTileHashes(new Uint8Array(256 * 32))).toHaveLength(256);
  });
});

describe('entry bundles', () => {
  it('prefixes each entry with its big-endian uint16 length', () => {
    const b = encodeEntryBundle([utf8('ab'), new Uint8Array(0), new Uint8Array(300).fill(9)]);
    expect(Array.from(b.subarray(0, 4))).toEqual([0x00, 0x02, 0x61, 0x62]);
    expect(Array.from(b.subarray(4, 6))).toEqual([0x00, 0x00]);
    expect(Array.from(b.subarray(6, 8))).toEqual([0x01, 0x2c]);
    expect(b).toHaveLength(2 + 2 + 2 + 2 + 300);
    const max = encodeEntryBundle([new Uint8Array(65535)]);
    expect(Array.from(max.subarray(0, 2))).toEqual([0xff, 0xff]);
  });

  it('round-trips (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 600 }), { minLength: 1, maxLength: 256 }), (leaves) => {
        const out = decodeEntryBundle(encodeEntryBundle(leaves), leaves.length);
        expect(out.map((x) => Array.from(x))).toEqual(leaves.map((x) => Array.from(x)));
      }),
      { numRuns: 100 },
    );
  });

  it('refuses oversized entries and bundles', () => {
    expect(codeOf(() => encodeEntryBundle([new Uint8Array(65536)]))).toBe('entry_too_large');
    expect(codeOf(() => encodeEntryBundle([]))).toBe('invalid_entry_bundle');
    expect(codeOf(() => encodeEntryBundle(Array.from({ length: 257 }, () => new Uint8Array(1))))).toBe('invalid_entry_bundle');
  });

  it('rejects malformed bundles', () => {
    const good = encodeEntryBundle([utf8('hello'), utf8('world')]);
    expect(codeOf(() => decodeEntryBundle(good.subarray(0, good.length - 1)))).toBe('invalid_entry_bundle');
    expect(codeOf(() => decodeEntryBundle(concatBytes(good, Uint8Array.of(0))))).toBe('invalid_entry_bundle');
    expect(codeOf(() => decodeEntryBundle(Uint8Array.of(0x00, 0x05, 1, 2)))).toBe('invalid_entry_bundle');
    expect(codeOf(() => decodeEntryBundle(new Uint8Array(0)))).toBe('invalid_entry_bundle');
    expect(codeOf(() => decodeEntryBundle(good, 3))).toBe('invalid_entry_bundle');
    expect(codeOf(() => decodeEntryBundle(new Uint8Array(257 * 2)))).toBe('invalid_entry_bundle');
    expect(decodeEntryBundle(new Uint8Array(256 * 2))).toHaveLength(256);
  });
});
