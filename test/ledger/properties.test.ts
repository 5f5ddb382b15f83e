// Property tests of the ledger rules (SPEC §1, §3) through the real ledger over SQLite: random
// sequences of statements by a few actors, many of them wrong on purpose, and after every step
// and every run the invariants an auditor relies on, re-checked from the stored bytes as
// sunlight's CheckLog does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { equalBytes, fromUtf8, toBase64, toHex } from '../../src/core/bytes.ts';
import { generateKeyPair, sign as ed25519Sign, type KeyPair } from '../../src/core/ed25519.ts';
import { entryHash, ZERO_HASH_B64, type Entry } from '../../src/core/entry.ts';
import { LedgerError } from '../../src/core/errors.ts';
import { canonicalBytes } from '../../src/core/jcs.ts';
import { hashLeaf, rootFromLeafHashes } from '../../src/core/merkle.ts';
import { statementMessage, verifySubmission, type StatementType, type Submission } from '../../src/core/statement.ts';
import { batchBody, GTIN, GTIN2, makeHarness, type Actor, type Harness } from '../support.ts';

// ---------------------------------------------------------------------------------------------
// Operations
// ---------------------------------------------------------------------------------------------

/** The cast: two producers, a carrier, a retailer and an authority. Indexes into this list. */
const CAST = [
  { id: 'p1', role: 'producer' },
  { id: 'p2', role: 'producer' },
  { id: 'c1', role: 'carrier' },
  { id: 'r1', role: 'retailer' },
  { id: 'a1', role: 'authority' },
] as const;

type Op =
  | { kind: 'create'; actor: number; lot: number; gtin2: boolean; amount: number }
  | { kind: 'ship'; actor: number; holder: boolean; batch: number; to: number; fraction: number; reuseId: boolean; unit: boolean }
  | { kind: 'receive'; shipment: number; right: boolean; by: number; rejected: boolean; partial: number | null }
  | { kind: 'transform'; actor: number; held: boolean; inputs: { batch: number; fraction: number }[]; amount: number }
  | { kind: 'recall'; actor: number; batches: number[]; close: boolean }
  | { kind: 'revoke'; actor: number }
  | { kind: 'rotate'; actor: number; byOperator: boolean }
  | { kind: 'rotateWeak'; actor: number }
  | { kind: 'replay'; which: number }
  | { kind: 'wrongKey'; actor: number; claimOwnPub: boolean }
  | { kind: 'staleKey'; actor: number }
  | { kind: 'forge'; actor: number }
  | { kind: 'clock'; ms: number }
  | { kind: 'burst'; lots: number[]; actor: number };

const actorIdx = fc.integer({ min: 0, max: CAST.length - 1 });
const producerIdx = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 1 }) }, { weight: 1, arbitrary: actorIdx });
const holderIdx = fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 1, arbitrary: actorIdx });
/** Mostly within the holding, sometimes more than it. */
const fraction = fc.oneof({ weight: 4, arbitrary: fc.double({ min: 0.01, max: 1, noNaN: true }) }, { weight: 1, arbitrary: fc.double({ min: 1.01, max: 3, noNaN: true }) });
const rarely = fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 9, arbitrary: fc.constant(false) });
/** Amounts with up to 3 decimals. */
const amount = fc.integer({ min: 1, max: 5_000_000 }).map((n) => n / 1000);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('create' as const), actor: producerIdx, lot: fc.integer({ min: 0, max: 12 }), gtin2: fc.boolean(), amount }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('ship' as const),
      actor: holderIdx,
      holder: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      batch: fc.nat(),
      to: holderIdx,
      fraction,
      reuseId: rarely,
      unit: fc.boolean(),
    }),
  },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant('receive' as const),
      shipment: fc.nat(),
      right: fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
      by: actorIdx,
      rejected: fc.boolean(),
      partial: fc.option(fc.double({ min: 0.05, max: 1.3, noNaN: true }), { nil: null }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('transform' as const),
      actor: producerIdx,
      held: fc.boolean(),
      inputs: fc.array(fc.record({ batch: fc.nat(), fraction }), { minLength: 1, maxLength: 2 }),
      amount,
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('recall' as const), actor: fc.constantFrom(0, 1, 4, 2), batches: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }), close: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('revoke' as const), actor: actorIdx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('rotate' as const), actor: actorIdx, byOperator: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rotateWeak' as const), actor: actorIdx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('replay' as const), which: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrongKey' as const), actor: actorIdx, claimOwnPub: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('staleKey' as const), actor: actorIdx }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('forge' as const), actor: actorIdx }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('clock' as const), ms: fc.integer({ min: -30_000, max: 5_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('burst' as const), lots: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 2, maxLength: 5 }), actor: producerIdx }) },
);

