// Shared test fixtures: a fresh ledger and app over a real SQLite file in a temp directory, and
// a way for test actors to sign statements exactly as an outside client would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { toBase64 } from '../src/core/bytes.ts';
import { generateKeyPair, type KeyPair } from '../src/core/ed25519.ts';
import { signStatement, type Statement, type StatementType, type Submission } from '../src/core/statement.ts';
import { formatTime } from '../src/core/time.ts';
import { createLedger, type Ledger, type LedgerObserver } from '../src/ledger/ledger.ts';
import { openSqliteStore, type SqliteStore } from '../src/store/sqlite.ts';
import { createApp } from '../src/http/app.ts';
import type { Clock } from '../src/ledger/clock.ts';
import type { CheckPool } from '../src/ledger/check-pool.ts';

export class TestClock implements Clock {
  constructor(public ms = Date.parse('2026-11-22T08:00:00.000Z')) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

export interface Actor {
  id: string;
  key: KeyPair;
}

export interface Harness {
  dir: string;
  store: SqliteStore;
  ledger: Ledger;
  app: ReturnType<typeof createApp>;
  clock: TestClock;
  operator: Actor;
  logKey: KeyPair;
  sign(actor: Actor, type: StatementType, body: Record<string, unknown>, over?: Partial<Statement>): Submission;
  post(sub: unknown, query?: string): Promise<Response>;
  /** Signs and posts; throws unless the log answers 201. Returns the seq. */
  append(actor: Actor, type: StatementType, body: Record<string, unknown>): Promise<number>;
  register(id: string, role: string, extra?: Record<string, unknown>): Promise<Actor>;
  close(): void;
}

export function makeHarness(opts: { checkpointIntervalMs?: number; checkPool?: CheckPool; onFatal?: (e: Error) => void; observer?: LedgerObserver } = {}): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-test-'));
  const store = openSqliteStore({ file: join(dir, 'lotproof.db'), documentsDir: join(dir, 'documents') });
  const clock = new TestClock();
  const operatorKey = generateKeyPair();
  const logKey = generateKeyPair();
  const ledger = createLedger({
    store,
    clock,
    origin: 'test.lotproof/log',
    operatorKey,
    logKey,
    checkpointIntervalMs: opts.checkpointIntervalMs ?? 5,
    checkPool: opts.checkPool,
    onFatal: opts.onFatal,
    observer: opts.observer,
  });
  const app = createApp({ ledger, clock, config: { publicUrl: 'https://lotproof.test' } });
  const operator = { id: 'operator', key: operatorKey };
  const h: Harness = {
    dir,
    store,
    ledger,
    app,
    clock,
    operator,
    logKey,
    sign(actor, type, body, over = {}) {
      const st: Statement = {
        v: 1,
        type,
        actor: actor.id,
        pub: toBase64(actor.key.publicKey),
        time: formatTime(clock.now()),
        nonce: toBase64(randomBytes(16)),
        body,
        ...over,
      };
      return signStatement(st, actor.key);
    },
    post(sub, query = '') {
      return Promise.resolve(
        app.request(`/v1/entries${query}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: typeof sub === 'string' ? sub : JSON.stringify(sub),
        }),
      );
    },
    async append(actor, type, body) {
      const res = await h.post(h.sign(actor, type, body));
      if (res.status !== 201) throw new Error(`${type} by ${actor.id} refused: ${res.status} ${await res.text()}`);
      return ((await res.json()) as { seq: number }).seq;
    },
    async register(id, role, extra = {}) {
      const key = generateKeyPair();
      const accreditation = role === 'lab' || role === 'certifier' ? { accreditation: { body: 'CNAS', number: `L${id.length}123` } } : {};
      await h.append(operator, 'actor.register', { id, role, name: `${id} name`, pub: toBase64(key.publicKey), ...accreditation, ...extra });
      return { id, key };
    },
    close() {
      ledger.close();
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

export const GTIN = '09506000134352';
export const GTIN2 = '09506000134369';

export function batchBody(lot: string, over: Record<string, unknown> = {}, gtin = GTIN): Record<string, unknown> {
  return {
    gtin,
    lot,
    product: { name: 'Organic wheat', category: 'grain' },
    producedOn: '2026-09-01',
    quantity: { amount: 1000, uom: 'KGM' },
    origin: { country: 'CN' },
    ...over,
  };
}
