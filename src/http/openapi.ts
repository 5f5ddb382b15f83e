// The OpenAPI 3.1 description of the HTTP API (lotproof SPEC §5), generated from the zod schemas
// the handlers validate with (src/http/schemas.ts, src/ledger/bodies.ts). A test checks that
// every route the app serves is described here and nothing else, so the two cannot drift.
import { z } from 'zod';
import { bodySchemas, submissionSchema } from '../ledger/bodies.ts';
import { qrQuerySchema } from '../pages/qr.ts';
import { actorParams } from './actors.ts';
import { html } from '../pages/html.ts';
import {
  appendedSchema,
  consistencyQuery,
  entriesPostQuery,
  epcisQuery,
  inclusionQuery,
  labelsQuery,
  pageQuery,
  pageViewQuery,
  problemSchema,
  proofSchema,
  seqParams,
  sha256Params,
  traceQuery,
} from './schemas.ts';

type Method = 'get' | 'post' | 'put' | 'options';

interface Answer {
  description: string;
  mediaType?: string;
  schema?: z.ZodType;
}

export interface RouteDoc {
  method: Method;
  /** The OpenAPI path template. */
  path: string;
  /** The Hono pattern that serves it (several docs may share one wildcard pattern). */
  route: string;
  tag: string;
  summary: string;
  params?: z.ZodObject;
  /** Path parameters of templates that Hono serves through a wildcard. */
  pathNames?: string[];
  query?: z.ZodObject;
  body?: { mediaType: string; schema?: z.ZodType; description: string };
  responses: Record<string, Answer>;
}

const text = (description: string): Answer => ({ description, mediaType: 'text/plain' });
const json = (description: string, schema?: z.ZodType): Answer => ({ description, mediaType: 'application/json', ...(schema ? { schema } : {}) });
const ndjson = (description: string): Answer => ({ description, mediaType: 'application/x-ndjson' });
const problem = (description: string): Answer => ({ description, mediaType: 'application/problem+json', schema: problemSchema });
const dl = ['gtin', 'lot'];
const dlSerial = ['gtin', 'lot', 'serial'];

