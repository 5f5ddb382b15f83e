// Errors with stable codes. core and ledger throw LedgerError; only http maps codes to statuses.

/** A refusal of outside input, with a stable machine-readable code and a human sentence. */
export class LedgerError extends Error {
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'LedgerError';
    this.code = code;
    this.details = details;
  }
}

/**
 * A broken invariant of the log itself (tree shrinking, clock going backwards, a checkpoint
 * inconsistent with an earlier one). Never caught and turned into a response: it is fatal.
 */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`lotproof invariant broken: ${message}`);
    this.name = 'InvariantError';
  }
}
