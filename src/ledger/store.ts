// The storage contract the ledger needs. src/store implements it over SQLite; the rules in this
// directory decide what is written, the store only keeps it.

export interface ActorRow {
  id: string;
  role: string;
  name: string;
  /** base64 of the active key, null once revoked. */
  pub: string | null;
  registeredSeq: number;
  revokedSeq: number | null;
}

export interface BatchRow {
  id: number;
  gtin: string;
  lot: string;
  producer: string;
  seq: number;
  uom: string;
  /** micro-units of uom */
  amount: number;
}

export interface LabReportRow {
  signer: string;
  id: string;
  batchId: number;
  seq: number;
  selfTest: boolean;
  revokedSeq: number | null;
}

export interface CertificateRow {
  signer: string;
  id: string;
  subjectActor: string | null;
  subjectBatchId: number | null;
  validFrom: string;
  validUntil: string;
  seq: number;
  revokedSeq: number | null;
}

export interface ShipmentRow {
  signer: string;
  id: string;
  batchId: number;
  toActor: string;
  amount: number;
  seq: number;
  receiveSeq: number | null;
  outcome: string | null;
}

export interface RecallRow {
  signer: string;
  id: string;
  seq: number;
  closedSeq: number | null;
}

export interface DocumentRow {
  sha256: string;
  mediaType: string;
  size: number;
  uploadedBy: string;
  uploadedAt: string;
}

/** A set of unit serials, stored as salted hashes; issued once a serials.issue names its root. */
export interface SerialSetRow {
  /** base64 Merkle root over the sorted salted hashes. */
  root: string;
  batchId: number;
  salt: string;
  count: number;
  uploadedBy: string;
  issuedSeq: number | null;
}

export interface SerialRow {
  setRoot: string;
  batchId: number;
  issuedSeq: number | null;
  scans: number;
  firstScanAt: string | null;
}

export interface CheckpointRow {
  size: number;
  root: Uint8Array;
  note: string;
  signedAt: string;
}

export interface EntryRow {
  seq: number;
  hash: Uint8Array;
  leaf: Uint8Array;
}

export interface LinkRow {
  input: number;
  output: number;
  seq: number;
  amount: number;
}

/** Reads of the projections. Inside `Store.write`, they see the transaction's own writes. */
export interface ProjectionReader {
  actor(id: string): ActorRow | undefined;
  batchByKey(gtin: string, lot: string): BatchRow | undefined;
  batchById(id: number): BatchRow | undefined;
  holding(batchId: number, actor: string): number;
  labReport(signer: string, id: string): LabReportRow | undefined;
  certificate(signer: string, id: string): CertificateRow | undefined;
  shipment(signer: string, id: string): ShipmentRow | undefined;
  recall(signer: string, id: string): RecallRow | undefined;
  document(sha256: string): DocumentRow | undefined;
  serialSet(root: string): SerialSetRow | undefined;
}

/** The writes one accepted statement may make, inside one `Store.write` transaction. */
export interface LedgerTx extends ProjectionReader {
  appendEntry(e: { seq: number; hash: Uint8Array; leaf: Uint8Array; loggedAt: string; type: string; actor: string }): void;
  /** Records that (actor, nonce) is used; false, writing nothing, if it already was. */
  addNonce(actor: string, nonce: string): boolean;
  insertActor(row: ActorRow): void;
  setActorKey(id: string, pub: string, seq: number): void;
  revokeActor(id: string, seq: number): void;
  /** Inserts a batch and returns its id; undefined, writing nothing, if (gtin, lot) exists. */
  insertBatch(row: Omit<BatchRow, 'id'>): number | undefined;
  setHolding(batchId: number, actor: string, amount: number): void;
  insertLink(row: LinkRow): void;
  insertLabReport(row: LabReportRow): void;
  revokeLabReport(signer: string, id: string, seq: number): void;
  insertCertificate(row: CertificateRow): void;
  revokeCertificate(signer: string, id: string, seq: number): void;
  insertShipment(row: ShipmentRow): void;
  receiveShipment(signer: string, id: string, seq: number, outcome: string): void;
  insertRecall(row: RecallRow, batchIds: number[]): void;
  closeRecall(signer: string, id: string, seq: number): void;
  issueSerialSet(root: string, seq: number): void;
  /**
   * Runs fn as an atomic part of the enclosing write (a savepoint): if fn throws, exactly its
   * own writes are undone and the error propagates; the rest of the transaction stands.
   */
  atomically<T>(fn: () => T): T;
}

