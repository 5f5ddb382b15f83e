// /openapi.json is valid OpenAPI 3.1 (the official schema, ajv 2020-12), describes exactly the
// routes the app serves, and its schemas are the ones requests are validated with.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../src/http/openapi.ts';
import { makeHarness, type Harness } from '../support.ts';

let h: Harness;
let doc: any;
beforeAll(async () => {
  h = makeHarness();
  const res = await h.app.request('/openapi.json');
  expect(res.status).toBe(200);
  doc = await res.json();
});
afterAll(() => h.close());

describe('the OpenAPI description', () => {
  it('validates against the official OpenAPI 3.1 schema', () => {
    // The schema's only dynamic anchor is $defs/schema ("meta"); ajv mis-scopes $dynamicRef inside
    // dependentSchemas, so the test resolves it statically, which is the same thing here.
    const text = readFileSync(join(import.meta.dirname, '../vectors/openapi/schema-3.1.json'), 'utf8');
    const schema = JSON.parse(text.replaceAll('"$dynamicRef": "#meta"', '"$ref": "#/$defs/schema"'));
    const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true });
    (addFormats as unknown as typeof addFormats.default)(ajv);
    const validate = ajv.compile(schema);
    const ok = validate(doc);
    expect(validate.errors ?? [], JSON.stringify(validate.errors?.slice(0, 3))).toEqual([]);
    expect(ok).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
    // The validator does reject what is not OpenAPI 3.1.
    expect(validate({ ...doc, info: { title: 'x' } })).toBe(false);
    expect(validate({ ...doc, paths: { 'no-slash': {} } })).toBe(false);
  });

  it('lists every route the app serves, and only those', () => {
    const served = new Set(
      h.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${r.path}`),
    );
    const documented = new Set(ROUTES.map((r) => `${r.method} ${r.route}`));
    expect([...served].filter((r) => !documented.has(r)), 'served but not described').toEqual([]);
    expect([...documented].filter((r) => !served.has(r)), 'described but not served').toEqual([]);
    for (const r of ROUTES) expect(doc.paths[r.path]?.[r.method], `${r.method} ${r.path}`).toBeDefined();
  });

  it('describes the submission with the schema the service validates with', () => {
    const body = doc.paths['/v1/entries'].post.requestBody.content['application/json'].schema;
    expect(body.required).toEqual(['statement', 'sig']);
    expect(body.additionalProperties).toBe(false);
    expect(body.properties.statement.properties.type.enum).toContain('batch.create');
    expect(body.properties.statement.properties.body).toMatchObject({ type: 'object' });
    expect(doc.components.schemas['body.batch.create'].required).toEqual(
      expect.arrayContaining(['gtin', 'lot', 'product', 'producedOn', 'quantity', 'origin']),
    );
    const inclusion = doc.paths['/log/proof/inclusion'].get.parameters;
    expect(inclusion.find((p: any) => p.name === 'index')).toMatchObject({ in: 'query', required: true });
    expect(inclusion.find((p: any) => p.name === 'size')).toMatchObject({ in: 'query', required: false });
  });

  it('serves a readable reference at /docs under the page CSP', async () => {
    const res = await h.app.request('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const text = await res.text();
    expect(text).toContain('POST /v1/entries');
    expect(text).toContain('/log/proof/consistency');
  });
});
