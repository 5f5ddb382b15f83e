// The data a verification page hands to the verifier running in the shopper's browser, in a
// non-executable `<script type="application/json" id="lotproof-verify">` block. It pins the
// page to the checkpoint it was rendered with and names each entry the page rests on.

export const VERIFY_DATA_ID = 'lotproof-verify';

export type FailureReason =
  | 'network'
  | 'key'
  | 'checkpoint'
  | 'entry'
  | 'signature'
  | 'inclusion'
  | 'uncovered'
  | 'consistency';

export interface VerifyData {
  v: 1;
  /** The log's origin line, which is also the name of its key (SPEC §4). */
  origin: string;
  /** The log's C2SP verifier key string the page was rendered with. */
  logKey: string;
  /** The signed checkpoint the page was rendered with. */
  checkpoint: { size: number; note: string };
  /** Each entry the page rests on: its leaf hash (base64 SHA-256 of the leaf bytes), type and signer. */
  entries: { seq: number; hash: string; type: string; actor: string }[];
  /** Sentences in the page's language; `{n}` and `{size}` are replaced. */
  text: {
    pending: string;
    verified: string;
    failed: string;
    grown: string;
    entryOk: string;
    entryBad: string;
    reasons: Record<FailureReason, string>;
  };
}
