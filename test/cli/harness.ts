// The command line's test bench: a real lotproof service on a temp data directory and a free
// port, runCli called in-process with its stdout and stderr captured, and key files on disk.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { vi } from 'vitest';
import { toBase64 } from '../../src/core/bytes.ts';
import { generateKeyPair, type KeyPair } from '../../src/core/ed25519.ts';
import { runCli } from '../../src/cli/cli.ts';
import { writeKeyFile } from '../../src/cli/keyfile.ts';
import { configFromEnv, startService, type Service } from '../../src/main.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const LOTPROOF = join(REPO, 'scripts/lotproof.mjs');

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliBench {
  dir: string;
  url: string;
  service: Service;
  operatorKeyFile: string;
  /** runCli with LOTPROOF_URL pointing at the service and the operator key as the default. */
  run(args: string[]): Promise<Ran>;
  /** Writes a key file (mode 0600) in the temp directory. */
  keyFile(name: string): { path: string; key: KeyPair; pub: string };
  /** Registers an actor through `lotproof actor register`; returns its key file. */
  register(id: string, role: string): Promise<{ id: string; path: string; key: KeyPair; pub: string }>;
  size(): number;
  close(): Promise<void>;
}

export async function startBench(): Promise<CliBench> {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-cli-'));
  const config = configFromEnv({ PORT: '0', LOTPROOF_DATA: join(dir, 'data'), LOTPROOF_CHECKPOINT_INTERVAL_MS: '50' });
  const service = await startService(config, { listen: true, quiet: true });
  const addr = service.server!.address();
  if (typeof addr !== 'object' || !addr) throw new Error('the service has no port');
  const url = `http://127.0.0.1:${addr.port}`;
  const bench: CliBench = {
    dir,
    url,
    service,
    operatorKeyFile: config.operatorKeyFile,
    async run(args) {
      let stdout = '';
      let stderr = '';
      const env = { url: process.env.LOTPROOF_URL, op: process.env.LOTPROOF_OPERATOR_KEY_FILE };
      process.env.LOTPROOF_URL = url;
      process.env.LOTPROOF_OPERATOR_KEY_FILE = config.operatorKeyFile;
      const out = vi.spyOn(process.stdout, 'write').mockImplementation(((s: string | Uint8Array) => {
        stdout += String(s);
        return true;
      }) as typeof process.stdout.write);
      const err = vi.spyOn(process.stderr, 'write').mockImplementation(((s: string | Uint8Array) => {
        stderr += String(s);
        return true;
      }) as typeof process.stderr.write);
      try {
        const code = await runCli(args);
        return { code, stdout, stderr };
      } finally {
        out.mockRestore();
        err.mockRestore();
        restoreEnv('LOTPROOF_URL', env.url);
        restoreEnv('LOTPROOF_OPERATOR_KEY_FILE', env.op);
      }
    },
    keyFile(name) {
      const key = generateKeyPair();
      const path = join(dir, name);
      writeKeyFile(path, key);
      return { path, key, pub: toBase64(key.publicKey) };
    },
    async register(id, role) {
      const k = bench.keyFile(`${id}.key`);
      const acc = role === 'lab' || role === 'certifier' ? ['--accreditation-body', 'CNAS', '--accreditation-number', `L-${id}`] : [];
      const r = await bench.run(['actor', 'register', '--id', id, '--role', role, '--name', `${id} name`, '--pub', k.pub, ...acc]);
      if (r.code !== 0) throw new Error(`registering ${id} failed: ${r.stderr}`);
      return { id, ...k };
    },
    size() {
      return service.ledger.size();
    },
    async close() {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return bench;
}

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

/** Runs a command as its own process, without blocking this one's event loop (the service lives here). */
export function spawnRun(file: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Ran> {
  return new Promise((resolveRun) => {
    const child = execFile(file, args, { cwd: opts.cwd, env: opts.env ?? process.env, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolveRun({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** GETs a batch's JSON view. */
export async function batchView(url: string, name: string): Promise<any> {
  const res = await fetch(`${url}/${name}`, { headers: { accept: 'application/json' } });
  if (res.status !== 200) throw new Error(`GET ${name}: ${res.status} ${await res.text()}`);
  return res.json();
}
