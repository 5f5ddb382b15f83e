// Abuse limits: token buckets per client for reads and writes, and per actor for writes.
// Policy: a client is identified by its address, kept only inside this process's memory as a
// keyed hash (random key per process), never logged or stored; idle buckets are dropped.
// Clients on the service's own machine (loopback) are not limited: that is the operator, its
// monitoring, or a reverse proxy in front, behind which every shopper would share one address
// and so one bucket. Behind a proxy named in LOTPROOF_TRUSTED_PROXIES the client is the address
// the proxy forwards (client-address.ts), and is limited as any other; a request through it that
// names no client is the proxy's own, one client, also limited.
import { createHmac, randomBytes } from 'node:crypto';
import { LedgerError } from '../core/errors.ts';

export interface RateLimit {
  /** Sustained requests per second; 0 disables the limit. */
  perSecond: number;
  /** Largest burst above the sustained rate. */
  burst: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class RateLimiter {
  readonly #limit: RateLimit;
  readonly #buckets = new Map<string, Bucket>();
  readonly #key = randomBytes(32);
  readonly #maxKeys: number;

  constructor(limit: RateLimit, maxKeys = 100_000) {
    this.#limit = limit;
    this.#maxKeys = maxKeys;
  }

  /** Number of clients remembered. */
  get size(): number {
    return this.#buckets.size;
  }

  /** Takes one token for `who`, or throws `rate_limited` with the seconds until one is free. */
  take(who: string, nowMs: number): void {
    const { perSecond, burst } = this.#limit;
    if (perSecond <= 0) return;
    const id = createHmac('sha256', this.#key).update(who).digest('base64');
    let b = this.#buckets.get(id);
    if (!b) {
      if (this.#buckets.size >= this.#maxKeys) this.#sweep(nowMs);
      b = { tokens: burst, at: nowMs };
      this.#buckets.set(id, b);
    }
    b.tokens = Math.min(burst, b.tokens + ((nowMs - b.at) / 1000) * perSecond);
    b.at = nowMs;
    if (b.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
      throw new LedgerError('rate_limited', `too many requests; retry in ${retryAfter} s`, { retryAfter });
    }
    b.tokens -= 1;
  }

  /** Drops buckets that have refilled completely; if none, the oldest half. */
  #sweep(nowMs: number): void {
    const { perSecond, burst } = this.#limit;
    for (const [k, b] of this.#buckets) {
      if (b.tokens + ((nowMs - b.at) / 1000) * perSecond >= burst) this.#buckets.delete(k);
    }
    if (this.#buckets.size >= this.#maxKeys) {
      let n = this.#buckets.size / 2;
      for (const k of this.#buckets.keys()) {
        if (n-- <= 0) break;
        this.#buckets.delete(k);
      }
    }
  }
}

export interface Limits {
  read: RateLimit;
  write: RateLimit;
  actorWrite: RateLimit;
}

/**
 * Policy: the service's defaults, generous for many shoppers behind one carrier-grade NAT,
 * strict enough to stop a scraper or a flood from one address. A registered actor's signed
 * writes are not limited by default: the actor is known and accountable (its registration can
 * be revoked), a producer's bulk upload should go as fast as the log can take it, and the
 * sequencer's back-pressure (503 with Retry-After) already bounds what is queued. An operator
 * sharing one log between many tenants sets LOTPROOF_RATE_ACTOR_WRITE for fairness.
 */
export const DEFAULT_LIMITS: Limits = {
  read: { perSecond: 200, burst: 400 },
  write: { perSecond: 500, burst: 1000 },
  actorWrite: { perSecond: 0, burst: 0 },
};

export const NO_LIMITS: Limits = {
  read: { perSecond: 0, burst: 0 },
  write: { perSecond: 0, burst: 0 },
  actorWrite: { perSecond: 0, burst: 0 },
};

/**
 * Whether `address` is this machine's loopback, 127.0.0.0/8 or ::1, as a socket reports it or
 * as client-address.ts canonicalAddress spells it (both write ::1 compressed). On every
 * request, so a string test rather than a parse.
 */
export function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

/** Parses `RATE[/BURST]` (requests per second; 0 turns the limit off). */
export function parseRateLimit(s: string): RateLimit | undefined {
  const m = /^(\d{1,7})(?:\/(\d{1,7}))?$/.exec(s);
  if (!m) return undefined;
  const perSecond = Number(m[1]);
  const burst = m[2] !== undefined ? Number(m[2]) : perSecond * 2;
  if (perSecond > 0 && burst < 1) return undefined;
  return { perSecond, burst };
}
