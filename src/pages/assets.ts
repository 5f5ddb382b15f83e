// The static files of the shopper's page: the browser verifier, bundled from
// verify.browser.ts with esbuild at start-up, and the page and label stylesheets. Each is
// served under a content-hashed name (`verify.<hash>.js`), so it can be cached for a year and
// a changed file is a new URL.
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadEsbuild } from '../ledger/bundle.ts';
import { labelsCss } from './labels.ts';
import { PAGE_CSS } from './styles.ts';

export interface Asset {
  /** The hashed file name, served at `/assets/<name>`. */
  name: string;
  contentType: string;
  body: Uint8Array;
}

export interface PageAssets {
  /** `/assets/verify.<hash>.js`, or undefined when the verifier could not be built. */
  scriptUrl: string | undefined;
  /** Why the verifier is missing, for the operator's log. */
  scriptError: string | undefined;
  pageCssUrl: string;
  labelsCssUrl: string;
  get(name: string): Asset | undefined;
}

export const ASSET_PREFIX = '/assets/';

const here = dirname(fileURLToPath(import.meta.url));
const ENTRY = join(here, 'verify.browser.ts');

function hashed(base: string, ext: string, contentType: string, body: Uint8Array): Asset {
  const h = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { name: `${base}.${h}.${ext}`, contentType, body };
}

/**
 * Bundles the browser verifier into one minified file of ES2020 for phone browsers since
 * Chrome 91 and Safari 15, from the same core modules the log runs. Throws when
 * esbuild is unavailable or the bundle would pull in anything that is not browser code.
 */
export async function buildVerifierScript(): Promise<Uint8Array> {
  const esbuild = loadEsbuild();
  const result = await esbuild.build({
    entryPoints: [ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020', 'chrome91', 'safari15'],
    minify: true,
    charset: 'utf8',
    // src/core/bytes.ts uses Node's Buffer where there is one; a browser has none, so that
    // branch is dropped from the bundle rather than shipped dead.
    define: { 'globalThis.Buffer': 'undefined' },
    legalComments: 'eof',
    logLevel: 'silent',
    plugins: [
      {
        name: 'lotproof-browser-only',
        setup(build) {
          build.onResolve({ filter: /^node:/ }, (args) => ({ errors: [{ text: `${args.path} is not available in a browser (imported by ${args.importer})` }] }));
        },
      },
    ],
  });
  const out = result.outputFiles[0];
  if (!out) throw new Error('esbuild produced no output');
  return out.contents;
}

async function buildAssets(): Promise<PageAssets> {
  const files = new Map<string, Asset>();
  const add = (a: Asset) => {
    files.set(a.name, a);
    return `${ASSET_PREFIX}${a.name}`;
  };
  const pageCssUrl = add(hashed('page', 'css', 'text/css; charset=utf-8', new TextEncoder().encode(PAGE_CSS)));
  const labelsCssUrl = add(hashed('labels', 'css', 'text/css; charset=utf-8', new TextEncoder().encode(labelsCss())));
  let scriptUrl: string | undefined;
  let scriptError: string | undefined;
  try {
    scriptUrl = add(hashed('verify', 'js', 'text/javascript; charset=utf-8', await buildVerifierScript()));
  } catch (e) {
    scriptError = `the browser verifier could not be built, so pages go without the in-browser check: ${(e as Error).message}`;
  }
  return { scriptUrl, scriptError, pageCssUrl, labelsCssUrl, get: (name) => files.get(name) };
}

// Policy: the assets are a pure function of this package's source, so one build serves every
// app in the process (tests create many); it is a cache, not shared state.
let built: Promise<PageAssets> | undefined;

/** The page assets, built once per process on first use (createApp starts the build). */
export function pageAssets(): Promise<PageAssets> {
  built ??= buildAssets();
  return built;
}
