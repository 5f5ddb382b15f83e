// The client side of lotproof's write API (SPEC §1 and §5): statements and document uploads are
// signed here, on the caller's machine, and only the signature and the public key are sent.
// Refusals come back as RFC 9457 problems and are raised as RemoteError with the problem's code.
import { randomBytes } from 'node:crypto';
import { toBase64, toHex } from '../core/bytes.ts';
import { sign, type KeyPair } from '../core/ed25519.ts';
import { sha256 } from '../core/hash.ts';
import { signStatement, type StatementType, type Submission } from '../core/statement.ts';
import { formatTime } from '../core/time.ts';
import { uploadMessage } from '../core/upload.ts';
import { hc } from 'hono/client';
import type { AppType } from '../http/app.ts';
import type { Command } from './command.ts';

/** A refusal by the service (its problem `code` and `detail`), or a failure to reach it. */
export class RemoteError extends Error {
  constructor(
    readonly code: string,
    readonly detail: string,
    /** The HTTP status, when the service answered at all. */
    readonly status?: number,
    /** Seconds the service asked us to wait before retrying (RFC 9110 Retry-After). */
    readonly retryAfter?: number,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'RemoteError';
  }
}

/** The service's answer to an accepted submission: at least the entry's `seq` and leaf `hash`. */
export interface Accepted {
  seq: number;
  hash: string;
  [field: string]: unknown;
}

export interface StoredDocument {
  sha256: string;
  mediaType: string;
  size: number;
}

export interface ClientOptions {
  /** The service's base URL, e.g. http://localhost:8080 (a path prefix is kept). */
  url: string;
  actor: string;
  key: KeyPair;
  /** Milliseconds since the epoch; statements and uploads are stamped with it. */
  now?: () => number;
  /** How often a submission refused with 429 or 503 is signed afresh and sent again. Default 5. */
  retries?: number;
  /** Per-request timeout. Default 60 s. */
  timeoutMs?: number;
}

export interface Client {
  readonly actor: string;
  /** Signs a statement of `type` over `body` now, with a fresh nonce. */
  sign(type: StatementType, body: Record<string, unknown>): Submission;
  /** Signs and submits; resolves with the accepted entry or throws RemoteError. */
  submit(type: StatementType, body: Record<string, unknown>): Promise<Accepted>;
  /** Uploads a document under its SHA-256 (PUT /v1/documents/<hex>), authorised by an upload signature. */
  putDocument(bytes: Uint8Array, mediaType: string): Promise<StoredDocument>;
  /** Uploads a private serial set (POST /v1/serial-sets); resolves with its commitment. */
  putSerialSet(set: { batch: string; salt: string; hashes: string[] }): Promise<{ root: string; count: number }>;
}

/** The statement envelope of SPEC §1, signed with `key`. The nonce is 16 bytes from the CSPRNG. */
export function signSubmission(actor: string, key: KeyPair, type: StatementType, body: Record<string, unknown>, nowMs: number): Submission {
  return signStatement(
    { v: 1, type, actor, pub: toBase64(key.publicKey), time: formatTime(nowMs), nonce: toBase64(randomBytes(16)), body },
    key,
  );
}

/** The Authorization header value that lets `actor` store the document named `sha256Hex`. */
export function uploadAuthorization(actor: string, key: KeyPair, sha256Hex: string, nowMs: number): string {
  const time = formatTime(nowMs);
  const sig = toBase64(sign(uploadMessage(actor, sha256Hex, time), key.secretKey));
  return `Lotproof-Ed25519 actor="${actor}", time="${time}", sig="${sig}"`;
}

