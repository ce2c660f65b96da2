/**
 * Token buckets for rate limits (registrations per address, logins per address, rooms and invitations
 * per user). Pure: a bucket is a value, the clock is passed in, and `take` returns the next bucket.
 * A policy's `scale` multiplies every allowance, so benchmarks that run everything from 127.0.0.1 can
 * raise them without changing what a household behind one address is allowed by default.
 */

/** How many actions fit in a burst, and how fast the allowance comes back. */
export interface QuotaPolicy {
  /** Actions allowed at once, from a full bucket. */
  burst: number;
  /** One action comes back every this many milliseconds. */
  refillMs: number;
}

/** A bucket: `tokens` left at `atMs`. */
export interface Bucket {
  tokens: number;
  atMs: number;
}

/** Default allowances; generous for friends behind one NAT, tight for a script. */
export const QUOTAS = {
  /** New accounts per source address: 20 at once (a party behind one router), then one every 3 minutes. */
  register: { burst: 20, refillMs: 3 * 60_000 },
  /** Login attempts per source address: 30 at once, then one every 2 s. */
  login: { burst: 30, refillMs: 2000 },
  /** Rooms a user creates: 20 at once, then one every 6 s. */
  roomCreate: { burst: 20, refillMs: 6000 },
  /** Invitations a user sends (each invited member counts): 200 at once, then one every 10 s. */
  invite: { burst: 200, refillMs: 10_000 },
  /** Tries at the cluster secret a user makes (deleting as an operator): 5 at once, then one a minute. */
  operatorSecret: { burst: 5, refillMs: 60_000 },
  /** Chat lines a user writes: 10 at once, then one a second (a lively room, not a flood). */
  chat: { burst: 10, refillMs: 1000 },
  /** Direct messages a user sends: 20 at once, then one every 2 s. */
  dm: { burst: 20, refillMs: 2000 },
} as const satisfies Record<string, QuotaPolicy>;

export type QuotaName = keyof typeof QUOTAS;

/** The policy multiplied by `scale` (≥ 1 raises the limit; bursts grow and refills come faster). */
export function scaled(policy: QuotaPolicy, scale: number): QuotaPolicy {
  if (!(scale > 0) || !Number.isFinite(scale)) return policy;
  return { burst: Math.max(1, Math.round(policy.burst * scale)), refillMs: policy.refillMs / scale };
}

/** The bucket's tokens at `nowMs` (a missing bucket is full). */
export function level(bucket: Bucket | undefined, nowMs: number, policy: QuotaPolicy): number {
  if (!bucket) return policy.burst;
  const refilled = bucket.tokens + Math.max(0, nowMs - bucket.atMs) / policy.refillMs;
  return Math.min(policy.burst, refilled);
}

/**
 * Try to spend `cost` tokens. On success the new bucket; otherwise the bucket unchanged and how long
 * until `cost` tokens are there (a cost above the burst can never succeed: retryAfterMs is Infinity).
 */
export function take(bucket: Bucket | undefined, nowMs: number, policy: QuotaPolicy, cost = 1): { ok: true; bucket: Bucket } | { ok: false; retryAfterMs: number } {
  const tokens = level(bucket, nowMs, policy);
  if (tokens >= cost) return { ok: true, bucket: { tokens: tokens - cost, atMs: nowMs } };
  if (cost > policy.burst) return { ok: false, retryAfterMs: Infinity };
  return { ok: false, retryAfterMs: Math.ceil((cost - tokens) * policy.refillMs) };
}

/** Whether a bucket is full again at `nowMs` (and so can be forgotten). */
export function isFull(bucket: Bucket, nowMs: number, policy: QuotaPolicy): boolean {
  return level(bucket, nowMs, policy) >= policy.burst;
}

/**
 * The buckets of every key, bounded: full buckets are forgotten first, then the oldest, so a flood of
 * new addresses cannot grow it past `maxKeys`. The clock is passed to each call.
 */
export class QuotaBook {
  private readonly buckets = new Map<string, Bucket>();
  private readonly policies: Record<QuotaName, QuotaPolicy>;

  constructor(
    scale = 1,
    private readonly maxKeys = 10_000,
  ) {
    this.policies = Object.fromEntries(Object.entries(QUOTAS).map(([k, p]) => [k, scaled(p, scale)])) as Record<QuotaName, QuotaPolicy>;
  }

  /** Spend `cost` of `name` for `key`; 0 when allowed, else the milliseconds to wait. */
  take(name: QuotaName, key: string, nowMs: number, cost = 1): number {
    const id = `${name}\u0000${key}`;
    const policy = this.policies[name];
    const r = take(this.buckets.get(id), nowMs, policy, cost);
    if (!r.ok) return r.retryAfterMs;
    this.buckets.delete(id);
    this.buckets.set(id, r.bucket);
    if (this.buckets.size > this.maxKeys) this.prune(nowMs);
    return 0;
  }

  get size(): number {
    return this.buckets.size;
  }

  private prune(nowMs: number): void {
    for (const [id, b] of this.buckets) {
      const name = id.slice(0, id.indexOf('\u0000')) as QuotaName;
      if (isFull(b, nowMs, this.policies[name])) this.buckets.delete(id);
    }
    // Still too many: forget the least recently used (Map order is insertion order, refreshed on take).
    for (const id of this.buckets.keys()) {
      if (this.buckets.size <= this.maxKeys) break;
      this.buckets.delete(id);
    }
  }
}
