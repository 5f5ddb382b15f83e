// The transparency endpoints (SPEC §4 and §5) through app.request(): checkpoints, the key, entries,
// RFC 9162 proofs, c2sp.org/tlog-proof receipts and c2sp.org/tlog-tiles, each checked against a
// recomputation from the leaf bytes; bad input refused with a 4xx problem, never a 5xx. Then a
// property test: random append sequences, after each of which every proof and every checkpoint
// the log ever signed must verify, as sunlight's CheckLog does.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatBytes, equalBytes, fromBase64, fromUtf8, toBase64, utf8 } from '../../src/core/bytes.ts';
import { openCheckpoint, parseCheckpointBody, signCheckpoint } from '../../src/core/checkpoint.ts';
import { generateKeyPair } from '../../src/core/ed25519.ts';
import { ZERO_HASH_B64 } from '../../src/core/entry.ts';
import { sha256 } from '../../src/core/hash.ts';
import { canonicalBytes } from '../../src/core/jcs.ts';
import { hashLeaf, rootFromLeafHashes, verifyConsistency, verifyInclusion } from '../../src/core/merkle.ts';
import { parseNote, parseVerifierKey, verifierKey } from '../../src/core/note.ts';
import { verifyReceipt } from '../../src/core/receipt.ts';
import { encodeEntryBundle } from '../../src/core/tiles.ts';
import { batchBody, makeHarness, type Actor, type Harness } from '../support.ts';

const ORIGIN = 'test.lotproof/log';

async function get(h: Harness, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return h.app.request(path, { headers });
}

async function bytesOf(res: Response): Promise<Uint8Array> {
  return new Uint8Array(await res.arrayBuffer());
}

async function expectProblem(res: Response, status: number, code: string): Promise<void> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const p = JSON.parse(text);
  expect(p.code).toBe(code);
  expect(p.status).toBe(status);
}

/** Every leaf in the log, read through /log/entries in pages of 1000. */
async function allLeaves(h: Harness): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for (;;) {
    const res = await get(h, `/log/entries?start=${out.length}&limit=1000`);
    expect(res.status).toBe(200);
    const body = await bytesOf(res);
    if (body.length === 0) return out;
    const lines = fromUtf8(body).split('\n');
    expect(lines.pop()).toBe('');
    for (const l of lines) out.push(utf8(l));
  }
}

async function servedKey(h: Harness): Promise<Uint8Array> {
  const text = await (await get(h, '/log/key')).text();
  const k = parseVerifierKey(text.trim());
  expect(k.name).toBe(ORIGIN);
  return k.publicKey;
}

async function latest(h: Harness) {
  const note = await (await get(h, '/log/checkpoint')).text();
  return { note, cp: openCheckpoint(note, ORIGIN, await servedKey(h)) };
}