/** Joins a base URL (which may carry a path prefix) and an absolute API path. */
export function endpoint(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`;
}

const MAX_RETRY_WAIT_S = 5;

export function createClient(opts: ClientOptions): Client {
  const now = opts.now ?? Date.now;
  const retries = opts.retries ?? 5;
  const timeoutMs = opts.timeoutMs ?? 60_000;

  // Every request goes through this fetch: the base URL's reachability and the timeout are
  // handled once, for the typed client and for plain requests alike.
  const timedFetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    try {
      return await fetch(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new RemoteError('unreachable', `cannot reach ${opts.url}: ${why}`);
    }
  };
  const api = hc<AppType>(opts.url.replace(/\/+$/, ''), { fetch: timedFetch });

  async function request(path: string, init: RequestInit): Promise<unknown> {
    return answer(endpoint(opts.url, path), await timedFetch(endpoint(opts.url, path), init));
  }

  /** The JSON object of a success, or the problem of a refusal raised as RemoteError. */
  async function answer(url: string, res: Response): Promise<unknown> {
    const text = await res.text();
    let json: unknown;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      json = undefined;
    }
    if (res.ok) {
      if (json === undefined || typeof json !== 'object' || json === null) {
        throw new RemoteError('bad_response', `${url} answered ${res.status} without a JSON object`, res.status);
      }
      return json;
    }
    const header = Number(res.headers.get('retry-after'));
    const retryAfter = Number.isFinite(header) && header >= 0 ? header : undefined;
    const p = (json ?? {}) as { code?: unknown; detail?: unknown; title?: unknown };
    if (typeof p.code === 'string') {
      const detail = typeof p.detail === 'string' ? p.detail : typeof p.title === 'string' ? p.title : `HTTP ${res.status}`;
      throw new RemoteError(p.code, detail, res.status, retryAfter);
    }
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
    throw new RemoteError(`http_${res.status}`, snippet || res.statusText || 'no problem details', res.status, retryAfter);
  }

  /**
   * Policy: only 429 and 503 are retried, because those problems promise that nothing was
   * written. Each retry is signed afresh (new time and nonce). A timeout or a dropped connection
   * is not retried: the statement may have been accepted, and a resubmission could log it twice.
   */
  async function withRetries<T>(attempt: () => Promise<T>): Promise<T> {
    for (let i = 0; ; i++) {
      try {
        return await attempt();
      } catch (e) {
        if (!(e instanceof RemoteError) || (e.status !== 429 && e.status !== 503) || i >= retries) throw e;
        const waitS = Math.min(e.retryAfter ?? 1, MAX_RETRY_WAIT_S);
        await new Promise((r) => setTimeout(r, waitS * 1000));
      }
    }
  }

  const client: Client = {
    actor: opts.actor,
    sign(type, body) {
      return signSubmission(opts.actor, opts.key, type, body, now());
    },
    submit(type, body) {
      return withRetries(async () => {
        const sub = client.sign(type, body);
        const res = await api.v1.entries.$post({ json: sub });
        const out = (await answer(res.url || endpoint(opts.url, '/v1/entries'), res)) as Record<string, unknown>;
        if (!Number.isSafeInteger(out.seq) || (out.seq as number) < 0 || typeof out.hash !== 'string') {
          throw new RemoteError('bad_response', 'the service accepted the statement but did not name its seq and hash');
        }
        return out as Accepted;
      });
    },
    putDocument(bytes, mediaType) {
      const hex = toHex(sha256(bytes));
      return withRetries(async () => {
        const out = (await request(`/v1/documents/${hex}`, {
          method: 'PUT',
          headers: { 'content-type': mediaType, authorization: uploadAuthorization(opts.actor, opts.key, hex, now()) },
          body: new Uint8Array(bytes),
        })) as Record<string, unknown>;
        return { sha256: hex, mediaType: String(out.mediaType ?? mediaType), size: Number(out.size ?? bytes.length) };
      });
    },
    putSerialSet(set) {
      const body = Buffer.from(JSON.stringify(set));
      const hex = toHex(sha256(body));
      return withRetries(async () => {
        const out = (await request('/v1/serial-sets', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: uploadAuthorization(opts.actor, opts.key, hex, now()) },
          body,
        })) as Record<string, unknown>;
        if (typeof out.root !== 'string') throw new RemoteError('bad_response', 'the service stored the serial set but did not name its root');
        return { root: out.root, count: Number(out.count) };
      });
    },
  };
  return client;
}

/** A text from the service as one terminal line: runs of control characters become a space. */
export function oneLine(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** Wraps a command so that the service's refusal (RemoteError) is one line on stderr and exit 1. */
export function reportingRefusals(name: string, c: Command): Command {
  return {
    ...c,
    async run(args) {
      try {
        return await c.run(args);
      } catch (e) {
        if (!(e instanceof RemoteError)) throw e;
        process.stderr.write(`lotproof ${name}: ${e.code}: ${oneLine(e.detail)}\n`);
        return 1;
      }
    },
  };
}