export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/', route: '/', tag: 'service', summary: 'the service: origin, log key and size', responses: { 200: json('service description') } },
  { method: 'get', path: '/healthz', route: '/healthz', tag: 'operations', summary: 'liveness', responses: { 200: text('ok') } },
  {
    method: 'get', path: '/readyz', route: '/readyz', tag: 'operations', summary: 'readiness: fails when entries wait too long for a checkpoint',
    responses: { 200: json('ready'), 503: json('not ready, with the reason') },
  },
  { method: 'get', path: '/metrics', route: '/metrics', tag: 'operations', summary: 'Prometheus metrics', responses: { 200: text('Prometheus text exposition') } },
  { method: 'get', path: '/openapi.json', route: '/openapi.json', tag: 'operations', summary: 'this description', responses: { 200: json('OpenAPI 3.1') } },
  { method: 'get', path: '/docs', route: '/docs', tag: 'operations', summary: 'a readable reference of this API', responses: { 200: { description: 'HTML', mediaType: 'text/html' } } },

  {
    method: 'post', path: '/v1/entries', route: '/v1/entries', tag: 'ledger', summary: 'submit a signed statement (SPEC §1)', query: entriesPostQuery,
    body: { mediaType: 'application/json', schema: submissionSchema, description: 'a submission {statement, sig}; the body schema of each type is in components.schemas' },
    responses: { 201: json('accepted and durable', appendedSchema), 400: problem('malformed'), 403: problem('not allowed'), 409: problem('conflict'), 413: problem('too large'), 415: problem('not JSON'), 422: problem('invalid content'), 429: problem('rate limited'), 503: problem('busy or storage unavailable') },
  },
  { method: 'get', path: '/v1/entries/{seq}', route: '/v1/entries/:seq', tag: 'ledger', summary: 'an entry with its leaf hash', params: seqParams, responses: { 200: json('{seq, hash, entry}'), 404: problem('no such entry') } },
  {
    method: 'put', path: '/v1/documents/{sha256}', route: '/v1/documents/:sha256', tag: 'ledger', summary: 'store a document under its SHA-256 (a registered actor, signed upload)', params: sha256Params,
    body: { mediaType: 'application/octet-stream', description: 'the bytes, with their media type as Content-Type; Authorization: Lotproof-Ed25519 actor="…", time="…", sig="…"' },
    responses: { 200: json('already stored'), 201: json('stored'), 401: problem('no upload signature'), 413: problem('too large'), 415: problem('media type not allowed'), 422: problem('hash mismatch') },
  },
  { method: 'get', path: '/v1/documents/{sha256}', route: '/v1/documents/:sha256', tag: 'ledger', summary: 'a stored document', params: sha256Params, responses: { 200: { description: 'the bytes' }, 404: problem('not stored') } },
  {
    method: 'post', path: '/v1/serial-sets', route: '/v1/serial-sets', tag: 'ledger', summary: "a producer's private upload of salted unit-serial hashes",
    body: { mediaType: 'application/json', description: '{batch, salt, hashes}; Authorization: Lotproof-Ed25519 signature over the body' },
    responses: { 201: json('{root, count}: the commitment a serials.issue names'), 401: problem('no upload signature'), 403: problem('not the producer') },
  },
  { method: 'get', path: '/v1/actors/{id}', route: '/v1/actors/:id', tag: 'ledger', summary: "an actor's public record: role, name, active key, accreditation, revocation", params: actorParams, responses: { 200: json('the actor'), 404: problem('not registered') } },
  {
    method: 'get', path: '/v1/epcis/events', route: '/v1/epcis/events', tag: 'ledger', summary: 'the ledger as a GS1 EPCIS 2.0 EPCISDocument (JSON-LD), each event named by its CBV 2.0 event hash', query: epcisQuery,
    responses: { 200: { description: 'EPCISDocument', mediaType: 'application/ld+json' }, 400: problem('bad parameter'), 404: problem('unknown batch') },
  },
  {
    method: 'get', path: '/v1/trace/01/{gtin}/10/{lot}', route: '/v1/trace/01/*', pathNames: dl, tag: 'ledger', summary: "a batch's genealogy, upstream and downstream", query: traceQuery,
    responses: { 200: json('batches and links'), 404: problem('unknown batch') },
  },

  { method: 'get', path: '/log/checkpoint', route: '/log/checkpoint', tag: 'transparency', summary: 'the latest signed checkpoint (c2sp.org/tlog-checkpoint)', responses: { 200: text('signed note') } },
  { method: 'get', path: '/log/checkpoints', route: '/log/checkpoints', tag: 'transparency', summary: 'every signed checkpoint from a tree size', query: pageQuery, responses: { 200: ndjson('{size, root, signedAt, note} per line') } },
  { method: 'get', path: '/log/key', route: '/log/key', tag: 'transparency', summary: "the log's C2SP verifier key", responses: { 200: text('verifier key and a newline') } },
  { method: 'get', path: '/log/entries', route: '/log/entries', tag: 'transparency', summary: 'leaf bytes, one per line, byte-exact', query: pageQuery, responses: { 200: ndjson('leaves'), 400: problem('bad range') } },
  {
    method: 'get', path: '/log/proof/inclusion', route: '/log/proof/inclusion', tag: 'transparency', summary: 'RFC 9162 inclusion proof', query: inclusionQuery,
    responses: { 200: json('{index, size, hashes}', proofSchema), 400: problem('out of range') },
  },
  {
    method: 'get', path: '/log/proof/consistency', route: '/log/proof/consistency', tag: 'transparency', summary: 'RFC 9162 consistency proof', query: consistencyQuery,
    responses: { 200: json('{old, new, hashes}', proofSchema), 400: problem('out of range') },
  },
  { method: 'get', path: '/log/receipt/{seq}', route: '/log/receipt/:seq', tag: 'transparency', summary: 'a c2sp.org/tlog-proof@v1 receipt', params: seqParams, responses: { 200: text('receipt'), 404: problem('not yet covered') } },
  {
    method: 'get', path: '/log/tile/{tile}', route: '/log/tile/*', pathNames: ['tile'], tag: 'transparency', summary: 'c2sp.org/tlog-tiles hash tiles <L>/<N>[.p/<W>] and entry bundles entries/<N>[.p/<W>] (N in x-prefixed 3-digit groups)',
    responses: { 200: { description: 'tile bytes', mediaType: 'application/octet-stream' }, 400: problem('malformed path'), 404: problem('no such tile yet') },
  },

  {
    method: 'get', path: '/01/{gtin}/10/{lot}', route: '/01/*', pathNames: dl, tag: 'shoppers', summary: "a batch's verification page (HTML), its data (JSON) or linkset (GS1 Digital Link resolver)", query: pageViewQuery,
    responses: { 200: { description: 'HTML page, JSON view or RFC 9264 linkset', mediaType: 'text/html' }, 307: { description: 'redirect for a linkType' }, 400: { description: 'malformed Digital Link' }, 404: { description: 'unknown batch' } },
  },
  {
    method: 'get', path: '/01/{gtin}/10/{lot}/21/{serial}', route: '/01/*', pathNames: dlSerial, tag: 'shoppers', summary: "a unit's page: genuine serial, scan count and copied-code warning", query: pageViewQuery,
    responses: { 200: { description: 'HTML page or JSON', mediaType: 'text/html' }, 404: { description: 'unknown serial' } },
  },
  { method: 'options', path: '/01/{gtin}/10/{lot}', route: '/01/*', pathNames: dl, tag: 'shoppers', summary: 'CORS preflight for resolver clients', responses: { 204: { description: 'allowed methods and headers' } } },
  {
    method: 'get', path: '/qr/01/{gtin}/10/{lot}.svg', route: '/qr/*', pathNames: dl, tag: 'shoppers', summary: 'QR code (SVG, or .png) of the Digital Link; also /21/{serial}', query: qrQuerySchema,
    responses: { 200: { description: 'image/svg+xml or image/png' }, 400: problem('bad option or path') },
  },
  {
    method: 'get', path: '/labels/01/{gtin}/10/{lot}', route: '/labels/01/*', pathNames: dl, tag: 'shoppers', summary: 'printable label sheet (HTML, print CSS)', query: labelsQuery,
    responses: { 200: { description: 'HTML', mediaType: 'text/html' }, 400: problem('bad option') },
  },
  { method: 'get', path: '/.well-known/gs1resolver', route: '/.well-known/gs1resolver', tag: 'shoppers', summary: 'GS1 resolver description', responses: { 200: json('resolver description') } },
  { method: 'get', path: '/assets/{name}', route: '/assets/:name', tag: 'shoppers', summary: "the page's content-hashed script and stylesheets", responses: { 200: { description: 'asset' }, 404: problem('unknown asset') } },
  { method: 'get', path: '/favicon.ico', route: '/favicon.ico', tag: 'shoppers', summary: 'no icon', responses: { 204: { description: 'none' } } },
];

