// lotproof SPEC §1 and §3: which statement the log accepts, and what each one changes.
// applyStatement runs inside the sequencer's write transaction, after the signature and the
// body's shape (checkBody) were checked; it either throws a LedgerError, and its savepoint
// undoes whatever it wrote, or records the statement's effects on the projections.
import { LedgerError } from '../core/errors.ts';
import { parseBatchName } from '../core/gs1.ts';
import type { Statement, StatementType } from '../core/statement.ts';
import {
  bodySchemas,
  splitRecordName,
  toMicro,
  type BodyOf,
  type Role,
} from './bodies.ts';
import type { BatchRow, LedgerTx, ProjectionReader } from './store.ts';

/**
 * The roles that can hold goods: producers, and whoever a handoff can deliver to. Any of them
 * can also become a batch's producer: SPEC §3 lets the "holder of every input" sign
 * `batch.transform`, whose outputs are new batches of the signer's, as a retailer that repacks
 * what it holds makes new batches just as a mill does.
 */
const HOLDERS: readonly Role[] = ['producer', 'carrier', 'retailer', 'lab'];

/**
 * Who may sign what, by role (SPEC §3). Where SPEC names a relation rather than a role (the
 * batch's producer, the current holder, the shipment's recipient, the record's own signer),
 * every role that can stand in it is listed here and the relation is checked per type below.
 */
export const ROLE_RULES: Record<StatementType, readonly Role[]> = {
  'log.init': ['operator'],
  'actor.register': ['operator'],
  'actor.rotateKey': ['operator', 'producer', 'lab', 'certifier', 'carrier', 'retailer', 'authority'],
  'actor.revoke': ['operator'],
  'batch.create': ['producer'],
  'labreport.issue': HOLDERS,
  'labreport.revoke': HOLDERS,
  'certificate.issue': ['certifier'],
  'certificate.revoke': ['certifier'],
  'handoff.ship': HOLDERS,
  'handoff.receive': HOLDERS,
  'batch.transform': HOLDERS,
  'recall.issue': [...HOLDERS, 'authority'],
  'recall.close': [...HOLDERS, 'authority'],
  'serials.issue': HOLDERS,
};

export interface ApplyContext {
  seq: number;
}

/** Checks the body against its type's schema; throws `invalid_body` naming the first problem. */
export function checkBody(type: StatementType, body: unknown): void {
  const r = bodySchemas[type].safeParse(body);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? `body.${issue.path.join('.')}` : 'body';
    throw new LedgerError('invalid_body', `${where}: ${issue.message}`, {
      issues: r.error.issues.slice(0, 10).map((i) => ({ path: ['body', ...i.path].join('.'), message: i.message })),
    });
  }
}

/**
 * The signer's standing at this point of the log: registered, not revoked, signing with its
 * active key, and with a role allowed to sign the type. Shared by the log and by the auditor's
 * replay, so both apply the same rule.
 */
export function checkSigner(actors: Pick<ProjectionReader, 'actor'>, st: Statement): Role {
  const a = actors.actor(st.actor);
  if (!a) throw new LedgerError('unknown_actor', `actor ${st.actor} is not registered`);
  if (a.revokedSeq !== null) throw new LedgerError('actor_revoked', `actor ${st.actor} was revoked at entry ${a.revokedSeq}`);
  if (a.pub !== st.pub) throw new LedgerError('key_not_active', `pub is not the active key of ${st.actor}`);
  const role = a.role as Role;
  if (!ROLE_RULES[st.type].includes(role)) {
    throw new LedgerError('role_not_allowed', `a ${role} may not sign ${st.type}`);
  }
  return role;
}

function batchOf(tx: ProjectionReader, name: string): BatchRow {
  const k = parseBatchName(name)!;
  const b = tx.batchByKey(k.gtin, k.lot);
  if (!b) throw new LedgerError('unknown_batch', `batch ${name} is not in the log`);
  return b;
}

function microOf(q: number | { amount: number; uom: string }, b: BatchRow, where: string): number {
  const m = toMicro(q, b.uom);
  if (m === undefined) throw new LedgerError('unit_mismatch', `${where}: batch ${b.gtin}/${b.lot} is measured in ${b.uom}`);
  return m;
}

function take(tx: LedgerTx, b: BatchRow, actor: string, micro: number): void {
  const held = tx.holding(b.id, actor);
  if (held < micro) {
    throw new LedgerError(
      'insufficient_holding',
      `${actor} holds ${held / 1e6} ${b.uom} of 01/${b.gtin}/10/${b.lot}, less than ${micro / 1e6}`,
    );
  }
  tx.setHolding(b.id, actor, held - micro);
}