async function listCheckpoints(h: Harness): Promise<{ size: number; root: string; signedAt: string; note: string }[]> {
  const out = [];
  let start = 0;
  for (;;) {
    const res = await get(h, `/log/checkpoints?start=${start}&limit=7`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const lines = (await res.text()).split('\n').filter((l) => l !== '');
    if (lines.length === 0) return out;
    for (const l of lines) out.push(JSON.parse(l));
    start = out[out.length - 1]!.size + 1;
  }
}

async function inclusion(h: Harness, index: number, size: number): Promise<Uint8Array[]> {
  const res = await get(h, `/log/proof/inclusion?index=${index}&size=${size}`);
  expect(res.status, await res.clone().text()).toBe(200);
  const body = await res.json();
  expect(body.index).toBe(index);
  expect(body.size).toBe(size);
  return body.hashes.map((x: string) => fromBase64(x)!);
}

async function consistency(h: Harness, oldSize: number, newSize: number): Promise<Uint8Array[]> {
  const res = await get(h, `/log/proof/consistency?old=${oldSize}&new=${newSize}`);
  expect(res.status, await res.clone().text()).toBe(200);
  const body = await res.json();
  expect(body.old).toBe(oldSize);
  expect(body.new).toBe(newSize);
  return body.hashes.map((x: string) => fromBase64(x)!);
}

/** Appends `n` actor registrations concurrently, so checkpoints cover several entries at once. */
async function registerMany(h: Harness, prefix: string, n: number): Promise<void> {
  const subs = Array.from({ length: n }, (_, i) =>
    h.sign(h.operator, 'actor.register', { id: `${prefix}${i}`, role: 'retailer', name: `${prefix} ${i}`, pub: toBase64(generateKeyPair().publicKey) }),
  );
  const answers = await Promise.all(subs.map((s) => h.post(s)));
  for (const r of answers) expect(r.status, await r.clone().text()).toBe(201);
}

async function settle(h: Harness): Promise<void> {
  await h.ledger.waitForCheckpoint(h.ledger.size() - 1);
}

describe('the log endpoints over a log of 300 entries', () => {
  let h: Harness;
  let leaves: Uint8Array[];
  let hashes: Uint8Array[];
  const SIZE = 300;

  beforeAll(async () => {
    h = makeHarness();
    await registerMany(h, 'shop', SIZE - 1);
    await settle(h);
    expect(h.ledger.size()).toBe(SIZE);
    leaves = await allLeaves(h);
    hashes = leaves.map(hashLeaf);
  });
  afterAll(() => h.close());

  it('serves the log key as a C2SP verifier key string and a newline', async () => {
    const res = await get(h, '/log/key');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await res.text()).toBe(`${verifierKey(ORIGIN, h.logKey.publicKey)}\n`);
  });

  it('serves the checkpoint byte-exact, signed with the served key, over the recomputed root', async () => {
    const res = await get(h, '/log/checkpoint');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const note = await res.text();
    const root = rootFromLeafHashes(hashes);
    // Ed25519 is deterministic, so the exact bytes can be recomputed from the size and root.
    expect(note).toBe(signCheckpoint({ origin: ORIGIN, size: SIZE, root }, h.logKey));
    const lines = note.split('\n');
    expect(lines.slice(0, 4)).toEqual([ORIGIN, String(SIZE), toBase64(root), '']);
    expect(lines[4]).toMatch(new RegExp(`^\u2014 ${ORIGIN.replace(/\./g, '\\.')} [A-Za-z0-9+/]{91}=$`));
    expect(lines[5]).toBe('');
    const sig = parseNote(note).signatures[0]!;
    expect(sig.signature.length).toBe(64);
    const cp = openCheckpoint(note, ORIGIN, await servedKey(h));
    expect(cp.size).toBe(SIZE);
    expect(() => openCheckpoint(note, ORIGIN, generateKeyPair().publicKey)).toThrow();
  });

  it('serves entries byte-exact as JCS leaves chained by prev', async () => {
    const res = await get(h, '/log/entries?start=0&limit=1000');
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const body = await bytesOf(res);
    const expected = concatBytes(...h.store.leaves(0, SIZE).flatMap((l) => [l, utf8('\n')]));
    expect(equalBytes(body, expected)).toBe(true);
    let prev = ZERO_HASH_B64;
    leaves.forEach((leaf, i) => {
      const e = JSON.parse(fromUtf8(leaf));
      expect(equalBytes(canonicalBytes(e), leaf)).toBe(true);
      expect(e.seq).toBe(i);
      expect(e.prev).toBe(prev);
      prev = toBase64(sha256(leaf));
    });
    const page = await bytesOf(await get(h, '/log/entries?start=17&limit=3'));
    expect(fromUtf8(page)).toBe(leaves.slice(17, 20).map((l) => `${fromUtf8(l)}\n`).join(''));
    expect((await bytesOf(await get(h, `/log/entries?start=${SIZE}&limit=5`))).length).toBe(0);
  });

  it('refuses entry pages beyond the limits', async () => {
    expect((await get(h, '/log/entries?start=0&limit=1000')).status).toBe(200);
    await expectProblem(await get(h, '/log/entries?start=0&limit=1001'), 400, 'invalid_request');
    await expectProblem(await get(h, '/log/entries?start=0&limit=0'), 400, 'invalid_request');
    await expectProblem(await get(h, `/log/entries?start=${SIZE + 1}`), 400, 'invalid_request');
    await expectProblem(await get(h, '/log/entries?start=-1'), 400, 'invalid_request');
    await expectProblem(await get(h, '/log/entries?start=abc'), 400, 'invalid_request');
  });

  it('serves inclusion proofs that verify for every index of many sizes', async () => {
    for (const size of [1, 2, 3, 7, 8, 9, 64, 255, 256, 257, 299, SIZE]) {
      const root = rootFromLeafHashes(hashes.slice(0, size));
      for (let index = 0; index < size; index += size > 64 ? 13 : 1) {
        const proof = await inclusion(h, index, size);
        expect(verifyInclusion(index, size, hashes[index]!, proof, root), `${index} in ${size}`).toBe(true);
        expect(verifyInclusion(index, size, hashes[(index + 1) % SIZE]!, proof, root)).toBe(false);
      }
    }
    // Without size, the proof is against the latest checkpoint.
    const body = await (await get(h, '/log/proof/inclusion?index=5')).json();
    expect(body.size).toBe(SIZE);
  });

  it('serves consistency proofs that verify for many pairs of sizes', async () => {
    const sizes = [1, 2, 3, 4, 5, 8, 13, 100, 255, 256, 257, 299, SIZE];
    for (const m of sizes) {
      for (const n of sizes) {
        if (m > n) continue;
        const proof = await consistency(h, m, n);
        const oldRoot = rootFromLeafHashes(hashes.slice(0, m));
        const newRoot = rootFromLeafHashes(hashes.slice(0, n));
        expect(verifyConsistency(m, n, oldRoot, newRoot, proof), `${m} -> ${n}`).toBe(true);
        if (m < n) expect(verifyConsistency(m, n, newRoot, oldRoot, proof)).toBe(false);
      }
    }
  });

  it('serves receipts that verify offline against the latest checkpoint', async () => {
    const key = await servedKey(h);
    for (const seq of [0, 1, 2, 100, 255, 256, SIZE - 1]) {
      const res = await get(h, `/log/receipt/${seq}`);
      expect(res.status).toBe(200);
      const text = await res.text();
      const v = verifyReceipt(text, { leaf: leaves[seq]! }, ORIGIN, key);
      expect(v.index).toBe(seq);
      expect(v.checkpoint.size).toBe(SIZE);
      expect(() => verifyReceipt(text, { leaf: leaves[(seq + 1) % SIZE]! }, ORIGIN, key)).toThrow();
    }
    await expectProblem(await get(h, `/log/receipt/${SIZE}`), 404, 'not_found');
    await expectProblem(await get(h, '/log/receipt/x'), 400, 'invalid_request');
  });

  it('serves hash tiles byte-exact', async () => {
    const level0 = await bytesOf(await get(h, '/log/tile/0/000'));
    expect(equalBytes(level0, concatBytes(...hashes.slice(0, 256)))).toBe(true);
    const partial = await bytesOf(await get(h, `/log/tile/0/001.p/${SIZE - 256}`));
    expect(equalBytes(partial, concatBytes(...hashes.slice(256)))).toBe(true);
    // A narrower partial tile of a full one is its prefix.
    const prefix = await bytesOf(await get(h, '/log/tile/0/000.p/5'));
    expect(equalBytes(prefix, concatBytes(...hashes.slice(0, 5)))).toBe(true);
    // Level 1 holds the roots of 256-leaf subtrees.
    const level1 = await bytesOf(await get(h, '/log/tile/1/000.p/1'));
    expect(equalBytes(level1, rootFromLeafHashes(hashes.slice(0, 256)))).toBe(true);
  });

  it('serves entry bundles byte-exact: uint16 big-endian lengths and the leaf bytes', async () => {
    const manual = (ls: Uint8Array[]) => concatBytes(...ls.flatMap((l) => [Uint8Array.of(l.length >> 8, l.length & 0xff), l]));
    const full = await bytesOf(await get(h, '/log/tile/entries/000'));
    expect(equalBytes(full, manual(leaves.slice(0, 256)))).toBe(true);
    expect(equalBytes(full, encodeEntryBundle(leaves.slice(0, 256)))).toBe(true);
    const partial = await bytesOf(await get(h, `/log/tile/entries/001.p/${SIZE - 256}`));
    expect(equalBytes(partial, manual(leaves.slice(256)))).toBe(true);
  });

  it('serves tiles as immutable with an ETag, and answers If-None-Match with 304', async () => {
    for (const path of ['tile/0/000', 'tile/entries/000', `tile/0/001.p/${SIZE - 256}`]) {
      const res = await get(h, `/log/${path}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      const etag = res.headers.get('etag');
      expect(etag).toBe(`"${path}"`);
      const again = await get(h, `/log/${path}`, { 'if-none-match': etag! });
      expect(again.status).toBe(304);
      expect((await bytesOf(again)).length).toBe(0);
    }
  });

  it('lists every signed checkpoint, each verifying over the recomputed root at its size', async () => {
    const cps = await listCheckpoints(h);
    expect(cps.length).toBeGreaterThan(1);
    expect(cps[cps.length - 1]!.size).toBe(SIZE);
    const key = await servedKey(h);
    let prevSize = -1;
    for (const c of cps) {
      expect(c.size).toBeGreaterThan(prevSize);
      prevSize = c.size;
      const cp = openCheckpoint(c.note, ORIGIN, key);
      expect(cp.size).toBe(c.size);
      expect(toBase64(cp.root)).toBe(c.root);
      expect(c.root).toBe(toBase64(rootFromLeafHashes(hashes.slice(0, c.size))));
      expect(c.signedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    }
    const one = (await (await get(h, `/log/checkpoints?start=${cps[1]!.size}&limit=1`)).text()).trim().split('\n');
    expect(one.length).toBe(1);
    expect(JSON.parse(one[0]!).size).toBe(cps[1]!.size);
    expect(await (await get(h, `/log/checkpoints?start=${SIZE + 1}`)).text()).toBe('');
    await expectProblem(await get(h, '/log/checkpoints?limit=1001'), 400, 'invalid_request');
    await expectProblem(await get(h, '/log/checkpoints?start=x'), 400, 'invalid_request');
  });

  it('refuses bad proof requests with a 4xx problem', async () => {
    await expectProblem(await get(h, `/log/proof/inclusion?index=${SIZE}&size=${SIZE}`), 400, 'proof_out_of_range');
    await expectProblem(await get(h, `/log/proof/inclusion?index=0&size=${SIZE + 1}`), 400, 'proof_out_of_range');
    await expectProblem(await get(h, '/log/proof/inclusion?index=0&size=0'), 400, 'proof_out_of_range');
    await expectProblem(await get(h, '/log/proof/inclusion?index=abc&size=3'), 400, 'invalid_request');
    await expectProblem(await get(h, '/log/proof/inclusion?index=1.5&size=3'), 400, 'invalid_request');
    await expectProblem(await get(h, '/log/proof/inclusion?index=01&size=3'), 400, 'invalid_request');
    await expectProblem(await get(h, '/log/proof/inclusion?size=3'), 400, 'invalid_request');
    await expectProblem(await get(h, '/log/proof/consistency?old=5&new=4'), 400, 'proof_out_of_range');
    await expectProblem(await get(h, `/log/proof/consistency?old=1&new=${SIZE + 1}`), 400, 'proof_out_of_range');
    await expectProblem(await get(h, '/log/proof/consistency?old=-1&new=4'), 400, 'invalid_request');
    await expectProblem(await get(h, '/log/proof/consistency?new=4'), 400, 'invalid_request');
    await expectProblem(await get(h, '/log/proof/consistency?old=99999999999999999&new=4'), 400, 'invalid_request');
  });

  it('refuses malformed tile paths and answers 404 for tiles that do not exist', async () => {
    for (const path of [
      'tile/0/1',
      'tile/0/0000',
      'tile/64/000',
      'tile/01/000',
      'tile/0/x000/001',
      'tile/0/000.p/256',
      'tile/0/000.p/0',
      'tile/0/000.p/abc',
      'tile/0/000.p',
      'tile/entries/abc',
      'tile/foo/000',
      'tile/0',
      'tile/0/000/extra',
    ]) {
      await expectProblem(await get(h, `/log/${path}`), 400, 'invalid_tile');
    }
    for (const path of ['tile/0/002', 'tile/entries/001', `tile/0/001.p/${SIZE - 255}`, 'tile/1/000', 'tile/2/000.p/1', 'tile/entries/x001/000']) {
      await expectProblem(await get(h, `/log/${path}`), 404, 'not_found');
    }
  });

  it('never answers a 5xx, whatever the query', async () => {
    const paths = [
      '/log/entries?start=1e3',
      '/log/entries?limit=',
      '/log/entries?start=9007199254740993',
      '/log/proof/inclusion?index=9007199254740991&size=9007199254740991',
      '/log/proof/consistency?old=0&new=0',
      '/log/proof/consistency?old=9007199254740991&new=9007199254740991',
      '/log/receipt/9007199254740991',
      '/log/receipt/-1',
      '/log/tile/63/x999/x999/x999/x999/x999/999',
      '/log/tile/entries/x009/x007/x199/x254/x740/991',
      '/log/tile/0/%30%30%30',
      '/log/checkpoints?start=9007199254740991&limit=1',
      '/log/nothing',
    ];
    for (const p of paths) {
      const res = await get(h, p);
      expect(res.status, p).toBeLessThan(500);
      if (res.status >= 400) {
        expect(res.headers.get('content-type'), p).toBe('application/problem+json');
        expect(typeof (await res.json()).code, p).toBe('string');
      }
    }
  });
});

describe('POST /v1/entries?wait=checkpoint', () => {
  let h: Harness;
  let farm: Actor;
  beforeAll(async () => {
    h = makeHarness();
    farm = await h.register('lixin-farm', 'producer');
  });
  afterAll(() => h.close());

  it('answers with a checkpoint and a receipt that verify for the entry', async () => {
    const res = await h.post(h.sign(farm, 'batch.create', batchBody('L-RECEIPT')), '?wait=checkpoint');
    expect(res.status).toBe(201);
    const body = await res.json();
    const leafRes = await get(h, `/log/entries?start=${body.seq}&limit=1`);
    const leaf = utf8(fromUtf8(await bytesOf(leafRes)).replace(/\n$/, ''));
    expect(body.hash).toBe(toBase64(sha256(leaf)));
    const key = await servedKey(h);
    const v = verifyReceipt(body.receipt, { leaf }, ORIGIN, key);
    expect(v.index).toBe(body.seq);
    expect(v.checkpoint.size).toBeGreaterThan(body.seq);
    expect(openCheckpoint(body.checkpoint, ORIGIN, key).size).toBe(v.checkpoint.size);
    expect(() => verifyReceipt(body.receipt, { leaf: utf8('{}') }, ORIGIN, key)).toThrow();
  });
});

describe('property: random append sequences keep every proof and checkpoint valid', () => {
  /** Checks, as sunlight's CheckLog does, everything the log has published so far. */
  async function checkLog(h: Harness): Promise<void> {
    const key = await servedKey(h);
    const leaves = await allLeaves(h);
    const hashes = leaves.map(hashLeaf);
    const { cp } = await latest(h);
    expect(cp.size).toBeLessThanOrEqual(leaves.length);
    expect(equalBytes(cp.root, rootFromLeafHashes(hashes.slice(0, cp.size)))).toBe(true);
    const cps = await listCheckpoints(h);
    expect(cps[cps.length - 1]!.size).toBe(cp.size);
    for (const c of cps) {
      const opened = openCheckpoint(c.note, ORIGIN, key);
      expect(equalBytes(opened.root, rootFromLeafHashes(hashes.slice(0, c.size)))).toBe(true);
      for (let i = 0; i < c.size; i++) {
        expect(verifyInclusion(i, c.size, hashes[i]!, await inclusion(h, i, c.size), opened.root)).toBe(true);
      }
    }
    for (let a = 0; a < cps.length; a++) {
      for (let b = a; b < cps.length; b++) {
        const older = parseCheckpointBody(parseNote(cps[a]!.note).text);
        const newer = parseCheckpointBody(parseNote(cps[b]!.note).text);
        const proof = await consistency(h, older.size, newer.size);
        expect(verifyConsistency(older.size, newer.size, older.root, newer.root, proof), `${older.size} -> ${newer.size}`).toBe(true);
      }
    }
  }

  it('holds for random sequences of concurrent appends', async () => {
    const step = fc.record({ kind: fc.constantFrom('register', 'batch'), count: fc.integer({ min: 1, max: 4 }), wait: fc.boolean() });
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 6 }), async (steps) => {
        const h = makeHarness();
        try {
          const farm = await h.register('farm', 'producer');
          let n = 0;
          for (const s of steps) {
            const subs = Array.from({ length: s.count }, () => {
              n++;
              return s.kind === 'register'
                ? h.sign(h.operator, 'actor.register', { id: `r${run}-${n}`, role: 'carrier', name: `r ${n}`, pub: toBase64(generateKeyPair().publicKey) })
                : h.sign(farm, 'batch.create', batchBody(`L${run}-${n}`));
            });
            const answers = await Promise.all(subs.map((sub) => h.post(sub, s.wait ? '?wait=checkpoint' : '')));
            for (const r of answers) expect(r.status).toBe(201);
            await settle(h);
            await checkLog(h);
          }
        } finally {
          run++;
          h.close();
        }
      }),
      { numRuns: 12 },
    );
  });
});
