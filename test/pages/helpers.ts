// Shared by the page tests: the real QR decoder (zbarimg, Debian zbar-tools), headless
// Chromium through playwright-core, and a listening service seeded with the demo supply chain.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { readKeyFile } from '../../src/cli/keyfile.ts';
import { systemClock } from '../../src/ledger/clock.ts';
import { configFromEnv, startService, type Service } from '../../src/main.ts';
import { seedDemo, type DemoInfo } from '../../scripts/demo-seed.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
export const hasZbar = spawnSync('zbarimg', ['--version'], { stdio: 'ignore' }).status === 0;

if (!hasChromium) console.warn(`SKIPPED: browser tests need Chromium at ${CHROMIUM} (apt-get install -y chromium); CI installs it.`);
if (!hasZbar) console.warn('SKIPPED: QR decoding tests need zbarimg (apt-get install -y zbar-tools); CI installs it.');

// Without the background-networking flags Chromium keeps calling home, which a closed network
// answers with a flood of failures.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/** The text zbarimg reads from a PNG; throws when it finds no symbol. */
export function decodeQr(png: Uint8Array): string {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-qr-'));
  try {
    const file = join(dir, 'code.png');
    writeFileSync(file, png);
    const r = spawnSync('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', file], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`zbarimg found no QR code (exit ${r.status}): ${r.stderr}`);
    return r.stdout.replace(/\n$/, '');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export interface DemoService {
  service: Service;
  /** The service's base URL, which is also its LOTPROOF_PUBLIC_URL. */
  url: string;
  info: DemoInfo;
  close(): Promise<void>;
}

/** A service listening on a free local port, its public URL set to that address, seeded with the demo. */
export async function startDemoService(): Promise<DemoService> {
  const dir = mkdtempSync(join(tmpdir(), 'lotproof-page-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const config = configFromEnv({ PORT: String(port), LOTPROOF_DATA: dir, LOTPROOF_PUBLIC_URL: url, LOTPROOF_CHECKPOINT_INTERVAL_MS: '50' });
  const service = await startService(config, { listen: true, quiet: true });
  const info = await seedDemo(service.ledger, systemClock, readKeyFile(config.operatorKeyFile));
  return {
    service,
    url,
    info,
    async close() {
      await service.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