/**
 * Durable storage for the log. Contract: `write` and `putTreeNodes` are atomic (if fn or the
 * commit throws, nothing of it is stored) and visible to reads when they return, but on stable
 * storage only once a later `sync()` resolves: the sequencer commits its next group while the
 * disk flushes the last one, and acknowledges a group only after its sync. Stored writes are a
 * prefix: after a crash, whatever survives is everything up to some point. The other writes
 * (checkpoints, documents, serial sets) are on stable storage when they return, with everything
 * before them; scan counts reach it with the next sync. Calls are synchronous and never
 * interleave.
 */
export interface Store extends ProjectionReader {
  /** Number of entries and the SHA-256 of the last leaf (32 zero bytes when empty). */
  head(): { size: number; lastHash: Uint8Array; lastLoggedAt: string | undefined };
  write<T>(fn: (tx: LedgerTx) => T): T;
  /**
   * Resolves once everything written before the call is on stable storage. A rejection means
   * that is unknown (a failed fsync may have dropped the writes): the log must stop serving.
   */
  sync(): Promise<void>;
  /** sync(), blocking the thread: for start-up and shutdown. */
  syncNow(): void;
  /**
   * While the store's upkeep needs writes held back (a WAL checkpoint under way), a promise
   * that resolves when it is over; otherwise undefined. Writes made meanwhile are still correct
   * (they only make the upkeep less effective), so only the frequent writers wait.
   */
  writesHeld(): Promise<void> | undefined;
  /**
   * Runs fn, which only reads, as one read transaction: its queries see one snapshot, and the
   * store locks once for all of them rather than once per query (the proof, tile and genealogy
   * paths run tens to hundreds of queries each). fn must be synchronous. Inside `write`, fn
   * sees what the write has done so far.
   */
  snapshot<T>(fn: () => T): T;

  entry(seq: number): EntryRow | undefined;
  /** Leaf bytes of entries [start, end), in order. */
  leaves(start: number, end: number): Uint8Array[];

  // The Merkle tree (integration, durable with `sync` as `write` is) and checkpoints (durable on return).
  treeNode(level: number, index: number): Uint8Array | undefined;
  /** Number of leaves whose tree nodes are stored. */
  treeSize(): number;
  /** Stores tree nodes: inside `write`, as part of that write; otherwise as a write of their own. */
  putTreeNodes(nodes: { level: number; index: number; hash: Uint8Array }[]): void;
  latestCheckpoint(): CheckpointRow | undefined;
  checkpoint(size: number): CheckpointRow | undefined;
  /** Signed checkpoints with size >= start, in increasing size, at most `limit` of them. */
  checkpoints(start: number, limit: number): CheckpointRow[];
  putCheckpoint(row: CheckpointRow): void;

  // Queries behind the read views.
  linksFrom(inputBatchId: number): LinkRow[];
  linksTo(outputBatchId: number): LinkRow[];
  holdingsOf(batchId: number): { actor: string; amount: number }[];
  labReportsFor(batchId: number): LabReportRow[];
  certificatesForActor(actor: string): CertificateRow[];
  certificatesForBatch(batchId: number): CertificateRow[];
  shipmentsFor(batchId: number): ShipmentRow[];
  recallsFor(batchId: number): RecallRow[];

  // Documents: content-addressed bytes, stored before any statement may name them.
  putDocument(row: DocumentRow, bytes: Uint8Array): void;
  documentBytes(sha256: string): Uint8Array | undefined;

  // Unit serials: the private side of a serials.issue commitment, and scan counts. Neither is
  // part of the log; scan counts hold no data about who scanned.
  putSerialSet(row: SerialSetRow, hashes: Uint8Array[]): void;
  serial(hash: Uint8Array): SerialRow | undefined;
  serialSetsFor(batchId: number): SerialSetRow[];
  /** Counts one scan of an issued serial at `at`; returns the updated row. */
  recordScan(hash: Uint8Array, at: string): SerialRow | undefined;

  close(): void;
}
