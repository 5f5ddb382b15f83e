// `npm run demo`: a throwaway lotproof service over a fresh temporary data directory, seeded
// with the rice supply chain of demo-seed.ts, serving until Ctrl-C. Prints the verification
// pages, QR codes and label sheets to open; PORT and LOTPROOF_PUBLIC_URL work as for `serve`
// (set LOTPROOF_PUBLIC_URL to an address a phone can reach to scan the codes).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKeyFile } from '../src/cli/keyfile.ts';
import { systemClock } from '../src/ledger/clock.ts';
import { configFromEnv, startService } from '../src/main.ts';
import { seedDemo } from './demo-seed.ts';

async function demo(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), 'lotproof-demo-'));
  const config = configFromEnv({ ...process.env, LOTPROOF_DATA: dataDir });
  const service = await startService(config, { listen: true, quiet: true });
  try {
    const info = await seedDemo(service.ledger, systemClock, readKeyFile(config.operatorKeyFile));
    const base = config.publicUrl;
    const lines = [
      '',
      `lotproof demo: ${info.size} ledger entries in ${dataDir}`,
      `  log ${config.origin}, key ${service.ledger.logVerifierKey}`,
      '',
    ];
    for (const b of info.batches) {
      lines.push(`${b.recalled ? '⚠ RECALLED ' : ''}${b.title}`);
      lines.push(`  page    ${base}${b.path}`);
      lines.push(`          ${base}${b.path}?lang=en`);
      lines.push(`  QR      ${base}/qr${b.path}.svg   ${base}/qr${b.path}.png?size=512`);
      lines.push(`  labels  ${base}/labels${b.path}?format=a4-24`);
      lines.push('');
    }
    lines.push(`  linkset ${base}${info.batches[0]!.path}?linkType=linkset`);
    lines.push(`  audit   npx lotproof audit --url ${base} --key '${service.ledger.logVerifierKey}'`);
    lines.push('', 'Serving until Ctrl-C.');
    console.log(lines.join('\n'));
  } catch (e) {
    await service.close();
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  await new Promise<void>((done) => {
    process.once('SIGINT', () => done());
    process.once('SIGTERM', () => done());
  });
  await service.close();
  rmSync(dataDir, { recursive: true, force: true });
  return 0;
}

demo().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`lotproof demo: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
