// lotproof SPEC §1 and §3: the shape of submissions, statements and each type's body.
// Bodies admit extra optional fields (the spec welcomes GS1 EPCIS / CBV names); the envelope
// does not, because every field of it has a meaning the log enforces.
import { z } from 'zod';
import { fromBase64, isBase64Of } from '../core/bytes.ts';
import { isValidPublicKey } from '../core/ed25519.ts';
import { isDate, parseTime } from '../core/time.ts';
import { isCountryCode, isValidGtin14, isValidLot, parseBatchName } from '../core/gs1.ts';
import { STATEMENT_TYPES } from '../core/statement.ts';

/** Policy: actor ids are short lowercase ASCII names, so `<actor>/<id>` record names stay unambiguous. */
export const ACTOR_ID_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Policy: record ids are ASCII without '/', so `<signer>/<id>` splits at the first '/'. */
export const RECORD_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/;

/** Policy: at most this many serials per set; a batch may have several sets. */
export const MAX_SERIAL_SET = 100_000;

export const ROLES = ['producer', 'lab', 'certifier', 'carrier', 'retailer', 'authority'] as const;
export type Role = (typeof ROLES)[number] | 'operator';

const text = (max: number) => z.string().min(1).max(max).refine((s) => s.trim().length > 0, 'must not be blank');
const actorId = z.string().regex(ACTOR_ID_RE, 'an actor id is 1–64 of a-z 0-9 . _ - starting with a letter or digit');
const recordId = z.string().regex(RECORD_ID_RE, 'an id is 1–128 of A-Z a-z 0-9 . _ : - starting with a letter or digit');
const recordName = z
  .string()
  .max(200)
  .refine((s) => {
    const i = s.indexOf('/');
    return i > 0 && ACTOR_ID_RE.test(s.slice(0, i)) && RECORD_ID_RE.test(s.slice(i + 1));
  }, 'a record is named <signer actor id>/<id>');
const b64Bytes = (n: number, what: string) =>
  z.string().refine((s) => isBase64Of(s, n), `${what} must be standard base64 of ${n} bytes`);
const publicKey = z
  .string()
  .refine((s) => {
    const b = fromBase64(s);
    return b !== undefined && isValidPublicKey(b);
  }, 'must be standard base64 of a 32-byte Ed25519 public key');
const date = z.string().refine(isDate, 'must be a date YYYY-MM-DD');
const time = z.string().refine((s) => parseTime(s) !== undefined, 'must be RFC 3339 UTC with milliseconds, e.g. 2026-11-22T08:00:00.000Z');
const batchRef = z.string().refine((s) => parseBatchName(s) !== undefined, 'a batch is named 01/<GTIN-14>/10/<lot>');
/** Policy: amounts are positive, at most 1e9, with at most 6 decimals (held as integer micro-units). */
export const amount = z
  .number()
  .positive()
  .max(1e9)
  .refine((a) => Math.round(a * 1e6) / 1e6 === a, 'at most 6 decimal places');
/** UN/ECE Recommendation 20 unit codes, as EPCIS uses them (KGM, LTR, H87, ...). */
const uom = z.string().regex(/^[A-Z0-9]{1,3}$/, 'a UN/ECE Rec 20 unit code such as KGM, LTR or H87');
const quantity = z.looseObject({ amount, uom });
/** A quantity in a body: `{amount, uom}`, or a bare number in the batch's own unit. */
const quantityRef = z.union([amount, quantity]);
const document = z.looseObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'lowercase hex SHA-256'),
  mediaType: text(100),
  name: text(200),
});
const location = z.union([text(200), z.looseObject({})]);

export const batchCreateBody = z.looseObject({
  gtin: z.string().refine(isValidGtin14, 'must be a GTIN-14 with a valid check digit'),
  lot: z.string().refine(isValidLot, 'a lot (GS1 AI 10) is 1–20 characters of the GS1 82-character set')
    // Policy: "." and ".." are valid AI 10 values, but URL parsers drop them from a path, so no
    // Digital Link could ever reach such a batch. They are refused rather than made unreachable.
    .refine((s) => s !== '.' && s !== '..', 'the lots "." and ".." cannot appear in a Digital Link path'),
  product: z.looseObject({ name: text(200), category: text(100) }),
  producedOn: date,
  quantity,
  origin: z.looseObject({ country: z.string().refine(isCountryCode, 'an ISO 3166-1 alpha-2 country code') }),
  expiresOn: date.optional(),
  ingredients: z.array(z.union([text(200), z.looseObject({})])).max(200).optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
});

