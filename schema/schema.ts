// lotproof's SQLite tables (drizzle-orm). Two kinds live here:
// - the ledger itself (entries, tree_nodes, checkpoints): append-only, enforced by triggers in
//   the hand-written migration that follows the generated one;
// - projections derived from the ledger for fast queries (actors, batches, holdings, ...). They
//   can always be rebuilt by replaying the entries, and store no statement bodies: those are read
//   back from the leaf bytes, so the store stays close to the size of the log itself.
import { sqliteTable, integer, text, blob, primaryKey, index, uniqueIndex } from 'drizzle-orm/sqlite-core';

/** Entry `seq` with its leaf bytes (UTF-8 JCS of the entry) and SHA-256(leaf). */
export const entries = sqliteTable('entries', {
  seq: integer('seq').primaryKey(),
  hash: blob('hash', { mode: 'buffer' }).notNull(),
  leaf: blob('leaf', { mode: 'buffer' }).notNull(),
  loggedAt: text('logged_at').notNull(),
  type: text('type').notNull(),
  actor: text('actor').notNull(),
});

/**
 * RFC 6962 complete-subtree hashes, keyed by each node's place in the order the log makes them:
 * appending leaf k makes its level-0 node, then each parent it completes, so the nodes of the
 * first n leaves are positions 0 .. 2n - popcount(n) - 1 (src/store/tree-position.ts). A group
 * commit's nodes are then one run at the end of one B-tree, where a (level, idx) key put them at
 * the ends of as many ranges as the tree has levels.
 */
export const treeNodes = sqliteTable('tree_nodes', {
  pos: integer('pos').primaryKey(),
  hash: blob('hash', { mode: 'buffer' }).notNull(),
});

/** Every checkpoint the log signed, keyed by tree size. */
export const checkpoints = sqliteTable('checkpoints', {
  size: integer('size').primaryKey(),
  root: blob('root', { mode: 'buffer' }).notNull(),
  note: text('note').notNull(),
  signedAt: text('signed_at').notNull(),
});

export const actors = sqliteTable('actors', {
  id: text('id').primaryKey(),
  role: text('role').notNull(),
  name: text('name').notNull(),
  /** base64 of the currently active key; null after revocation. */
  pub: text('pub'),
  registeredSeq: integer('registered_seq').notNull(),
  revokedSeq: integer('revoked_seq'),
});

/** Every key an actor ever had, with the seq range in which it was active. */
export const actorKeys = sqliteTable(
  'actor_keys',
  {
    actor: text('actor').notNull(),
    pub: text('pub').notNull(),
    fromSeq: integer('from_seq').notNull(),
    untilSeq: integer('until_seq'),
  },
  (t) => [primaryKey({ columns: [t.actor, t.fromSeq] })],
);

export const nonces = sqliteTable(
  'nonces',
  {
    actor: text('actor').notNull(),
    nonce: text('nonce').notNull(),
  },
  (t) => [primaryKey({ columns: [t.actor, t.nonce] })],
);

export const batches = sqliteTable(
  'batches',
  {
    id: integer('id').primaryKey(),
    gtin: text('gtin').notNull(),
    lot: text('lot').notNull(),
    producer: text('producer').notNull(),
    /** The entry that created it: a batch.create, or the batch.transform that output it. */
    seq: integer('seq').notNull(),
    uom: text('uom').notNull(),
    /** Quantity in micro-units of `uom` (integers, so holdings never drift). */
    amount: integer('amount').notNull(),
  },
  (t) => [uniqueIndex('batches_gtin_lot').on(t.gtin, t.lot)],
);

/** Who holds how much of a batch now, in micro-units. */
export const holdings = sqliteTable(
  'holdings',
  {
    batchId: integer('batch_id').notNull(),
    actor: text('actor').notNull(),
    amount: integer('amount').notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.actor] })],
);

/** Inputs of transformations: `output` was made from `amount` of `input`. */
export const batchLinks = sqliteTable(
  'batch_links',
  {
    input: integer('input').notNull(),
    output: integer('output').notNull(),
    seq: integer('seq').notNull(),
    amount: integer('amount').notNull(),
  },
  (t) => [primaryKey({ columns: [t.input, t.output] }), index('batch_links_output').on(t.output, t.input)],
);

/** Lab reports, named `<signer>/<id>`. */
export const labReports = sqliteTable(
  'lab_reports',
  {
    signer: text('signer').notNull(),
    id: text('id').notNull(),
    batchId: integer('batch_id').notNull(),
    seq: integer('seq').notNull(),
    selfTest: integer('self_test', { mode: 'boolean' }).notNull(),
    revokedSeq: integer('revoked_seq'),
  },
  (t) => [primaryKey({ columns: [t.signer, t.id] }), index('lab_reports_batch').on(t.batchId)],
);

export const certificates = sqliteTable(
  'certificates',
  {
    signer: text('signer').notNull(),
    id: text('id').notNull(),
    subjectActor: text('subject_actor'),
    subjectBatchId: integer('subject_batch_id'),
    validFrom: text('valid_from').notNull(),
    validUntil: text('valid_until').notNull(),
    seq: integer('seq').notNull(),
    revokedSeq: integer('revoked_seq'),
  },
  (t) => [
    primaryKey({ columns: [t.signer, t.id] }),
    index('certificates_actor').on(t.subjectActor),
    index('certificates_batch').on(t.subjectBatchId),
  ],
);

export const shipments = sqliteTable(
  'shipments',
  {
    signer: text('signer').notNull(),
    id: text('id').notNull(),
    batchId: integer('batch_id').notNull(),
    toActor: text('to_actor').notNull(),
    amount: integer('amount').notNull(),
    seq: integer('seq').notNull(),
    receiveSeq: integer('receive_seq'),
    outcome: text('outcome'),
  },
  (t) => [primaryKey({ columns: [t.signer, t.id] }), index('shipments_batch').on(t.batchId, t.seq)],
);

export const recalls = sqliteTable(
  'recalls',
  {
    signer: text('signer').notNull(),
    id: text('id').notNull(),
    seq: integer('seq').notNull(),
    closedSeq: integer('closed_seq'),
  },
  (t) => [primaryKey({ columns: [t.signer, t.id] })],
);

export const recallBatches = sqliteTable(
  'recall_batches',
  {
    batchId: integer('batch_id').notNull(),
    signer: text('signer').notNull(),
    recallId: text('recall_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.batchId, t.signer, t.recallId] })],
);

/** Content-addressed documents; the bytes live in files named by their SHA-256. */
export const documents = sqliteTable('documents', {
  sha256: text('sha256').primaryKey(),
  mediaType: text('media_type').notNull(),
  size: integer('size').notNull(),
  uploadedBy: text('uploaded_by').notNull(),
  uploadedAt: text('uploaded_at').notNull(),
});

/** Uploaded serial sets: the salted hashes behind a serials.issue commitment (never published). */
export const serialSets = sqliteTable('serial_sets', {
  root: text('root').primaryKey(),
  batchId: integer('batch_id').notNull(),
  salt: text('salt').notNull(),
  count: integer('count').notNull(),
  uploadedBy: text('uploaded_by').notNull(),
  issuedSeq: integer('issued_seq'),
});

/** One row per serial: its salted hash, its set, and how often its page was checked. */
export const serials = sqliteTable(
  'serials',
  {
    hash: blob('hash', { mode: 'buffer' }).primaryKey(),
    setRoot: text('set_root').notNull(),
    scans: integer('scans').notNull().default(0),
    firstScanAt: text('first_scan_at'),
  },
  (t) => [index('serials_set').on(t.setRoot)],
);
