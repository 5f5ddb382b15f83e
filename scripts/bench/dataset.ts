// Builds a benchmark ledger of N entries directly through the ledger layer (createLedger +
// the SQLite store), with real Ed25519 signatures made by node:crypto, and a showcase: a batch
// with a lab report, a certificate and 4 handoffs, and a 100-hop transformation chain.
// The result is a data directory that `lotproof serve` opens as it is.
import { createPrivateKey, randomBytes, sign as nodeSign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { toBase64 } from '../../src/core/bytes.ts';
import { encodePrivateKeyPem, generateKeyPair, type KeyPair } from '../../src/core/ed25519.ts';
import { gtinCheckDigit } from '../../src/core/gs1.ts';
import { statementMessage, type Statement, type StatementType, type Submission } from '../../src/core/statement.ts';
import { formatTime } from '../../src/core/time.ts';
import { writeKeyFile } from '../../src/cli/keyfile.ts';
import { systemClock } from '../../src/ledger/clock.ts';
import { createLedger } from '../../src/ledger/ledger.ts';
import { openSqliteStore } from '../../src/store/sqlite.ts';

export interface Dataset {
  dir: string;
  origin: string;
  entries: number;
  showcase: string;
  chainEnd: string;
  buildSeconds: number;
}

interface Signer {
  id: string;
  key: KeyPair;
  priv: KeyObject;
}

function signer(id: string): Signer {
  const key = generateKeyPair();
  return { id, key, priv: createPrivateKey(encodePrivateKeyPem(key)) };
}

function sign(s: Signer, type: StatementType, body: Record<string, unknown>): Submission {
  const statement: Statement = { v: 1, type, actor: s.id, pub: toBase64(s.key.publicKey), time: formatTime(Date.now()), nonce: toBase64(randomBytes(16)), body };
  return { statement, sig: toBase64(nodeSign(null, statementMessage(statement), s.priv)) };
}

const gtin = (n: number) => {
  const base = `950600${String(n).padStart(7, '0')}`;
  return `${base}${gtinCheckDigit(base)}`;
};
const create = (g: string, lot: string, amount = 1000) => ({
  gtin: g,
  lot,
  product: { name: 'Bench rice', category: 'grain' },
  producedOn: '2026-11-01',
  quantity: { amount, uom: 'KGM' },
  origin: { country: 'CN' },
});

/** Builds (or reuses, when `dir` already holds one) a ledger of at least `n` entries. */
export async function buildDataset(dir: string, n: number, origin: string, log: (m: string) => void = () => {}): Promise<Dataset> {
  const t0 = performance.now();
  const showcase = `01/${gtin(1)}/10/SHOWCASE`;
  const chainEnd = `01/${gtin(2)}/10/CHAIN-100`;
  const dbFile = join(dir, 'lotproof.db');
  if (existsSync(dbFile)) {
    const store = openSqliteStore({ file: dbFile, documentsDir: join(dir, 'documents') });
    const size = store.head().size;
    store.close();
    if (size >= n) return { dir, origin, entries: size, showcase, chainEnd, buildSeconds: 0 };
    throw new Error(`${dir} holds a smaller dataset (${size} entries); remove it first`);
  }
  mkdirSync(dir, { recursive: true });
  const operator = signer('operator');
  const logKey = generateKeyPair();
  writeKeyFile(join(dir, 'operator.key'), operator.key);
  writeKeyFile(join(dir, 'log.key'), logKey);
  const store = openSqliteStore({ file: dbFile, documentsDir: join(dir, 'documents') });
  const ledger = createLedger({ store, clock: systemClock, origin, operatorKey: operator.key, logKey, checkpointIntervalMs: 1000, maxBatch: 1000, maxQueue: 100_000 });
  const submit = (sub: Submission) => ledger.submit(sub);
  const register = async (id: string, role: string) => {
    const s = signer(id);
    const acc = role === 'lab' || role === 'certifier' ? { accreditation: { body: 'CNAS', number: `L-${id}` } } : {};
    await submit(sign(operator, 'actor.register', { id, role, name: id, pub: toBase64(s.key.publicKey), ...acc }));
    return s;
  };
  const farm = await register('bench-farm', 'producer');
  const mill = await register('bench-mill', 'producer');
  const lab = await register('bench-lab', 'lab');
  const cert = await register('bench-cert', 'certifier');
  const carrier = await register('bench-carrier', 'carrier');
  const retailer = await register('bench-retailer', 'retailer');

  // The showcase: a lab report, a certificate and 4 handoffs.
  await submit(sign(farm, 'batch.create', create(gtin(1), 'SHOWCASE')));
  await submit(sign(lab, 'labreport.issue', { id: 'R-SHOW', batch: showcase, issuedOn: '2026-11-02', tests: [{ name: 'Cadmium', result: 0.05, limit: 0.2, unit: 'mg/kg', verdict: 'pass' }], verdict: 'pass' }));
  await submit(sign(cert, 'certificate.issue', { id: 'C-SHOW', subject: { actor: farm.id }, standard: 'GB/T 19630', validFrom: '2026-01-01', validUntil: '2027-12-31' }));
  await submit(sign(farm, 'handoff.ship', { id: 'S1', batch: showcase, to: carrier.id, quantity: 800, shippedAt: '2026-11-03T08:00:00.000Z' }));
  await submit(sign(carrier, 'handoff.receive', { shipment: `${farm.id}/S1`, receivedAt: '2026-11-03T10:00:00.000Z', outcome: 'accepted' }));
  await submit(sign(carrier, 'handoff.ship', { id: 'S2', batch: showcase, to: retailer.id, quantity: 800, shippedAt: '2026-11-04T08:00:00.000Z' }));
  await submit(sign(retailer, 'handoff.receive', { shipment: `${carrier.id}/S2`, receivedAt: '2026-11-04T10:00:00.000Z', outcome: 'accepted' }));

  // The 100-hop chain: each transform consumes the previous output.
  await submit(sign(mill, 'batch.create', create(gtin(2), 'CHAIN-0', 1_000_000)));
  for (let i = 1; i <= 100; i++) {
    await submit(sign(mill, 'batch.transform', { inputs: [{ batch: `01/${gtin(2)}/10/CHAIN-${i - 1}`, quantity: 1 }], outputs: [create(gtin(2), `CHAIN-${i}`, 1_000_000)] }));
  }

  // Filler: many producers' batches, in groups.
  const producers = await Promise.all(Array.from({ length: 20 }, (_, i) => register(`bench-p${i}`, 'producer')));
  const GROUP = 2000;
  let made = ledger.size();
  let k = 0;
  while (made < n) {
    const count = Math.min(GROUP, n - made);
    const subs = Array.from({ length: count }, () => {
      const p = producers[k % producers.length]!;
      const sub = sign(p, 'batch.create', create(gtin(1000 + (k % 9_000_000)), `L${k}`));
      k++;
      return sub;
    });
    await Promise.all(subs.map(submit));
    made = ledger.size();
    if (made % 100_000 < GROUP) log(`dataset: ${made} entries`);
  }
  ledger.close();
  store.close();
  return { dir, origin, entries: made, showcase, chainEnd, buildSeconds: (performance.now() - t0) / 1000 };
}
