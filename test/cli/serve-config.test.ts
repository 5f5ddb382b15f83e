// `lotproof serve` refuses a configuration it cannot run with in one line and exit 78 (EX_CONFIG)
// before it creates anything: no keys, no database, no log.init with an origin fixed by a typo.
import { spawn } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromEnv, ConfigError, startService } from '../../src/main.ts';
import { LOTPROOF } from './harness.ts';

const root = mkdtempSync(join(tmpdir(), 'lotproof-serve-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function serve(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [LOTPROOF, 'serve'], { env: { ...process.env, HOST: '127.0.0.1', PORT: '0', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += String(d)));
    child.stderr.on('data', (d) => (stderr += String(d)));
    // A configuration that works would serve: stop it, so the test reports that instead of hanging.
    const timer = setTimeout(() => child.kill('SIGTERM'), 15_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('lotproof serve with a configuration it cannot use', () => {
  it('refuses in one line, exit 78, and leaves the data directory untouched', async () => {
    const busy: Server = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const busyPort = String((busy.address() as { port: number }).port);
    const aFile = join(root, 'a-file');
    writeFileSync(aFile, 'not a directory');
    const cases: [string, Record<string, string>, RegExp][] = [
      ['host that does not resolve', { HOST: 'no.such.host.invalid' }, /cannot listen on no\.such\.host\.invalid/],
      ['port in use', { PORT: busyPort }, new RegExp(`cannot listen on 127\\.0\\.0\\.1 port ${busyPort}.*EADDRINUSE`)],
      ['unknown log level', { LOTPROOF_LOG_LEVEL: 'bogus' }, /LOTPROOF_LOG_LEVEL must be one of/],
      ['credentials in the public URL', { LOTPROOF_PUBLIC_URL: 'https://user:pw@lotproof.example' }, /must not contain a user name or password/],
      ['a query in the public URL', { LOTPROOF_PUBLIC_URL: 'https://lotproof.example/?a=1' }, /must not have a query or fragment/],
      ['a trusted proxy by name', { LOTPROOF_TRUSTED_PROXIES: 'proxy.internal' }, /LOTPROOF_TRUSTED_PROXIES must be at most 64 IP addresses \(no names, ranges, ports or zones\) or "loopback"/],
    ];
    try {
      for (const [what, env, message] of cases) {
        const data = join(root, what.replace(/\W+/g, '-'));
        const r = await serve({ LOTPROOF_DATA: data, ...env });
        expect(r.code, `${what}: ${r.stderr}${r.stdout}`).toBe(78);
        expect(r.stderr.trim().split('\n'), what).toHaveLength(1);
        expect(r.stderr, what).toMatch(message);
        expect(r.stderr, what).not.toMatch(/\n\s+at /);
        expect(existsSync(data) ? readdirSync(data) : [], what).toEqual([]);
      }
      const r = await serve({ LOTPROOF_DATA: aFile });
      expect(r.code, r.stderr).toBe(78);
      expect(r.stderr).toMatch(/LOTPROOF_DATA .*a-file exists and is not a directory/);
    } finally {
      busy.close();
    }
  });

  it('prefixes links with the public URL normalised: scheme, host and path only', () => {
    const c = (url: string) => configFromEnv({ LOTPROOF_DATA: root, LOTPROOF_PUBLIC_URL: url });
    expect(c('HTTPS://Lotproof.Example:443/trace/').publicUrl).toBe('https://lotproof.example/trace');
    expect(c('http://localhost:8080').publicUrl).toBe('http://localhost:8080');
    expect(c('https://lotproof.example').origin).toBe('lotproof.example/log');
    for (const bad of [' https://lotproof.example ', 'https://lotproof.example/#top', 'https://a@lotproof.example', 'ftp://lotproof.example']) {
      expect(() => c(bad), bad).toThrow(ConfigError);
    }
    expect(() => configFromEnv({ LOTPROOF_DATA: root, HOST: 'a b' })).toThrow(/HOST must be/);
  });
});

describe('lotproof serve logs', () => {
  /** Serves with `level`, makes two requests, stops; returns the JSON lines it wrote. */
  async function linesAt(level: string | undefined, more: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<{ msg?: string; route?: string; level?: number }[]> {
    const env: Record<string, string> = { ...(process.env as Record<string, string>), HOST: '127.0.0.1', PORT: '0', LOTPROOF_DATA: mkdtempSync(join(root, 'logs-')), ...more };
    if (level) env.LOTPROOF_LOG_LEVEL = level;
    else delete env.LOTPROOF_LOG_LEVEL;
    const child = spawn(process.execPath, [LOTPROOF, 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += String(d);
        const m = /on port (\d+);/.exec(stdout);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stdout}`)));
    });
    expect((await fetch(`http://127.0.0.1:${port}/log/checkpoint`, { headers })).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${port}/no/such/page`, { headers })).status).toBe(404);
    await new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
    });
    return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  }

  it('writes no line per request by default, and one per request at debug', async () => {
    const quiet = await linesAt(undefined);
    expect(quiet.some((l) => /serving log/.test(l.msg ?? ''))).toBe(true);
    expect(quiet.filter((l) => l.msg === 'request')).toEqual([]);
    const chatty = await linesAt('debug');
    expect(chatty.filter((l) => l.msg === 'request').map((l) => l.route)).toEqual(expect.arrayContaining(['/log/checkpoint']));
    expect(chatty.filter((l) => l.msg === 'request')).toHaveLength(2);
  });

  it('warns once when a proxy on this machine forwards clients it is not told to trust', async () => {
    const proxied = { 'x-forwarded-for': '203.0.113.7' };
    const warned = (lines: { msg?: string }[]) => lines.filter((l) => /LOTPROOF_TRUSTED_PROXIES/.test(l.msg ?? ''));
    expect(warned(await linesAt(undefined, {}, proxied))).toHaveLength(1);
    expect(warned(await linesAt(undefined, { LOTPROOF_TRUSTED_PROXIES: 'loopback' }, proxied))).toHaveLength(0);
    expect(warned(await linesAt(undefined))).toHaveLength(0);
  });
});

describe('a request too malformed to reach the app', () => {
  it('is answered as a problem document, like every other refusal', async () => {
    const service = await startService(configFromEnv({ LOTPROOF_DATA: join(root, 'malformed'), HOST: '127.0.0.1', PORT: '0' }), { listen: true, quiet: true });
    try {
      const port = (service.server!.address() as { port: number }).port;
      const raw = (request: string) =>
        new Promise<string>((resolve, reject) => {
          const sock = connect({ host: '127.0.0.1', port }, () => sock.end(request));
          let text = '';
          sock.on('data', (d) => (text += String(d)));
          sock.on('end', () => resolve(text));
          sock.on('error', reject);
        });
      for (const host of ['a b', '[::1']) {
        const answer = await raw(`GET /log/checkpoint HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
        expect(answer, host).toMatch(/^HTTP\/1\.1 400 /);
        expect(answer.toLowerCase(), host).toContain('content-type: application/problem+json');
        expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)), host).toMatchObject({ status: 400, code: 'invalid_request' });
      }
      // A well-formed request on the same server is answered by the app.
      const ok = await raw('GET /log/checkpoint HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      expect(ok).toMatch(/^HTTP\/1\.1 200 /);
    } finally {
      await service.close();
    }
  });
});