const bodies = {
  'log.init': z.looseObject({
    origin: text(200),
    operator: z.looseObject({ id: z.literal('operator'), pub: publicKey }),
    logKey: text(400),
  }),
  'actor.register': z.looseObject({
    id: actorId,
    role: z.enum(ROLES),
    name: text(200),
    pub: publicKey,
    accreditation: z.looseObject({ body: text(200), number: text(100) }).optional(),
  }),
  'actor.rotateKey': z.looseObject({ id: z.union([actorId, z.literal('operator')]), pub: publicKey }),
  'actor.revoke': z.looseObject({ id: actorId, reason: text(1000) }),
  'batch.create': batchCreateBody,
  'labreport.issue': z.looseObject({
    id: recordId,
    batch: batchRef,
    issuedOn: date,
    tests: z
      .array(
        z.looseObject({
          name: text(200),
          result: z.union([text(200), z.number()]),
          verdict: z.enum(['pass', 'fail', 'info']),
          method: text(200).optional(),
          unit: text(50).optional(),
          limit: z.union([text(200), z.number()]).optional(),
        }),
      )
      .min(1)
      .max(500),
    verdict: z.enum(['pass', 'fail']),
    document: document.optional(),
  }),
  'labreport.revoke': z.looseObject({ report: recordName, reason: text(1000) }),
  'certificate.issue': z.looseObject({
    id: recordId,
    subject: z.union([z.strictObject({ actor: actorId }), z.strictObject({ batch: batchRef })]),
    standard: text(200),
    validFrom: date,
    validUntil: date,
    scope: z.union([text(1000), z.array(text(200))]).optional(),
    document: document.optional(),
  }),
  'certificate.revoke': z.looseObject({ certificate: recordName, reason: text(1000) }),
  'handoff.ship': z.looseObject({
    id: recordId,
    batch: batchRef,
    to: actorId,
    quantity: quantityRef,
    shippedAt: time,
    fromLocation: location.optional(),
    toLocation: location.optional(),
    conditions: z.union([text(1000), z.looseObject({})]).optional(),
  }),
  'handoff.receive': z.looseObject({
    shipment: recordName,
    receivedAt: time,
    outcome: z.enum(['accepted', 'rejected']),
    quantity: quantityRef.optional(),
    conditions: z.union([text(1000), z.looseObject({})]).optional(),
    note: text(1000).optional(),
  }),
  'batch.transform': z.looseObject({
    inputs: z.array(z.looseObject({ batch: batchRef, quantity: quantityRef })).min(1).max(100),
    outputs: z.array(batchCreateBody).min(1).max(100),
  }),
  'recall.issue': z.looseObject({
    id: recordId,
    batches: z.array(batchRef).min(1).max(1000),
    class: z.enum(['I', 'II', 'III']),
    reason: text(2000),
    instructions: text(2000),
    issuedOn: date.optional(),
  }),
  'recall.close': z.looseObject({ recall: recordName, note: text(2000) }),
  // lotproof extension (not in SPEC §3): unit serials committed without publishing them.
  'serials.issue': z.looseObject({
    id: recordId,
    batch: batchRef,
    count: z.number().int().min(1).max(MAX_SERIAL_SET),
    salt: b64Bytes(16, 'salt'),
    root: b64Bytes(32, 'root'),
  }),
} as const;

export type BodyOf<T extends keyof typeof bodies> = z.infer<(typeof bodies)[T]>;
export const bodySchemas: { [T in keyof typeof bodies]: (typeof bodies)[T] } = bodies;

export const statementSchema = z.strictObject({
  v: z.literal(1),
  type: z.enum(STATEMENT_TYPES),
  actor: z.union([actorId, z.literal('operator')]),
  pub: b64Bytes(32, 'pub'),
  time,
  nonce: b64Bytes(16, 'nonce'),
  // Each type's body schema (checkBody) judges the members; here it need only be an object.
  // z.record would copy it member by member, a fifth of a statement's check.
  // The metadata keeps the OpenAPI document (src/http/openapi.ts) saying what it is.
  body: z
    .custom<Record<string, unknown>>((b) => typeof b === 'object' && b !== null && !Array.isArray(b), 'expected an object')
    .meta({ type: 'object', additionalProperties: {}, description: "the type's body; each type's schema is in components.schemas" }),
});

export const submissionSchema = z.strictObject({
  statement: statementSchema,
  sig: b64Bytes(64, 'sig'),
});

/** Splits a `<signer>/<id>` record name. Only call on names the schema accepted. */
export function splitRecordName(name: string): { signer: string; id: string } {
  const i = name.indexOf('/');
  return { signer: name.slice(0, i), id: name.slice(i + 1) };
}

/** A body quantity in micro-units of the batch's unit, or undefined if its unit differs. */
export function toMicro(q: number | { amount: number; uom: string }, batchUom: string): number | undefined {
  if (typeof q === 'number') return Math.round(q * 1e6);
  if (q.uom !== batchUom) return undefined;
  return Math.round(q.amount * 1e6);
}
