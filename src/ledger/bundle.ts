// esbuild at run time: the service bundles the browser verifier (pages/assets.ts) and its check
// pool's worker script (check-pool.ts) when it starts, and the auditor its workers' JCS
// (cli/audit-pool.ts), so a checkout needs no build step.
import { createRequire } from 'node:module';

export type Esbuild = typeof import('esbuild');

/**
 * esbuild as tsx ships it: tsx is a runtime dependency (it runs the service) and depends on
 * esbuild, which npm may nest under tsx rather than hoist. The hoisted copy is the fallback.
 * Loaded with require (esbuild's entry is CommonJS), so that a build can start at once.
 */
export function loadEsbuild(): Esbuild {
  const require = createRequire(import.meta.url);
  try {
    return createRequire(require.resolve('tsx/package.json'))('esbuild') as Esbuild;
  } catch {
    return require('esbuild') as Esbuild;
  }
}

/**
 * `entry` and everything it imports as one script for a Node 20 worker thread (`eval: true`),
 * so that the worker needs no TypeScript loader (about 50 MB and half a second per thread).
 */
export async function bundleForWorker(entry: string, options: { format: 'cjs' | 'iife'; globalName?: string; external?: string[] }): Promise<string> {
  // The build starts before this returns: esbuild works in its own process while the caller's
  // thread goes on (the service opens its store and ledger meanwhile).
  const built = loadEsbuild().build({ entryPoints: [entry], bundle: true, write: false, platform: 'node', target: 'node20', logLevel: 'silent', ...options });
  return (await built).outputFiles[0]!.text;
}
