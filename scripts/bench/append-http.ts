// Load generator: a registered producer posts N distinct signed batch.create submissions over
// C keep-alive connections to a running lotproof, each acknowledged only when durable. Prints
// JSON: throughput, latency percentiles, and the time from acknowledgement to checkpoint.
// Usage: node --import tsx scripts/bench/append-http.ts --url URL --operator-key FILE [--n 20000] [--c 64]
import { request, Agent } from 'node:http';
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { toBase64 } from '../../src/core/bytes.ts';
import { generateKeyPair, type KeyPair } from '../../src/core/ed25519.ts';
import { gtinCheckDigit } from '../../src/core/gs1.ts';
import type { StatementType } from '../../src/core/statement.ts';
import { signSubmission } from '../../src/cli/client.ts';
import { readKeyFile } from '../../src/cli/keyfile.ts';

const { values } = parseArgs({
  options: { url: { type: 'string' }, 'operator-key': { type: 'string' }, n: { type: 'string', default: '20000' }, c: { type: 'string', default: '64' } },
});
const url = new URL(values.url ?? 'http://127.0.0.1:8080');
const N = Number(values.n);
const C = Number(values.c);
const agent = new Agent({ keepAlive: true, maxSockets: C });

function post(body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path: '/v1/entries', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function sign(key: KeyPair, actor: string, type: StatementType, body: Record<string, unknown>): string {
  return JSON.stringify(signSubmission(actor, key, type, body, Date.now()));
}

const operator = readKeyFile(values['operator-key']!);
const producer = generateKeyPair();
const id = `bench-${randomBytes(4).toString('hex')}`;

const base = `95${randomBytes(5).readUIntBE(0, 5).toString().padStart(11, '0').slice(0, 11)}`;
const gtin = `${base}${gtinCheckDigit(base)}`;
const bodies: string[] = [];
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  bodies.push(
    sign(producer, id, 'batch.create', {
      gtin,
      lot: `L${i}`,
      product: { name: 'Bench rice', category: 'grain' },
      producedOn: '2026-11-01',
      quantity: { amount: 100, uom: 'KGM' },
      origin: { country: 'CN' },
    }),
  );
}
const signMs = performance.now() - t0;
// Registered only now: a keep-alive socket left idle while signing would be closed by the server.
const reg = await post(sign(operator, 'operator', 'actor.register', { id, role: 'producer', name: 'Bench producer', pub: toBase64(producer.publicKey) }));
if (reg.status !== 201) throw new Error(`register: ${reg.status} ${reg.text}`);

const lat: number[] = [];
let next = 0;
let failed = 0;
const ackAt: { seq: number; at: number }[] = [];
const start = performance.now();
await Promise.all(
  Array.from({ length: C }, async () => {
    while (next < N) {
      const body = bodies[next++]!;
      const s = performance.now();
      const r = await post(body);
      const e = performance.now();
      lat.push(e - s);
      if (r.status !== 201) failed++;
      else ackAt.push({ seq: (JSON.parse(r.text) as { seq: number }).seq, at: e });
    }
  }),
);
const elapsed = performance.now() - start;
lat.sort((a, b) => a - b);
const pct = (p: number) => lat[Math.min(lat.length - 1, Math.floor((p / 100) * lat.length))]!;

// Time to checkpoint: poll the checkpoint until it covers the last acknowledged entry.
const maxSeq = Math.max(...ackAt.map((a) => a.seq));
let covered = 0;
const cpDeadline = performance.now() + 10_000;
while (performance.now() < cpDeadline) {
  const res = await fetch(new URL('/log/checkpoint', url));
  covered = Number((await res.text()).split('\n')[1]);
  if (covered > maxSeq) break;
  await new Promise((r) => setTimeout(r, 20));
}
const lastAck = Math.max(...ackAt.map((a) => a.at));
console.log(
  JSON.stringify({
    n: N,
    connections: C,
    failed,
    entriesPerSecond: Math.round((N - failed) / (elapsed / 1000)),
    p50ms: +pct(50).toFixed(1),
    p99ms: +pct(99).toFixed(1),
    lastAckToCheckpointMs: covered > maxSeq ? Math.round(performance.now() - lastAck) : null,
    clientSignMs: Math.round(signMs),
  }),
);
agent.destroy();
