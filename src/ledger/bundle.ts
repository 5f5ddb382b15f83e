// esbuild at run time: the service bundles the browser verifier (pages/assets.ts) and its check
// pool's worker script (check-pool.ts) when it starts, and the auditor its workers' JCS
// (cli/audit-pool.ts), so a checkout needs no build step.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

export type Esbuild = typeof import('esbuild');

/**
 * esbuild as tsx ships it: tsx is a runtime dependency (it runs the service) and depends on
 * esbuild, which npm may nest under tsx rather than hoist. The hoisted copy is the fallback.
 */
export async function loadEsbuild(): Promise<Esbuild> {
  try {
    const fromTsx = createRequire(import.meta.url).resolve('tsx/package.json');
    const path = createRequire(fromTsx).resolve('esbuild');
    return (await import(pathToFileURL(path).href)) as Esbuild;
  } catch {
    return await import('esbuild');
  }
}

/**
 * `entry` and everything it imports as one script for a Node 20 worker thread (`eval: true`),
 * so that the worker needs no TypeScript loader (about 50 MB and half a second per thread).
 */
export async function bundleForWorker(entry: string, options: { format: 'cjs' | 'iife'; globalName?: string; external?: string[] }): Promise<string> {
  const esbuild = await loadEsbuild();
  const out = await esbuild.build({ entryPoints: [entry], bundle: true, write: false, platform: 'node', target: 'node20', logLevel: 'silent', ...options });
  return out.outputFiles[0]!.text;
}
