// A unit serial's page: genuine serials show how often and since when they were checked, a
// repeat view from the same client within the window counts once, a copied code (checked more
// than the threshold) is warned about, and an invented serial gets the 404 page.
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { toBase64, toHex } from '../../src/core/bytes.ts';
import { sign } from '../../src/core/ed25519.ts';
import { encodeDigitalLinkPath } from '../../src/core/gs1.ts';
import { sha256 } from '../../src/core/hash.ts';
import { generateSerial, serialHash, serialSetRoot, sortSerialHashes } from '../../src/core/serials.ts';
import { formatTime } from '../../src/core/time.ts';
import { uploadMessage } from '../../src/core/upload.ts';
import { createApp } from '../../src/http/app.ts';
import { batchBody, GTIN, makeHarness, type Harness } from '../support.ts';

let h: Harness;
let serials: string[];
const client = { id: '198.51.100.1' };
let app: ReturnType<typeof createApp>;

beforeEach(async () => {
  h = makeHarness();
  const farm = await h.register('farm', 'producer');
  await h.append(farm, 'batch.create', batchBody('SER-1'));
  const salt = randomBytes(16);
  serials = Array.from({ length: 3 }, () => generateSerial((n) => randomBytes(n)));
  const hashes = serials.map((s) => serialHash(salt, s));
  const body = Buffer.from(JSON.stringify({ batch: `01/${GTIN}/10/SER-1`, salt: toBase64(salt), hashes: hashes.map(toBase64) }));
  const time = formatTime(h.clock.now());
  const sig = toBase64(sign(uploadMessage(farm.id, toHex(sha256(body)), time), farm.key.secretKey));
  const up = await h.app.request('/v1/serial-sets', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Lotproof-Ed25519 actor="${farm.id}", time="${time}", sig="${sig}"` },
    body,
  });
  expect(up.status).toBe(201);
  const root = toBase64(serialSetRoot(sortSerialHashes(hashes)));
  await h.append(farm, 'serials.issue', { id: 'S1', batch: `01/${GTIN}/10/SER-1`, count: 3, salt: toBase64(salt), root });
  await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
  app = createApp({ ledger: h.ledger, clock: h.clock, config: { publicUrl: 'https://lotproof.test', serialWarnScans: 2, scanDedupMs: 60_000 }, clientId: () => client.id });
});
afterEach(() => h.close());

const path = (serial: string) => encodeDigitalLinkPath({ gtin: GTIN, lot: 'SER-1', serial });
const page = async (serial: string, lang = 'en') => {
  const res = await app.request(`${path(serial)}?lang=${lang}`);
  return { status: res.status, text: await res.text() };
};

describe('unit serial pages', () => {
  it('counts scans once per client per window and warns about a copied code', async () => {
    const s = serials[0]!;
    const first = await page(s);
    expect(first.status).toBe(200);
    expect(first.text).toContain('genuine serial number');
    expect(first.text).toContain('checked 1 time, first on 2026-11-22 08:00 UTC');
    expect(first.text).not.toContain('counterfeit');
    // The same client again within the window: not counted.
    expect((await page(s)).text).toContain('checked 1 time,');
    // Another client: counted.
    client.id = '198.51.100.2';
    expect((await page(s)).text).toContain('checked 2 times');
    // A third client passes the threshold of 2: the copied-code warning, in Chinese too.
    client.id = '198.51.100.3';
    const zh = await page(s, 'zh-CN');
    expect(zh.text).toContain('此码已被查询 3 次');
    expect(zh.text).toContain('可能是被复制的假冒二维码');
    // Machine reads never count, but report the count.
    const json = (await (await app.request(path(s), { headers: { accept: 'application/json' } })).json()) as any;
    expect(json.serial).toMatchObject({ value: s, genuine: true, scans: 3 });
    // Other serials of the set are untouched.
    expect((await page(serials[1]!)).text).toContain('checked 1 time');
  });

  it('answers an invented serial with the 404 page and counts nothing', async () => {
    const res = await page('INVENTED12345678');
    expect(res.status).toBe(404);
    expect(res.text).toContain('no record of this serial number');
    const res2 = await app.request(path('INVENTED12345678'), { headers: { accept: 'application/json' } });
    expect(res2.status).toBe(404);
    expect(((await res2.json()) as any).code).toBe('not_found');
  });
});
