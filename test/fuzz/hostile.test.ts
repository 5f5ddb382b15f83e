// Hostile input (issue 6), property-based with fast-check: random and mutated submissions,
// document uploads with traversal and wrong hashes, random Digital Link, proof and tile
// requests, and the CLI's import files. The invariant for every case: no 5xx, no crash, every
// refusal a problem+json with a stable code, and nothing written for anything refused.
// LOTPROOF_FUZZ_RUNS sets the runs per property (npm run test:fuzz: 100,000 in all).
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64, toHex } from '../../src/core/bytes.ts';
import { sign } from '../../src/core/ed25519.ts';
import { sha256 } from '../../src/core/hash.ts';
import { formatTime } from '../../src/core/time.ts';
import { uploadMessage } from '../../src/core/upload.ts';
import { UsageError } from '../../src/cli/command.ts';
import { parseImport } from '../../src/cli/records.ts';
import { batchBody, GTIN, makeHarness, type Actor, type Harness } from '../support.ts';

const TOTAL = Number(process.env.LOTPROOF_FUZZ_RUNS ?? 0);
// Five properties share the total; the default keeps npm test quick.
const RUNS = TOTAL > 0 ? Math.ceil(TOTAL / 5) : 150;

const CODES = new Set([
  'invalid_json', 'json_too_deep', 'duplicate_key', 'reserved_key', 'invalid_submission', 'invalid_request', 'invalid_gtin', 'invalid_lot', 'invalid_serial',
  'invalid_digital_link', 'invalid_tile', 'proof_out_of_range', 'bad_signature', 'unauthorized', 'unknown_actor', 'actor_revoked', 'key_not_active',
  'role_not_allowed', 'not_producer', 'not_signer', 'not_recipient', 'not_found', 'nonce_replayed', 'duplicate_actor', 'duplicate_batch',
  'duplicate_record', 'insufficient_holding', 'already_revoked', 'already_received', 'already_closed', 'body_too_large', 'entry_too_large',
  'unsupported_media_type', 'invalid_body', 'type_not_allowed', 'time_skew', 'unit_mismatch', 'unknown_batch', 'unknown_record', 'unknown_subject',
  'unknown_recipient', 'unknown_document', 'unknown_serial_set', 'document_mismatch', 'method_not_allowed',
]);