function give(tx: LedgerTx, batchId: number, actor: string, micro: number): void {
  tx.setHolding(batchId, actor, tx.holding(batchId, actor) + micro);
}

function checkDocument(tx: ProjectionReader, doc: { sha256: string; mediaType: string } | undefined): void {
  if (!doc) return;
  const d = tx.document(doc.sha256);
  if (!d) throw new LedgerError('unknown_document', `document ${doc.sha256} is not stored; upload it first`);
  if (d.mediaType !== doc.mediaType) {
    throw new LedgerError('document_mismatch', `document ${doc.sha256} is stored as ${d.mediaType}, not ${doc.mediaType}`);
  }
}

function createBatch(tx: LedgerTx, producer: string, body: BodyOf<'batch.create'>, seq: number): number {
  // The insert is the uniqueness check; a refusal after it is undone with the statement's savepoint.
  const micro = Math.round(body.quantity.amount * 1e6);
  const id = tx.insertBatch({ gtin: body.gtin, lot: body.lot, producer, seq, uom: body.quantity.uom, amount: micro });
  if (id === undefined) {
    throw new LedgerError('duplicate_batch', `batch 01/${body.gtin}/10/${body.lot} already exists`);
  }
  if (body.expiresOn !== undefined && body.expiresOn < body.producedOn) {
    throw new LedgerError('invalid_body', 'body.expiresOn: is before producedOn');
  }
  tx.setHolding(id, producer, micro);
  return id;
}

