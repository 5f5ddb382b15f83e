// Interoperability with Go's reference implementations: test/interop/gocheck verifies a live
// lotproof service with golang.org/x/mod/sumdb/note (C2SP signed notes and verifier keys) and
// golang.org/x/mod/sumdb/tlog (RFC 6962 hashes, inclusion and consistency proofs, hash tiles).
// It needs `go` and Debian's golang-golang-x-mod-dev, which .ci/run installs; without them the
// test is skipped with a message saying so.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toBase64 } from '../../src/core/bytes.ts';
import { generateKeyPair } from '../../src/core/ed25519.ts';
import { signStatement } from '../../src/core/statement.ts';
import { readKeyFile } from '../../src/cli/keyfile.ts';
import { configFromEnv, startService, type Service } from '../../src/main.ts';

const GOPATH_DEBIAN = '/usr/share/gocode';
const GOCHECK = resolve(import.meta.dirname, 'gocheck');

function goAvailable(): string | undefined {
  const v = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (v.error || v.status !== 0) return 'the go command is not installed (apt-get install golang-go)';
  if (!existsSync(join(GOPATH_DEBIAN, 'src/golang.org/x/mod/sumdb/note'))) {
    return `golang.org/x/mod is not under ${GOPATH_DEBIAN} (apt-get install golang-golang-x-mod-dev)`;
  }
  return undefined;
}

const missing = goAvailable();
if (missing) console.warn(`test/interop/go.test.ts skipped: ${missing}`);

describe.skipIf(missing !== undefined)('Go x/mod sumdb/note and sumdb/tlog verify a live log', () => {
  let dir: string;
  let service: Service;
  let url: string;
  const SIZE = 300;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lotproof-go-'));
    const config = configFromEnv({
      PORT: '0',
      LOTPROOF_DATA: join(dir, 'data'),
      LOTPROOF_ORIGIN: 'interop.lotproof.test/log',
      LOTPROOF_CHECKPOINT_INTERVAL_MS: '10',
      LOTPROOF_RATE_READ: '0',
      LOTPROOF_RATE_WRITE: '0',
      LOTPROOF_RATE_ACTOR_WRITE: '0',
    });
    service = await startService(config, { listen: true, quiet: true });
    const addr = service.server!.address();
    if (typeof addr !== 'object' || !addr) throw new Error('no port');
    url = `http://127.0.0.1:${addr.port}`;
    // 299 registrations after log.init: one full tile of 256 leaves and a partial one.
    const op = readKeyFile(config.operatorKeyFile);
    const subs = Array.from({ length: SIZE - 1 }, (_, i) =>
      signStatement(
        {
          v: 1,
          type: 'actor.register',
          actor: 'operator',
          pub: toBase64(op.publicKey),
          time: new Date().toISOString(),
          nonce: toBase64(randomBytes(16)),
          body: { id: `shop-${i}`, role: 'retailer', name: `Shop ${i}`, pub: toBase64(generateKeyPair().publicKey) },
        },
        op,
      ),
    );
    const answers = await Promise.all(
      subs.map((s) => fetch(`${url}/v1/entries`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(s) })),
    );
    for (const r of answers) expect(r.status).toBe(201);
    await service.ledger.waitForCheckpoint(SIZE - 1);
  }, 60_000);

  afterAll(async () => {
    await service?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the checkpoint, root, proofs, receipts and tiles byte for byte', async () => {
    const cache = join(tmpdir(), 'lotproof-go-build-cache');
    mkdirSync(cache, { recursive: true });
    const env = {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: GOPATH_DEBIAN,
      GOFLAGS: '',
      GOCACHE: process.env.GOCACHE || cache,
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
    };
    // Asynchronous: the service answering the program lives in this process's event loop.
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      execFile('go', ['run', 'main.go', '-url', url], { cwd: GOCHECK, env, timeout: 170_000 }, (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout: String(stdout), stderr: String(stderr) });
      });
    });
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^ok interop\.lotproof\.test\/log: checkpoint of size 300 verified/);
    expect(run.stdout).toContain('300 inclusion proofs');
    expect(run.stdout).toContain('3 receipts');
    // NewTiles(8, 0, 300): tile 0/000, partial tiles 0/001.p/1..44 and 1/000.p/1.
    expect(run.stdout).toContain('46 hash tiles and 45 entry bundles');
  }, 180_000);
});