// ---------------------------------------------------------------------------------------------
// Checks over the stored state
// ---------------------------------------------------------------------------------------------

/** A digest of every table a refused statement could touch (checkpoints are signed on a timer). */
function digest(h: Harness): string {
  const tables = (h.store.sqlite
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%' and name != 'checkpoints' order by name")
    .all() as { name: string }[]).map((t) => t.name);
  return tables
    .map((t) => `${t}:${JSON.stringify(h.store.sqlite.prepare(`select * from "${t}" order by rowid`).all(), (_k, v) => (Buffer.isBuffer(v) ? v.toString('hex') : v))}`)
    .join('\n');
}

/** No holding is negative, and each batch's quantity is held, in transit, or consumed. */
function checkHoldings(h: Harness): void {
  const negative = h.store.sqlite.prepare('select * from holdings where amount < 0').all();
  expect(negative).toEqual([]);
  const rows = h.store.sqlite
    .prepare(
      `select b.id, b.gtin, b.lot, b.amount,
         coalesce((select sum(amount) from holdings where batch_id = b.id), 0) as held,
         coalesce((select sum(amount) from shipments where batch_id = b.id and receive_seq is null), 0) as transit,
         coalesce((select sum(amount) from (select distinct seq, amount from batch_links where input = b.id)), 0) as consumed
       from batches b order by b.id`,
    )
    .all() as { id: number; gtin: string; lot: string; amount: number; held: number; transit: number; consumed: number }[];
  for (const r of rows) {
    expect(r.held + r.transit + r.consumed, `batch 01/${r.gtin}/10/${r.lot}: held ${r.held} + in transit ${r.transit} + consumed ${r.consumed}`).toBe(r.amount);
  }
  // A holding belongs to an actor the log knows.
  expect(h.store.sqlite.prepare('select * from holdings where actor not in (select id from actors)').all()).toEqual([]);
}

/**
 * Re-verifies every leaf from scratch: JCS of the parsed entry is the leaf, the prev chain, the
 * statement's signature under the pub it names, that pub being the actor's active key at that
 * seq, loggedAt never decreasing; and the latest checkpoint's root over all leaves.
 */
async function checkLog(h: Harness): Promise<void> {
  const { size, lastHash } = h.store.head();
  expect(h.ledger.size()).toBe(size);
  let prev = ZERO_HASH_B64;
  let lastLoggedAt = '';
  const leafHashes: Uint8Array[] = [];
  const activeKey = h.store.sqlite.prepare(
    'select pub from actor_keys where actor = ? and from_seq < ? and (until_seq is null or until_seq >= ?)',
  );
  for (const [seq, leaf] of h.store.leaves(0, size).entries()) {
    const entry = JSON.parse(fromUtf8(leaf)) as Entry;
    expect(equalBytes(canonicalBytes(entry), leaf), `entry ${seq} is its own JCS`).toBe(true);
    expect(entry.seq).toBe(seq);
    expect(entry.prev, `prev of entry ${seq}`).toBe(prev);
    expect(entry.loggedAt >= lastLoggedAt, `loggedAt of entry ${seq}: ${entry.loggedAt} after ${lastLoggedAt}`).toBe(true);
    expect(verifySubmission({ statement: entry.statement, sig: entry.sig }), `signature of entry ${seq}`).toBe(true);
    if (seq > 0) {
      const keys = activeKey.all(entry.statement.actor, seq, seq) as { pub: string }[];
      expect(keys.map((k) => k.pub), `active key of ${entry.statement.actor} at ${seq}`).toEqual([entry.statement.pub]);
    } else {
      expect(entry.statement.type).toBe('log.init');
      expect(entry.statement.pub).toBe(toBase64(h.operator.key.publicKey));
    }
    const hash = entryHash(leaf);
    expect(equalBytes(hash, h.store.entry(seq)!.hash)).toBe(true);
    prev = toBase64(hash);
    lastLoggedAt = entry.loggedAt;
    leafHashes.push(hashLeaf(leaf));
  }
  expect(prev).toBe(toBase64(lastHash));
  const cp = await h.ledger.waitForCheckpoint(size - 1);
  expect(cp.size).toBe(size);
  expect(toHex(cp.root)).toBe(toHex(rootFromLeafHashes(leafHashes)));
}