let h: Harness;
let farm: Actor;
let tmp: string;
beforeAll(async () => {
  h = makeHarness({ checkpointIntervalMs: 60_000 });
  farm = await h.register('farm', 'producer');
  await h.append(farm, 'batch.create', batchBody('FUZZ-0'));
  tmp = mkdtempSync(join(tmpdir(), 'lotproof-fuzz-'));
});
afterAll(() => {
  h.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** What a refusal must leave unchanged: the log's head and every table's row count. */
function state(): string {
  const counts = h.store.sqlite
    .prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'")
    .all()
    .map((t) => `${(t as { name: string }).name}=${(h.store.sqlite.prepare(`select count(*) n from "${(t as { name: string }).name}"`).get() as { n: number }).n}`);
  const holdings = (h.store.sqlite.prepare('select coalesce(sum(amount), 0) s from holdings').get() as { s: number }).s;
  return `${h.ledger.size()}:${toBase64(h.store.head().lastHash)}:${counts.join(',')}:${holdings}`;
}

async function expectRefusalOrSuccess(res: Response, before: string) {
  expect(res.status, `status ${res.status}`).toBeLessThan(500);
  if (res.status >= 400) {
    if (res.headers.get('content-type') === 'application/problem+json') {
      const p = (await res.json()) as { code: string };
      expect(CODES.has(p.code), `unknown code ${p.code}`).toBe(true);
    } else {
      // HTML error pages for shoppers (400/404) carry no problem document.
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      await res.text();
    }
    expect(state()).toBe(before);
  } else {
    await res.arrayBuffer();
  }
}

const post = (body: string | Uint8Array, type = 'application/json') =>
  h.app.request('/v1/entries', { method: 'POST', headers: { 'content-type': type }, body: typeof body === 'string' ? body : Buffer.from(body) });

// Strings that JCS and parsers find hard: lone surrogates, NaN-like text, huge numbers, RFC 8785's cases.
const nasty = fc.constantFrom(
  '\ud800', 'a\udfffb', 'NaN', 'Infinity', '-0', '1e400', '1E+308', '0.1e-400', '\u0000', '\u2028\u2029', '€', '\u{1F600}',
  '../../etc/passwd', '%2e%2e%2f', '\\u0000', '<script>alert(1)</script>', ' ', '',
);
const anyValue = fc.oneof(fc.jsonValue(), nasty, fc.double(), fc.bigInt().map(String), fc.constant(1e308), fc.constant(-0));

describe('POST /v1/entries', () => {
  it('random JSON and random bytes never produce a 5xx and write nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json().map((s) => new TextEncoder().encode(s)), fc.uint8Array({ maxLength: 300 }), fc.string().map((s) => new TextEncoder().encode(s))), async (bytes) => {
        const before = state();
        await expectRefusalOrSuccess(await post(bytes), before);
      }),
      { numRuns: RUNS },
    );
  });

  it('mutated valid statements are refused cleanly', async () => {
    let n = 0;
    const mutation = fc.record({
      path: fc.constantFrom('statement', 'statement.body', 'statement.body.quantity', 'statement.body.product', 'root'),
      key: fc.oneof(fc.constantFrom('v', 'type', 'actor', 'pub', 'time', 'nonce', 'body', 'sig', 'statement', 'gtin', 'lot', 'amount', 'uom', 'name'), fc.string()),
      op: fc.constantFrom('delete', 'set', 'retype'),
      value: anyValue,
    });
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.boolean(), async (muts, dupKey) => {
        const sub = h.sign(farm, 'batch.create', batchBody(`M${n++}`)) as unknown as Record<string, any>;
        for (const m of muts) {
          const target = m.path === 'root' ? sub : m.path.split('.').reduce((o: any, k) => (o && typeof o === 'object' ? o[k] : undefined), sub);
          if (!target || typeof target !== 'object') continue;
          if (m.op === 'delete') delete target[m.key];
          else if (m.op === 'set') target[m.key] = m.value;
          else target[m.key] = Array.isArray(target[m.key]) ? {} : typeof target[m.key] === 'string' ? 12345 : 'string';
        }
        let text = JSON.stringify(sub);
        if (dupKey) text = text.replace('{', '{"sig":"x",');
        const before = state();
        await expectRefusalOrSuccess(await post(text), before);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('document uploads', () => {
  it('traversal, wrong hashes and bad signatures are refused and store nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.constantFrom('..%2F..%2Fetc%2Fpasswd', '..', '%00', 'a'.repeat(64), 'A'.repeat(64), '0'.repeat(63), '../../x'), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 60, maxLength: 70 }), fc.string()),
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.boolean(),
        async (name, bytes, signIt) => {
          const time = formatTime(h.clock.now());
          const hex = toHex(sha256(bytes));
          const auth = signIt ? `Lotproof-Ed25519 actor="farm", time="${time}", sig="${toBase64(sign(uploadMessage('farm', hex, time), farm.key.secretKey))}"` : 'Lotproof-Ed25519 nonsense';
          const before = state();
          let res: Response;
          try {
            res = await h.app.request(`/v1/documents/${name}`, { method: 'PUT', headers: { 'content-type': 'application/pdf', authorization: auth }, body: Buffer.from(bytes) });
          } catch (e) {
            // A name no URL can hold is refused by the client itself, before any request.
            expect(String(e)).toMatch(/URL|Invalid/);
            return;
          }
          if (res.status === 201 || res.status === 200) {
            expect(name).toBe(hex);
            return;
          }
          await expectRefusalOrSuccess(res, before);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('read routes', () => {
  const segment = fc.oneof(fc.string(), fc.constantFrom('01', '10', '21', GTIN, 'FUZZ-0', '%2F', '%25', '%', '..', '.', 'x001', '000', '.p', '256'), fc.nat().map(String));
  it('random Digital Link, proof, receipt and tile requests never produce a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/01/', '/qr/01/', '/labels/01/', '/log/tile/', '/log/tile/entries/', '/log/receipt/', '/v1/entries/', '/v1/trace/01/', '/log/proof/inclusion?index=', '/log/proof/consistency?old=', '/log/entries?start='),
        fc.array(segment, { maxLength: 6 }),
        fc.constantFrom('application/json', 'text/html', '*/*', 'application/linkset+json'),
        async (prefix, parts, accept) => {
          const path = prefix + parts.map((p) => encodeURIComponent(p).replace(/%25/g, '%')).join(prefix.includes('?') ? '&x=' : '/');
          let res: Response;
          try {
            res = await h.app.request(path, { headers: { accept } });
          } catch {
            return; // not a URL at all
          }
          const before = state();
          expect(res.status, path).toBeLessThan(500);
          if (res.status >= 400) await expectRefusalOrSuccess(res, before);
          else await res.arrayBuffer();
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('the CLI import file parser', () => {
  it('accepts or refuses any file with a UsageError or per-line errors, never crashing', () => {
    let i = 0;
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.array(fc.string(), { maxLength: 5 }).map((l) => ['gtin,lot,name,category,producedOn,amount,uom,country', ...l].join('\n'))), fc.constantFrom('csv', 'jsonl'), (text, format) => {
        const file = join(tmp, `f${i++}.${format}`);
        writeFileSync(file, text);
        try {
          const lines = parseImport(file, format);
          for (const l of lines) expect(Boolean(l.body) !== Boolean(l.error)).toBe(true);
        } catch (e) {
          expect(e).toBeInstanceOf(UsageError);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
