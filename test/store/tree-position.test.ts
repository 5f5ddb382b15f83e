// Tree node positions (src/store/tree-position.ts): the order the log makes nodes in, which is
// the order they are stored in.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Frontier } from '../../src/core/merkle.ts';
import { leavesUpTo, nodesOfLeaves, treePosition } from '../../src/store/tree-position.ts';

const leaf = new Uint8Array(32);

describe('tree node positions', () => {
  it('number every node 0, 1, 2, ... in the order appending leaves makes them', () => {
    const f = new Frontier();
    let next = 0;
    for (let k = 0; k < 5000; k++) {
      expect(treePosition(0, k)).toBe(nodesOfLeaves(k));
      for (const n of f.append(leaf)) expect(treePosition(n.level, n.index)).toBe(next++);
      expect(next).toBe(nodesOfLeaves(k + 1));
      // The last position made so far gives back how many leaves there are, and so does any
      // position among the leaf's own nodes (a group's write is whole, but this is the inverse).
      expect(leavesUpTo(next - 1)).toBe(k + 1);
      expect(leavesUpTo(nodesOfLeaves(k))).toBe(k + 1);
    }
    expect(leavesUpTo(-1)).toBe(0);
  });

  it('hold for trees of up to 2^52 leaves, where a 32-bit shortcut would fail', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 52 - 1 }), fc.integer({ min: 0, max: 20 }), (k, up) => {
        // Node (level, index) with all its leaves before 2^52.
        const level = Math.min(up, 52);
        const index = Math.floor(k / 2 ** level);
        const r = (index + 1) * 2 ** level;
        const pos = treePosition(level, index);
        // Made by leaf r - 1, after that leaf's level-0 node and its first `level` parents.
        expect(pos).toBe(nodesOfLeaves(r - 1) + level);
        expect(pos).toBeLessThan(nodesOfLeaves(r));
        expect(leavesUpTo(pos)).toBe(r);
        expect(leavesUpTo(nodesOfLeaves(k))).toBe(k + 1);
      }),
      { numRuns: 2000 },
    );
  });
});