// ---------------------------------------------------------------------------------------------
// Running a sequence
// ---------------------------------------------------------------------------------------------

interface World {
  h: Harness;
  actors: Actor[];
  /** Keys an actor used before a rotation. */
  stale: (KeyPair | undefined)[];
  revoked: Set<string>;
  /** Batch names the log accepted, in order. */
  batches: { gtin: string; lot: string }[];
  shipments: { signer: string; id: string; to: string }[];
  accepted: Submission[];
  counter: number;
  maxClock: number;
  refusals: Map<string, number>;
}

const batchName = (b: { gtin: string; lot: string }) => `01/${b.gtin}/10/${b.lot}`;

function pickBatch(w: World, i: number): { gtin: string; lot: string } {
  return w.batches.length === 0 ? { gtin: GTIN, lot: 'NOPE' } : w.batches[i % w.batches.length]!;
}

/** With `held`, one of the batches `actor` holds some of (if any); otherwise any batch. */
function pickHeldBatch(w: World, actor: string, i: number, held: boolean): { gtin: string; lot: string } {
  const mine = held ? w.batches.filter((b) => heldMicro(w, b, actor) > 0) : [];
  return mine.length > 0 ? mine[i % mine.length]! : pickBatch(w, i);
}

function heldMicro(w: World, b: { gtin: string; lot: string }, actor: string): number {
  const row = w.h.store.batchByKey(b.gtin, b.lot);
  return row ? w.h.store.holding(row.id, actor) : 0;
}

/** A positive amount, in the batch's units, of `fraction` of a holding (at least one micro-unit). */
function portion(micro: number, f: number): number {
  return Math.max(1, Math.round(micro * f)) / 1e6;
}

/**
 * Submits one statement. A refusal must leave every table as it was; an acceptance must append
 * exactly one entry. Returns the refusal code, or undefined when accepted.
 */
async function submit(w: World, sub: Submission): Promise<string | undefined> {
  const size = w.h.ledger.size();
  const before = digest(w.h);
  try {
    const a = await w.h.ledger.submit(sub);
    expect(a.seq).toBe(size);
    expect(w.h.ledger.size()).toBe(size + 1);
    w.accepted.push(sub);
    return undefined;
  } catch (e) {
    if (!(e instanceof LedgerError)) throw e;
    expect(w.h.ledger.size(), `${sub.statement.type} refused (${e.code}) but the log grew`).toBe(size);
    expect(digest(w.h), `${sub.statement.type} refused (${e.code}) but the store changed`).toBe(before);
    w.refusals.set(e.code, (w.refusals.get(e.code) ?? 0) + 1);
    return e.code;
  }
}

function sign(w: World, actor: Actor, type: StatementType, body: Record<string, unknown>): Submission {
  return w.h.sign(actor, type, body);
}

