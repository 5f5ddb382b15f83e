// The zod schemas of the HTTP API's parameters and answers. Handlers validate requests with
// them, and /openapi.json is generated from the same objects (src/http/openapi.ts), so the
// description cannot drift from what the service enforces.
import { z } from 'zod';
import { LedgerError } from '../core/errors.ts';
import { parseRfc3339 } from '../core/time.ts';

/** A non-negative decimal integer in a path or query: no sign, no leading zeros, safe size. */
export const uintString = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,15})$/, 'must be a non-negative integer')
  .refine((v) => Number.isSafeInteger(Number(v)), 'must be a non-negative integer')
  .transform(Number);

const pageLimit = uintString.refine((n) => n >= 1 && n <= 1000, 'limit must be between 1 and 1000');

export const seqParams = z.object({ seq: uintString.describe('the entry index') });
export const sha256Params = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/, 'documents are named by lowercase hex SHA-256').describe('lowercase hex SHA-256 of the bytes') });

export const pageQuery = z.object({
  start: uintString.optional().describe('first index (default 0)'),
  limit: pageLimit.optional().describe('at most this many, 1-1000 (default 100)'),
});
export const inclusionQuery = z.object({
  index: uintString.describe('the leaf index (seq)'),
  size: uintString.optional().describe('tree size (default: the latest checkpoint)'),
});
export const consistencyQuery = z.object({
  old: uintString.describe('the older tree size'),
  new: uintString.optional().describe('the newer tree size (default: the latest checkpoint)'),
});
export const traceQuery = z.object({ depth: uintString.optional().describe('most hops each way (default 1000)') });
export const entriesPostQuery = z.object({
  wait: z.literal('checkpoint').optional().describe('answer only once a signed checkpoint covers the entry, with its receipt'),
});
export const pageViewQuery = z.object({
  lang: z.string().max(35).optional().describe('zh-CN (default) or en; otherwise Accept-Language decides'),
  linkType: z.string().max(200).optional().describe('linkset, or a GS1 link type such as gs1:certificationInfo (307 redirect)'),
});
export const labelsQuery = z.object({
  count: z.string().max(6).optional().describe('number of labels (default: one sheet)'),
  format: z.string().max(20).optional().describe('a4-24 (default), a4-21, a4-40, a4-65, roll-40x30, roll-50x30, roll-60x40'),
  lang: z.string().max(35).optional(),
  ec: z.string().max(1).optional(),
  margin: z.string().max(2).optional(),
});

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().describe('stable machine-readable refusal code'),
    detail: z.string(),
  })
  .describe('RFC 9457 problem details');

export const appendedSchema = z.object({
  seq: z.number().int(),
  hash: z.string().describe('base64 SHA-256 of the leaf bytes'),
  loggedAt: z.string(),
  checkpoint: z.string().optional().describe('with ?wait=checkpoint: the signed checkpoint note'),
  receipt: z.string().optional().describe('with ?wait=checkpoint: a c2sp.org/tlog-proof@v1 receipt'),
});
export const proofSchema = z.object({ hashes: z.array(z.string()).describe('base64 proof hashes') });

/** Validates `input` (a query or path parameters) with `schema`; throws `invalid_request`. */
export function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const name = issue.path.join('.');
    throw new LedgerError('invalid_request', name ? `${name}: ${issue.message}` : issue.message);
  }
  return r.data;
}

const rfc3339 = z.string().refine((s) => parseRfc3339(s) !== undefined, 'must be an RFC 3339 time, e.g. 2026-11-22T08:00:00Z');
export const epcisQuery = z.object({
  batch: z.string().max(100).optional().describe("01/<gtin>/10/<lot>: only this batch's genealogy (upstream and downstream)"),
  from: rfc3339.optional().describe('only entries logged at or after this time'),
  until: rfc3339.optional().describe('only entries logged before this time'),
  start: uintString.optional().describe('first entry to look at (default 0); the Link rel="next" header of a full page gives the next one'),
  limit: uintString.refine((n) => n >= 1 && n <= 10_000, 'limit must be between 1 and 10000').optional().describe('at most this many entries per page (default 1000)'),
});
