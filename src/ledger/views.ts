// Read views over the ledger: a batch with everything recorded about it, and its genealogy.
// Every fact names the entries (`seq`) it rests on, so a reader can fetch and verify them.
import { fromUtf8, toBase64 } from '../core/bytes.ts';
import type { Entry } from '../core/entry.ts';
import { LedgerError } from '../core/errors.ts';
import { batchName } from '../core/gs1.ts';
import { dayInChina } from '../core/time.ts';
import type { ActorRow, BatchRow, CertificateRow, Store } from './store.ts';

export function readEntry(store: Store, seq: number): Entry {
  const row = store.entry(seq);
  if (!row) throw new LedgerError('not_found', `entry ${seq} is not in the log`);
  return JSON.parse(fromUtf8(row.leaf)) as Entry;
}

type Body = Record<string, any>;

function bodyOf(store: Store, seq: number): Body {
  return readEntry(store, seq).statement.body as Body;
}

export interface ActorView {
  id: string;
  role: string;
  name: string;
  registeredSeq: number;
  revoked: boolean;
  accreditation?: { body: string; number: string };
}

function actorView(store: Store, a: ActorRow | undefined, id: string): ActorView {
  if (!a) return { id, role: 'unknown', name: id, registeredSeq: -1, revoked: false };
  const v: ActorView = { id: a.id, role: a.role, name: a.name, registeredSeq: a.registeredSeq, revoked: a.revokedSeq !== null };
  if (a.role !== 'operator') {
    const acc = bodyOf(store, a.registeredSeq).accreditation as ActorView['accreditation'];
    if (acc) v.accreditation = acc;
  }
  return v;
}

/** Finds the body that created a batch: the batch.create itself, or its output in a batch.transform. */
function batchBody(store: Store, b: BatchRow): { body: Body; via: 'batch.create' | 'batch.transform' } {
  const e = readEntry(store, b.seq);
  if (e.statement.type === 'batch.create') return { body: e.statement.body as Body, via: 'batch.create' };
  const outputs = (e.statement.body as Body).outputs as Body[];
  return { body: outputs.find((o) => o.gtin === b.gtin && o.lot === b.lot)!, via: 'batch.transform' };
}

const nameOf = (b: BatchRow) => batchName(b.gtin, b.lot);
const fromMicro = (m: number) => m / 1e6;

function certificateStatus(c: CertificateRow, today: string): 'valid' | 'expired' | 'not_yet_valid' | 'revoked' {
  if (c.revokedSeq !== null) return 'revoked';
  if (today > c.validUntil) return 'expired';
  if (today < c.validFrom) return 'not_yet_valid';
  return 'valid';
}

/** The revocation entry of a record, if it was revoked: its seq and the reason it gives. */
function revocationOf(store: Store, revokedSeq: number | null): { seq: number; reason: string } | null {
  return revokedSeq === null ? null : { seq: revokedSeq, reason: bodyOf(store, revokedSeq).reason as string };
}

export function certificateView(store: Store, c: CertificateRow, today: string) {
  const body = bodyOf(store, c.seq);
  const revocation = revocationOf(store, c.revokedSeq);
  return {
    name: `${c.signer}/${c.id}`,
    seq: c.seq,
    issuer: actorView(store, store.actor(c.signer), c.signer),
    subject: body.subject,
    standard: body.standard,
    scope: body.scope,
    validFrom: c.validFrom,
    validUntil: c.validUntil,
    status: certificateStatus(c, today),
    document: body.document,
    revocation,
  };
}

export function findBatch(store: Store, gtin: string, lot: string): BatchRow {
  const b = store.batchByKey(gtin, lot);
  if (!b) throw new LedgerError('not_found', `batch ${batchName(gtin, lot)} is not in the log`);
  return b;
}

/** Ancestors (`up`, what it was made from) or descendants (`down`) of a batch, breadth first. */
export function traceBatches(store: Store, start: BatchRow, direction: 'up' | 'down', maxDepth = 1000) {
  const seen = new Set<number>([start.id]);
  const nodes: { batch: string; depth: number; seq: number }[] = [];
  const edges: { input: string; output: string; seq: number; amount: number }[] = [];
  let frontier = [start];
  for (let depth = 1; frontier.length > 0 && depth <= maxDepth; depth++) {
    const next: BatchRow[] = [];
    for (const b of frontier) {
      const links = direction === 'up' ? store.linksTo(b.id) : store.linksFrom(b.id);
      for (const l of links) {
        const otherId = direction === 'up' ? l.input : l.output;
        const other = store.batchById(otherId)!;
        const input = direction === 'up' ? other : b;
        const output = direction === 'up' ? b : other;
        edges.push({ input: nameOf(input), output: nameOf(output), seq: l.seq, amount: fromMicro(l.amount) });
        if (!seen.has(otherId)) {
          seen.add(otherId);
          nodes.push({ batch: nameOf(other), depth, seq: other.seq });
          next.push(other);
        }
      }
    }
    frontier = next;
  }
  return { nodes, edges, rows: [...seen].filter((id) => id !== start.id) };
}

export function genealogyView(store: Store, b: BatchRow, maxDepth?: number) {
  const up = traceBatches(store, b, 'up', maxDepth);
  const down = traceBatches(store, b, 'down', maxDepth);
  return { batch: nameOf(b), upstream: { batches: up.nodes, links: up.edges }, downstream: { batches: down.nodes, links: down.edges } };
}