async function run(w: World, op: Op): Promise<void> {
  const { h } = w;
  const me = w.actors[(op as { actor?: number }).actor ?? 0]!;
  const revokedBefore = new Set(w.revoked);
  const wasRevoked = revokedBefore.has(me.id);
  /** The signer of the statement whose refusal code is `code`. */
  let signer: Actor = me;
  let code: string | undefined;
  switch (op.kind) {
    case 'create': {
      const b = { gtin: op.gtin2 ? GTIN2 : GTIN, lot: `L${op.lot}` };
      const existed = h.store.batchByKey(b.gtin, b.lot) !== undefined;
      code = await submit(w, sign(w, me, 'batch.create', batchBody(b.lot, { quantity: { amount: op.amount, uom: 'KGM' } }, b.gtin)));
      if (existed) expect(code).toBeDefined();
      if (code === undefined) {
        w.batches.push(b);
        expect(heldMicro(w, b, me.id)).toBe(Math.round(op.amount * 1e6));
      }
      break;
    }
    case 'ship': {
      let b = pickBatch(w, op.batch);
      if (op.holder) {
        // Mostly, the shipper is whoever holds the most of the batch.
        const row = h.store.batchByKey(b.gtin, b.lot);
        const top = row ? [...h.store.holdingsOf(row.id)].sort((x, y) => y.amount - x.amount)[0] : undefined;
        const holder = top && top.amount > 0 ? w.actors.find((a) => a.id === top.actor) : undefined;
        if (holder) signer = holder;
      } else {
        b = pickHeldBatch(w, me.id, op.batch, true);
      }
      const to = w.actors[op.to]!;
      const held = heldMicro(w, b, signer.id);
      const toHeld = heldMicro(w, b, to.id);
      const qty = portion(held, op.fraction);
      const id = op.reuseId && w.counter > 0 ? `S${w.counter - 1}` : `S${w.counter++}`;
      code = await submit(
        w,
        sign(w, signer, 'handoff.ship', { id, batch: batchName(b), to: to.id, quantity: op.unit ? { amount: qty, uom: 'KGM' } : qty, shippedAt: '2026-11-01T08:00:00.000Z' }),
      );
      if (Math.round(qty * 1e6) > held) expect(code, `shipping ${qty} of ${held / 1e6} held`).toBeDefined();
      if (w.revoked.has(to.id)) expect(code).toBeDefined();
      if (code === undefined) {
        expect(heldMicro(w, b, signer.id)).toBe(held - Math.round(qty * 1e6));
        expect(heldMicro(w, b, to.id)).toBe(toHeld);
        w.shipments.push({ signer: signer.id, id, to: to.id });
      }
      break;
    }
    case 'receive': {
      if (w.shipments.length === 0) return;
      const s = w.shipments[op.shipment % w.shipments.length]!;
      const by = op.right ? w.actors.find((a) => a.id === s.to)! : w.actors[op.by]!;
      signer = by;
      const row = h.store.shipment(s.signer, s.id)!;
      const batch = h.store.batchById(row.batchId)!;
      const b = { gtin: batch.gtin, lot: batch.lot };
      const [senderHeld, byHeld] = [heldMicro(w, b, s.signer), heldMicro(w, b, by.id)];
      const qty = op.partial === null ? undefined : portion(row.amount, op.partial);
      code = await submit(
        w,
        sign(w, by, 'handoff.receive', {
          shipment: `${s.signer}/${s.id}`,
          receivedAt: '2026-11-02T08:00:00.000Z',
          outcome: op.rejected ? 'rejected' : 'accepted',
          ...(qty === undefined ? {} : { quantity: qty }),
        }),
      );
      if (by.id !== s.to || row.receiveSeq !== null) expect(code).toBeDefined();
      if (code === undefined) {
        const accepted = op.rejected ? 0 : qty === undefined ? row.amount : Math.round(qty * 1e6);
        expect(accepted).toBeLessThanOrEqual(row.amount);
        expect(heldMicro(w, b, by.id)).toBe(byHeld + accepted);
        expect(heldMicro(w, b, s.signer)).toBe(senderHeld + row.amount - accepted);
        expect(h.store.shipment(s.signer, s.id)!.receiveSeq).toBe(h.ledger.size() - 1);
      }
      break;
    }
    case 'transform': {
      const inputs = op.inputs.map((x) => {
        const b = pickHeldBatch(w, me.id, x.batch, op.held);
        const held = heldMicro(w, b, me.id);
        return { b, held, qty: portion(held, x.fraction) };
      });
      const out = { gtin: GTIN2, lot: `T${w.counter++}` };
      code = await submit(
        w,
        sign(w, me, 'batch.transform', {
          inputs: inputs.map((x) => ({ batch: batchName(x.b), quantity: x.qty })),
          outputs: [batchBody(out.lot, { quantity: { amount: op.amount, uom: 'KGM' } }, out.gtin)],
        }),
      );
      if (inputs.some((x) => Math.round(x.qty * 1e6) > x.held)) expect(code).toBeDefined();
      if (code === undefined) {
        for (const x of inputs) expect(heldMicro(w, x.b, me.id)).toBe(x.held - Math.round(x.qty * 1e6));
        expect(heldMicro(w, out, me.id)).toBe(Math.round(op.amount * 1e6));
        w.batches.push(out);
      }
      break;
    }
    case 'recall': {
      const names = [...new Set(op.batches.map((i) => batchName(pickBatch(w, i))))];
      const id = `RC${w.counter++}`;
      code = await submit(w, sign(w, me, 'recall.issue', { id, batches: names, class: 'II', reason: 'test', instructions: 'return' }));
      if (code === undefined) {
        if (CAST[op.actor]!.role === 'producer') {
          for (const n of names) {
            const [, gtin, , lot] = n.split('/');
            expect(h.store.batchByKey(gtin!, lot!)!.producer).toBe(me.id);
          }
        }
        if (op.close) {
          expect(await submit(w, sign(w, me, 'recall.close', { recall: `${me.id}/${id}`, note: 'done' }))).toBeUndefined();
          expect(await submit(w, sign(w, me, 'recall.close', { recall: `${me.id}/${id}`, note: 'again' }))).toBe('already_closed');
        }
      }
      break;
    }
    case 'revoke': {
      code = await submit(w, sign(w, w.actors[5]!, 'actor.revoke', { id: me.id, reason: 'test' }));
      if (wasRevoked) expect(code).toBe('already_revoked');
      else expect(code).toBeUndefined();
      if (code === undefined) w.revoked.add(me.id);
      return;
    }
    case 'rotate': {
      const next = generateKeyPair();
      const by = op.byOperator ? w.actors[5]! : me;
      code = await submit(w, sign(w, by, 'actor.rotateKey', { id: me.id, pub: toBase64(next.publicKey) }));
      if (code === undefined) {
        w.stale[op.actor] = me.key;
        me.key = next;
      }
      // A revoked actor's key cannot be rotated, by itself or by the operator.
      expect(code).toBe(wasRevoked ? (op.byOperator ? 'already_revoked' : 'actor_revoked') : undefined);
      return;
    }
    case 'rotateWeak': {
      // A small-order key (the identity point): under it OpenSSL would accept forged signatures.
      const identity = new Uint8Array(32);
      identity[0] = 1;
      for (const by of [me, w.actors[5]!]) {
        expect(await submit(w, sign(w, by, 'actor.rotateKey', { id: me.id, pub: toBase64(identity) }))).toBe('invalid_body');
      }
      return;
    }
    case 'forge': {
      // R = identity, S = 0 under the identity key "verifies" any message for OpenSSL.
      const identity = new Uint8Array(32);
      identity[0] = 1;
      const sub = sign(w, me, 'batch.create', batchBody(`F${w.counter++}`));
      const sig = new Uint8Array(64);
      sig[0] = 1;
      expect(await submit(w, { statement: { ...sub.statement, pub: toBase64(identity) }, sig: toBase64(sig) })).toBeDefined();
      return;
    }
    case 'replay': {
      if (w.accepted.length === 0) return;
      const sub = w.accepted[op.which % w.accepted.length]!;
      expect(await submit(w, sub)).toBeDefined();
      return;
    }
    case 'wrongKey': {
      const other = generateKeyPair();
      const body = batchBody(`W${w.counter++}`);
      let sub: Submission;
      if (op.claimOwnPub) {
        // Names the actor's active key but is signed by another: the signature does not verify.
        const st = sign(w, me, 'batch.create', body).statement;
        sub = { statement: st, sig: toBase64(ed25519Sign(statementMessage(st), other.secretKey)) };
      } else {
        // Validly signed, by a key that is not the actor's.
        sub = sign(w, { id: me.id, key: other }, 'batch.create', body);
      }
      expect(await submit(w, sub)).toBe(op.claimOwnPub ? 'bad_signature' : wasRevoked ? 'actor_revoked' : 'key_not_active');
      return;
    }
    case 'staleKey': {
      const old = w.stale[op.actor];
      if (!old) return;
      expect(await submit(w, sign(w, { id: me.id, key: old }, 'batch.create', batchBody(`K${w.counter++}`)))).toBeDefined();
      return;
    }
    case 'clock': {
      // Policy under test: loggedAt never decreases though the clock may step back (< 1 min).
      h.clock.ms = Math.max(h.clock.ms + op.ms, w.maxClock - 50_000);
      w.maxClock = Math.max(w.maxClock, h.clock.ms);
      return;
    }
    case 'burst': {
      // Concurrent submissions share a group commit; duplicates among them are refused alone.
      const size = h.ledger.size();
      const subs = op.lots.map((l) => sign(w, me, 'batch.create', batchBody(`L${l}`, {}, GTIN)));
      const results = await Promise.allSettled(subs.map((s) => h.ledger.submit(s)));
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      expect(h.ledger.size()).toBe(size + ok);
      results.forEach((r, i) => {
        if (r.status === 'fulfilled') {
          w.accepted.push(subs[i]!);
          w.batches.push({ gtin: GTIN, lot: `L${op.lots[i]}` });
        } else {
          expect(r.reason).toBeInstanceOf(LedgerError);
        }
      });
      expect(new Set(op.lots).size).toBeGreaterThanOrEqual(ok);
      return;
    }
  }
  // Nothing is accepted from a revoked actor.
  if (revokedBefore.has(signer.id)) expect(code, `${op.kind} by revoked ${signer.id}`).toBe('actor_revoked');
}