function jsonSchema(s: z.ZodType): unknown {
  const out = z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete out.$schema;
  return out;
}

function parameters(doc: RouteDoc): unknown[] {
  const out: unknown[] = [];
  const add = (obj: z.ZodObject | undefined, where: 'path' | 'query') => {
    if (!obj) return;
    for (const [name, field] of Object.entries(obj.shape)) {
      const f = field as z.ZodType;
      const optional = f.safeParse(undefined).success;
      out.push({ name, in: where, required: where === 'path' || !optional, description: f.description, schema: jsonSchema(f) });
    }
  };
  add(doc.params, 'path');
  for (const name of doc.pathNames ?? []) {
    if (!doc.params?.shape[name]) out.push({ name, in: 'path', required: true, schema: { type: 'string' } });
  }
  add(doc.query, 'query');
  return out;
}

/** The OpenAPI 3.1 document for a service at `publicUrl`. */
export function openApiDocument(publicUrl: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of ROUTES) {
    const op: Record<string, unknown> = {
      operationId: `${r.method}${r.path.replace(/[^A-Za-z0-9]+(.)?/g, (_m, ch: string | undefined) => (ch ? ch.toUpperCase() : ''))}`,
      tags: [r.tag],
      summary: r.summary,
      parameters: parameters(r),
      responses: Object.fromEntries(
        Object.entries(r.responses).map(([status, a]) => [
          status,
          { description: a.description, ...(a.mediaType ? { content: { [a.mediaType]: a.schema ? { schema: jsonSchema(a.schema) } : {} } } : {}) },
        ]),
      ),
    };
    if (r.body) {
      op.requestBody = { required: true, description: r.body.description, content: { [r.body.mediaType]: r.body.schema ? { schema: jsonSchema(r.body.schema) } : {} } };
    }
    (paths[r.path] ??= {})[r.method] = op;
  }
  const bodies = Object.fromEntries(
    Object.entries(bodySchemas)
      .filter(([type]) => type !== 'log.init')
      .map(([type, s]) => [`body.${type}`, jsonSchema(s as z.ZodType)]),
  );
  return {
    openapi: '3.1.0',
    info: {
      title: 'lotproof',
      version: '1',
      summary: 'Product traceability and certification ledger: signed statements, a hash-chained log, RFC 6962 Merkle tree and C2SP checkpoints.',
      license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
    },
    servers: [{ url: publicUrl }],
    tags: ['ledger', 'transparency', 'shoppers', 'operations'].map((name) => ({ name })),
    paths,
    components: { schemas: { Submission: jsonSchema(submissionSchema), Problem: jsonSchema(problemSchema), ...bodies } },
  };
}

/** A readable, script-free HTML reference of the same description. */
export function renderApiDocs(doc: Record<string, unknown>): string {
  const paths = doc.paths as Record<string, Record<string, { summary: string; parameters: { name: string; in: string; required: boolean; description?: string }[]; responses: Record<string, { description: string }> }>>;
  const rows = Object.entries(paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(
      ([method, op]) => html`<section><h2><code>${method.toUpperCase()} ${path}</code></h2><p>${op.summary}</p>
${op.parameters.length ? html`<ul>${op.parameters.map((p) => html`<li><code>${p.name}</code> (${p.in}${p.required ? ', required' : ''})${p.description ? html`: ${p.description}` : ''}</li>`)}</ul>` : ''}
<p>${Object.entries(op.responses).map(([status, r]) => html`<code>${status}</code> ${r.description}. `)}</p></section>`,
    ),
  );
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>lotproof API</title></head>
<body><h1>lotproof HTTP API</h1><p>OpenAPI 3.1: <a href="/openapi.json">/openapi.json</a>. Refusals are RFC 9457 problems with a stable <code>code</code>.</p>${rows}</body></html>`.toString();
}