/** Everything the log says about one batch (the shopper's page and its JSON form). */
export function batchView(store: Store, b: BatchRow, nowMs: number) {
  const today = dayInChina(nowMs);
  const seqs = new Set<number>([b.seq]);
  const { body, via } = batchBody(store, b);
  const producer = store.actor(b.producer);

  const labReports = store
    .labReportsFor(b.id)
    .map((r) => {
      const rb = bodyOf(store, r.seq);
      seqs.add(r.seq);
      const revocation = revocationOf(store, r.revokedSeq);
      if (r.revokedSeq !== null) seqs.add(r.revokedSeq);
      return {
        name: `${r.signer}/${r.id}`,
        seq: r.seq,
        kind: r.selfTest ? ('self-test' as const) : ('third-party' as const),
        issuer: actorView(store, store.actor(r.signer), r.signer),
        issuedOn: rb.issuedOn,
        verdict: rb.verdict,
        tests: rb.tests,
        document: rb.document,
        revocation,
      };
    })
    // Third-party reports first, then by log order.
    .sort((x, y) => (x.kind === y.kind ? x.seq - y.seq : x.kind === 'third-party' ? -1 : 1));

  const certs = [...store.certificatesForBatch(b.id), ...store.certificatesForActor(b.producer)].map((c) => {
    seqs.add(c.seq);
    if (c.revokedSeq !== null) seqs.add(c.revokedSeq);
    return certificateView(store, c, today);
  });

  const journey = store.shipmentsFor(b.id).map((s) => {
    const sb = bodyOf(store, s.seq);
    seqs.add(s.seq);
    let received = null;
    if (s.receiveSeq !== null) {
      seqs.add(s.receiveSeq);
      const rb = bodyOf(store, s.receiveSeq);
      received = { seq: s.receiveSeq, receivedAt: rb.receivedAt, outcome: rb.outcome, quantity: rb.quantity, conditions: rb.conditions, note: rb.note };
    }
    return {
      name: `${s.signer}/${s.id}`,
      seq: s.seq,
      from: actorView(store, store.actor(s.signer), s.signer),
      to: actorView(store, store.actor(s.toActor), s.toActor),
      quantity: { amount: fromMicro(s.amount), uom: b.uom },
      shippedAt: sb.shippedAt,
      fromLocation: sb.fromLocation,
      toLocation: sb.toLocation,
      conditions: sb.conditions,
      received,
    };
  });

  // A link's amount is of its input batch, in that batch's unit (uom).
  const link = (otherId: number, seq: number, amount: number, inputUom: (o: BatchRow) => string) => {
    const o = store.batchById(otherId)!;
    seqs.add(seq);
    return { batch: nameOf(o), gtin: o.gtin, lot: o.lot, product: batchBody(store, o).body.product, seq, amount: fromMicro(amount), uom: inputUom(o) };
  };
  const madeFrom = store.linksTo(b.id).map((l) => link(l.input, l.seq, l.amount, (input) => input.uom));
  const madeInto = store.linksFrom(b.id).map((l) => link(l.output, l.seq, l.amount, () => b.uom));

  // A recall of this batch or of anything it was made from, at any depth, concerns the shopper.
  const recallFor = (target: BatchRow, direct: boolean) =>
    store.recallsFor(target.id).map((r) => {
      const rb = bodyOf(store, r.seq);
      seqs.add(r.seq);
      if (r.closedSeq !== null) seqs.add(r.closedSeq);
      return {
        name: `${r.signer}/${r.id}`,
        seq: r.seq,
        issuer: actorView(store, store.actor(r.signer), r.signer),
        class: rb.class,
        reason: rb.reason,
        instructions: rb.instructions,
        issuedOn: rb.issuedOn,
        batch: nameOf(target),
        direct,
        closed: r.closedSeq !== null ? { seq: r.closedSeq, note: bodyOf(store, r.closedSeq).note } : null,
      };
    });
  const recalls = [
    ...recallFor(b, true),
    ...traceBatches(store, b, 'up').rows.flatMap((id) => recallFor(store.batchById(id)!, false)),
  ];

  const holdings = store
    .holdingsOf(b.id)
    .filter((h) => h.amount > 0)
    .map((h) => ({ actor: actorView(store, store.actor(h.actor), h.actor), amount: fromMicro(h.amount), uom: b.uom }));

  const checkpoint = store.latestCheckpoint();
  return {
    batch: {
      name: nameOf(b),
      gtin: b.gtin,
      lot: b.lot,
      seq: b.seq,
      createdBy: via,
      product: body.product,
      producedOn: body.producedOn,
      expiresOn: body.expiresOn,
      quantity: { amount: fromMicro(b.amount), uom: b.uom },
      origin: body.origin,
      ingredients: body.ingredients,
      attributes: body.attributes,
    },
    producer: actorView(store, producer, b.producer),
    recalled: recalls.some((r) => r.closed === null),
    recalls,
    labReports,
    certificates: certs,
    journey,
    holdings,
    madeFrom,
    madeInto,
    entries: [...seqs].sort((x, y) => x - y),
    checkpoint: checkpoint ? { size: checkpoint.size, root: toBase64(checkpoint.root), signedAt: checkpoint.signedAt } : null,
  };
}

export type BatchView = ReturnType<typeof batchView>;