/** Applies an accepted statement's effects. Throws LedgerError, writing nothing, if it is refused. */
export function applyStatement(tx: LedgerTx, st: Statement, ctx: ApplyContext): void {
  const { seq } = ctx;
  if (st.type === 'log.init') {
    if (seq !== 0) throw new LedgerError('type_not_allowed', 'log.init is only entry 0');
    const b = st.body as BodyOf<'log.init'>;
    tx.insertActor({ id: 'operator', role: 'operator', name: 'operator', pub: b.operator.pub, registeredSeq: 0, revokedSeq: null });
    tx.setActorKey('operator', b.operator.pub, 0);
    tx.addNonce(st.actor, st.nonce);
    return;
  }
  if (seq === 0) throw new LedgerError('type_not_allowed', 'entry 0 must be log.init');
  checkSigner(tx, st);
  if (!tx.addNonce(st.actor, st.nonce)) {
    throw new LedgerError('nonce_replayed', `nonce ${st.nonce} of ${st.actor} was already used`);
  }
  const me = st.actor;

  switch (st.type) {
    case 'actor.register': {
      const b = st.body as BodyOf<'actor.register'>;
      if (tx.actor(b.id)) throw new LedgerError('duplicate_actor', `actor ${b.id} is already registered`);
      if ((b.role === 'lab' || b.role === 'certifier') && !b.accreditation) {
        throw new LedgerError('invalid_body', `body.accreditation: a ${b.role} must name its accreditation {body, number}`);
      }
      tx.insertActor({ id: b.id, role: b.role, name: b.name, pub: b.pub, registeredSeq: seq, revokedSeq: null });
      tx.setActorKey(b.id, b.pub, seq);
      return;
    }
    case 'actor.rotateKey': {
      const b = st.body as BodyOf<'actor.rotateKey'>;
      if (me !== 'operator' && me !== b.id) throw new LedgerError('role_not_allowed', 'only the operator or the actor itself may rotate its key');
      const a = tx.actor(b.id);
      if (!a) throw new LedgerError('unknown_subject', `actor ${b.id} is not registered`);
      if (a.revokedSeq !== null) throw new LedgerError('already_revoked', `actor ${b.id} was revoked at entry ${a.revokedSeq}`);
      if (a.pub === b.pub) throw new LedgerError('invalid_body', 'body.pub: is already the active key');
      tx.setActorKey(b.id, b.pub, seq);
      return;
    }
    case 'actor.revoke': {
      const b = st.body as BodyOf<'actor.revoke'>;
      const a = tx.actor(b.id);
      if (!a) throw new LedgerError('unknown_subject', `actor ${b.id} is not registered`);
      if (a.role === 'operator') throw new LedgerError('invalid_body', 'body.id: the operator cannot be revoked');
      if (a.revokedSeq !== null) throw new LedgerError('already_revoked', `actor ${b.id} was revoked at entry ${a.revokedSeq}`);
      tx.revokeActor(b.id, seq);
      return;
    }
    case 'batch.create': {
      createBatch(tx, me, st.body as BodyOf<'batch.create'>, seq);
      return;
    }
    case 'labreport.issue': {
      const b = st.body as BodyOf<'labreport.issue'>;
      const batch = batchOf(tx, b.batch);
      // SPEC §3: a lab's report is third-party, the batch's producer's a self-test. A lab that
      // produced the batch (by transforming what it held) tests its own goods: a self-test.
      const selfTest = batch.producer === me;
      if (!selfTest && tx.actor(me)!.role !== 'lab') {
        throw new LedgerError('not_producer', `only a lab or the batch's producer (${batch.producer}) may report on it`);
      }
      if (tx.labReport(me, b.id)) throw new LedgerError('duplicate_record', `report ${me}/${b.id} already exists`);
      if (b.verdict === 'pass' && b.tests.some((t) => t.verdict === 'fail')) {
        throw new LedgerError('invalid_body', 'body.verdict: is pass but a test failed');
      }
      checkDocument(tx, b.document);
      tx.insertLabReport({ signer: me, id: b.id, batchId: batch.id, seq, selfTest, revokedSeq: null });
      return;
    }
    case 'labreport.revoke': {
      const b = st.body as BodyOf<'labreport.revoke'>;
      const { signer, id } = splitRecordName(b.report);
      const r = tx.labReport(signer, id);
      if (!r) throw new LedgerError('unknown_record', `report ${b.report} is not in the log`);
      if (signer !== me) throw new LedgerError('not_signer', `only ${signer} may revoke ${b.report}`);
      if (r.revokedSeq !== null) throw new LedgerError('already_revoked', `report ${b.report} was revoked at entry ${r.revokedSeq}`);
      tx.revokeLabReport(signer, id, seq);
      return;
    }
    case 'certificate.issue': {
      const b = st.body as BodyOf<'certificate.issue'>;
      if (b.validUntil < b.validFrom) throw new LedgerError('invalid_body', 'body.validUntil: is before validFrom');
      let subjectActor: string | null = null;
      let subjectBatchId: number | null = null;
      if ('actor' in b.subject) {
        if (!tx.actor(b.subject.actor)) throw new LedgerError('unknown_subject', `actor ${b.subject.actor} is not registered`);
        subjectActor = b.subject.actor;
      } else {
        subjectBatchId = batchOf(tx, b.subject.batch).id;
      }
      if (tx.certificate(me, b.id)) throw new LedgerError('duplicate_record', `certificate ${me}/${b.id} already exists`);
      checkDocument(tx, b.document);
      tx.insertCertificate({
        signer: me, id: b.id, subjectActor, subjectBatchId, validFrom: b.validFrom, validUntil: b.validUntil, seq, revokedSeq: null,
      });
      return;
    }
    case 'certificate.revoke': {
      const b = st.body as BodyOf<'certificate.revoke'>;
      const { signer, id } = splitRecordName(b.certificate);
      const c = tx.certificate(signer, id);
      if (!c) throw new LedgerError('unknown_record', `certificate ${b.certificate} is not in the log`);
      if (signer !== me) throw new LedgerError('not_signer', `only ${signer} may revoke ${b.certificate}`);
      if (c.revokedSeq !== null) throw new LedgerError('already_revoked', `certificate ${b.certificate} was revoked at entry ${c.revokedSeq}`);
      tx.revokeCertificate(signer, id, seq);
      return;
    }
    case 'handoff.ship': {
      const b = st.body as BodyOf<'handoff.ship'>;
      const batch = batchOf(tx, b.batch);
      const to = tx.actor(b.to);
      if (!to) throw new LedgerError('unknown_recipient', `recipient ${b.to} is not registered`);
      if (to.revokedSeq !== null) throw new LedgerError('unknown_recipient', `recipient ${b.to} was revoked`);
      if (to.role === 'operator' || to.role === 'authority' || to.role === 'certifier') {
        throw new LedgerError('unknown_recipient', `${b.to} is a ${to.role}, which does not receive goods`);
      }
      if (b.to === me) throw new LedgerError('invalid_body', 'body.to: a shipment goes to another actor');
      if (tx.shipment(me, b.id)) throw new LedgerError('duplicate_record', `shipment ${me}/${b.id} already exists`);
      const micro = microOf(b.quantity, batch, 'body.quantity');
      take(tx, batch, me, micro);
      tx.insertShipment({ signer: me, id: b.id, batchId: batch.id, toActor: b.to, amount: micro, seq, receiveSeq: null, outcome: null });
      return;
    }
    case 'handoff.receive': {
      const b = st.body as BodyOf<'handoff.receive'>;
      const { signer, id } = splitRecordName(b.shipment);
      const s = tx.shipment(signer, id);
      if (!s) throw new LedgerError('unknown_record', `shipment ${b.shipment} is not in the log`);
      if (s.toActor !== me) throw new LedgerError('not_recipient', `shipment ${b.shipment} is addressed to ${s.toActor}`);
      if (s.receiveSeq !== null) throw new LedgerError('already_received', `shipment ${b.shipment} was received at entry ${s.receiveSeq}`);
      const batch = tx.batchById(s.batchId)!;
      if (b.outcome === 'rejected') {
        give(tx, batch.id, signer, s.amount);
      } else {
        // Policy: an acceptance may name a smaller quantity; the rest goes back to the sender,
        // like a rejection of that part, so no quantity ever disappears from the holdings.
        const accepted = b.quantity === undefined ? s.amount : microOf(b.quantity, batch, 'body.quantity');
        if (accepted > s.amount) throw new LedgerError('invalid_body', 'body.quantity: exceeds the quantity shipped');
        give(tx, batch.id, me, accepted);
        if (accepted < s.amount) give(tx, batch.id, signer, s.amount - accepted);
      }
      tx.receiveShipment(signer, id, seq, b.outcome);
      return;
    }
    case 'batch.transform': {
      const b = st.body as BodyOf<'batch.transform'>;
      const inputs = b.inputs.map((inp, i) => {
        const batch = batchOf(tx, inp.batch);
        return { batch, micro: microOf(inp.quantity, batch, `body.inputs.${i}.quantity`) };
      });
      if (new Set(inputs.map((x) => x.batch.id)).size !== inputs.length) {
        throw new LedgerError('invalid_body', 'body.inputs: a batch is named twice');
      }
      for (const x of inputs) take(tx, x.batch, me, x.micro);
      const outIds = b.outputs.map((o) => createBatch(tx, me, o, seq));
      for (const x of inputs) for (const out of outIds) tx.insertLink({ input: x.batch.id, output: out, seq, amount: x.micro });
      return;
    }
    case 'recall.issue': {
      const b = st.body as BodyOf<'recall.issue'>;
      const role = tx.actor(me)!.role;
      const batches = b.batches.map((n) => batchOf(tx, n));
      if (new Set(batches.map((x) => x.id)).size !== batches.length) throw new LedgerError('invalid_body', 'body.batches: a batch is named twice');
      if (role !== 'authority') {
        const other = batches.find((x) => x.producer !== me);
        if (other) throw new LedgerError('not_producer', `batch 01/${other.gtin}/10/${other.lot} is produced by ${other.producer}`);
      }
      if (tx.recall(me, b.id)) throw new LedgerError('duplicate_record', `recall ${me}/${b.id} already exists`);
      tx.insertRecall({ signer: me, id: b.id, seq, closedSeq: null }, batches.map((x) => x.id));
      return;
    }
    case 'serials.issue': {
      const b = st.body as BodyOf<'serials.issue'>;
      const batch = batchOf(tx, b.batch);
      if (batch.producer !== me) throw new LedgerError('not_producer', `batch ${b.batch} is produced by ${batch.producer}`);
      const set = tx.serialSet(b.root);
      if (!set || set.batchId !== batch.id || set.uploadedBy !== me) {
        throw new LedgerError('unknown_serial_set', `no serial set with root ${b.root} was uploaded by ${me} for ${b.batch}; upload it first`);
      }
      if (set.issuedSeq !== null) throw new LedgerError('duplicate_record', `serial set ${b.root} was issued at entry ${set.issuedSeq}`);
      if (set.count !== b.count || set.salt !== b.salt) {
        throw new LedgerError('invalid_body', 'body.count or body.salt does not match the uploaded serial set');
      }
      tx.issueSerialSet(b.root, seq);
      return;
    }
    case 'recall.close': {
      const b = st.body as BodyOf<'recall.close'>;
      const { signer, id } = splitRecordName(b.recall);
      const r = tx.recall(signer, id);
      if (!r) throw new LedgerError('unknown_record', `recall ${b.recall} is not in the log`);
      if (signer !== me) throw new LedgerError('not_signer', `only ${signer} may close ${b.recall}`);
      if (r.closedSeq !== null) throw new LedgerError('already_closed', `recall ${b.recall} was closed at entry ${r.closedSeq}`);
      tx.closeRecall(signer, id, seq);
      return;
    }
  }
}