// ---------------------------------------------------------------------------------------------
// The property
// ---------------------------------------------------------------------------------------------

describe('random statement sequences through the ledger', () => {
  it('keep holdings conserved and non-negative, write nothing when refused, and re-verify from scratch', async () => {
    const totals = new Map<string, number>();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 20, maxLength: 40 }), async (ops) => {
        const h = makeHarness({ checkpointIntervalMs: 1 });
        try {
          const actors: Actor[] = [];
          for (const c of CAST) actors.push(await h.register(c.id, c.role));
          actors.push(h.operator); // index 5
          // Each producer starts with a batch, so that most sequences move goods from the start.
          for (const p of actors.slice(0, 2)) await h.append(p, 'batch.create', batchBody(`START-${p.id}`));
          const w: World = {
            h,
            actors,
            stale: [],
            revoked: new Set(),
            batches: [{ gtin: GTIN, lot: 'START-p1' }, { gtin: GTIN, lot: 'START-p2' }],
            shipments: [],
            accepted: [],
            counter: 0,
            maxClock: h.clock.ms,
            refusals: new Map(),
          };
          for (const op of ops) {
            await run(w, op);
            checkHoldings(h);
          }
          await checkLog(h);
          accepted += w.accepted.length;
          for (const [code, n] of w.refusals) totals.set(code, (totals.get(code) ?? 0) + n);
        } finally {
          h.close();
        }
      }),
      { numRuns: 30, seed: 20261122, endOnFailure: true },
    );
    // The generators reach both sides of the rules: plenty accepted, and the refusals that
    // matter here all occurred.
    expect(accepted).toBeGreaterThan(200);
    for (const code of ['insufficient_holding', 'nonce_replayed', 'key_not_active', 'bad_signature', 'duplicate_batch', 'not_recipient', 'invalid_body']) {
      expect(totals.get(code) ?? 0, `refusals with ${code}: ${JSON.stringify([...totals])}`).toBeGreaterThan(0);
    }
  }, 120_000);
});
