// Summaries of V8 CPU profiles (.cpuprofile, from node --cpu-prof): the functions with the most
// self time, and the inclusive time of the ledger's stages, per thread's profile.
// Usage: node --import tsx scripts/bench/profile.ts FILE.cpuprofile... [--top 25]
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parseArgs } from 'node:util';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
}

/** Functions whose inclusive time says where a lotproof process spends it. */
export const STAGES = [
  // serve: appends
  'checkSubmissionJson',
  'precheckSubmission',
  '#commitOne',
  'applyStatement',
  'integrate',
  'signNow',
  // serve: reads
  'batchView',
  'renderBatchPage',
  'inclusionProof',
  'readTileHashes',
  'encodeEntryBundle',
  'genealogyView',
  // audit
  'push',
  'verifyTiles',
  'check',
  // everywhere
  'verifyOneShot',
  'canonicalize',
];

export function summarize(file: string, top = 20): string {
  const p = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  let all = 0;
  for (const t of self.values()) all += t;
  const label = (n: Node) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  for (const n of p.nodes) selfBy.set(label(n), (selfBy.get(label(n)) ?? 0) + (self.get(n.id) ?? 0));
  const memo = new Map<number, number>();
  const total = (id: number): number => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    const n = byId.get(id)!;
    let t = self.get(id) ?? 0;
    for (const c of n.children ?? []) t += total(c);
    memo.set(id, t);
    return t;
  };
  // Inclusive time by stage, counting only the outermost call of each (recursion counted once).
  const stage = new Map<string, number>();
  const walk = (id: number, open: Set<string>) => {
    const n = byId.get(id)!;
    const name = n.callFrame.functionName;
    let inner = open;
    if (STAGES.includes(name) && !open.has(name)) {
      stage.set(name, (stage.get(name) ?? 0) + total(id));
      inner = new Set(open).add(name);
    }
    for (const c of n.children ?? []) walk(c, inner);
  };
  walk(p.nodes[0]!.id, new Set());
  const pct = (t: number) => `${((t / all) * 100).toFixed(1).padStart(5)}%`;
  const idle = selfBy.get('(idle) :0') ?? 0;
  if (idle / all > 0.9) return `${basename(file)}: ${(all / 1e6).toFixed(1)} s sampled, ${((idle / all) * 100).toFixed(0)}% idle (a loader or idle thread)`;
  const lines = [`${basename(file)}: ${(all / 1e6).toFixed(1)} s sampled`, '  most self time:'];
  for (const [k, t] of [...selfBy].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t)} ${k}`);
  const stages = [...stage].filter(([, t]) => t / all >= 0.001).sort((a, b) => b[1] - a[1]);
  if (stages.length > 0) {
    lines.push('  inclusive, by stage:');
    for (const [k, t] of stages) lines.push(`  ${pct(t)} ${k}`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({ options: { top: { type: 'string', default: '20' } }, allowPositionals: true });
  for (const f of positionals) console.log(`${summarize(f, Number(values.top))}\n`);
}
