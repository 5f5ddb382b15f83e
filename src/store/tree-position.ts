// Where the store keeps each Merkle tree node: its position in the order the log makes them
// (schema/schema.ts). Appending leaf k makes its level-0 node and then each parent it completes,
// one per trailing one bit of k, so the first n leaves make f(n) = 2n - popcount(n) nodes, and
// leaf k's node is at f(k). Node (level, index) is made by leaf r - 1 with r = (index + 1)·2^level,
// last but (trailing zeros of r) - level of that leaf's nodes.

const TWO_32 = 2 ** 32;

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Bits set in n, a non-negative safe integer. */
function popcount(n: number): number {
  return popcount32(n >>> 0) + popcount32(Math.floor(n / TWO_32));
}

/** Trailing zero bits of x, a non-zero 32-bit integer. */
function trailingZeros32(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/** Trailing zero bits of n > 0, a safe integer. */
function trailingZeros(n: number): number {
  const lo = n >>> 0;
  return lo !== 0 ? trailingZeros32(lo) : 32 + trailingZeros32(Math.floor(n / TWO_32));
}

/** Nodes made by the first n leaves: 2n - popcount(n). */
export function nodesOfLeaves(n: number): number {
  return 2 * n - popcount(n);
}

/** The stored position of node (level, index). */
export function treePosition(level: number, index: number): number {
  const r = (index + 1) * 2 ** level;
  return nodesOfLeaves(r) - 1 - (trailingZeros(r) - level);
}

/** How many leaves have their level-0 node among positions 0 .. last (-1: none). */
export function leavesUpTo(last: number): number {
  if (last < 0) return 0;
  // f(k) <= last for leaves k = 0 .. n - 1; f grows by at least one and n >= last / 2.
  let n = Math.floor(last / 2);
  while (nodesOfLeaves(n) > last) n--;
  while (nodesOfLeaves(n + 1) <= last) n++;
  return n + 1;
}
