// RFC 9457 problem details: every refusal carries a stable `code`. The status of each code is
// decided here, once; core and ledger know nothing of HTTP.
import type { Context } from 'hono';
import { LedgerError } from '../core/errors.ts';

const STATUS: Record<string, number> = {
  invalid_json: 400,
  json_too_deep: 400,
  duplicate_key: 400,
  reserved_key: 400,
  invalid_submission: 400,
  invalid_request: 400,
  invalid_gtin: 400,
  invalid_lot: 400,
  invalid_serial: 400,
  invalid_digital_link: 400,
  invalid_tile: 400,
  proof_out_of_range: 400,
  bad_signature: 403,
  unauthorized: 401,
  unknown_actor: 403,
  actor_revoked: 403,
  key_not_active: 403,
  role_not_allowed: 403,
  not_producer: 403,
  not_signer: 403,
  not_recipient: 403,
  not_found: 404,
  method_not_allowed: 405,
  nonce_replayed: 409,
  duplicate_actor: 409,
  duplicate_batch: 409,
  duplicate_record: 409,
  insufficient_holding: 409,
  already_revoked: 409,
  already_received: 409,
  already_closed: 409,
  body_too_large: 413,
  entry_too_large: 413,
  unsupported_media_type: 415,
  invalid_body: 422,
  type_not_allowed: 422,
  time_skew: 422,
  unit_mismatch: 422,
  unknown_batch: 422,
  unknown_record: 422,
  unknown_subject: 422,
  unknown_recipient: 422,
  unknown_document: 422,
  unknown_serial_set: 422,
  document_mismatch: 422,
  rate_limited: 429,
  internal: 500,
  storage_unavailable: 503,
  sequencer_busy: 503,
};

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function statusOf(code: string): number {
  return STATUS[code] ?? 400;
}

export function problemBody(code: string, detail: string, extra?: Record<string, unknown>) {
  const status = statusOf(code);
  return { type: `urn:lotproof:problem:${code}`, title: TITLES[status] ?? 'Error', status, code, detail, ...extra };
}

export function problem(c: Context, code: string, detail: string, extra?: Record<string, unknown>): Response {
  const body = problemBody(code, detail, extra);
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  const retry = extra?.retryAfter;
  if (typeof retry === 'number') headers['retry-after'] = String(retry);
  return c.body(JSON.stringify(body), body.status as 400, headers);
}

export function problemFromError(c: Context, e: LedgerError): Response {
  return problem(c, e.code, e.message, e.details);
}
