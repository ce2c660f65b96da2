/**
 * How long a session lives and how many a user may hold. Pure: the clock is passed in. Expiry slides:
 * each use moves it forward, written at most once per `touchEveryMs` so reads stay cheap.
 */

export interface SessionPolicy {
  /** A session unused this long has expired. */
  idleExpiryMs: number;
  /** Most sessions one user holds; logging in once more ends the least recently used. */
  maxPerUser: number;
  /** Record a use at most this often. */
  touchEveryMs: number;
}

const DAY_MS = 24 * 60 * 60_000;

export const SESSION_POLICY: SessionPolicy = { idleExpiryMs: 30 * DAY_MS, maxPerUser: 10, touchEveryMs: 60_000 };

/** One session as the rules see it. */
export interface SessionFacts {
  id: string;
  lastUsedMs: number;
}

/** Whether a session last used at `lastUsedMs` has expired at `nowMs`. */
export function isExpired(lastUsedMs: number, nowMs: number, policy: SessionPolicy = SESSION_POLICY): boolean {
  return nowMs - lastUsedMs >= policy.idleExpiryMs;
}

/** Whether a use at `nowMs` should be written (the last write is older than touchEveryMs). */
export function shouldTouch(lastUsedMs: number, nowMs: number, policy: SessionPolicy = SESSION_POLICY): boolean {
  return nowMs - lastUsedMs >= policy.touchEveryMs;
}

/**
 * The sessions to end so that one more fits under the cap: expired ones, then the least recently used
 * (ties broken by id so the choice is stable).
 */
export function toEvictBeforeAdding(sessions: readonly SessionFacts[], nowMs: number, policy: SessionPolicy = SESSION_POLICY): string[] {
  const expired = sessions.filter((s) => isExpired(s.lastUsedMs, nowMs, policy));
  const live = sessions.filter((s) => !isExpired(s.lastUsedMs, nowMs, policy)).sort((a, b) => a.lastUsedMs - b.lastUsedMs || a.id.localeCompare(b.id));
  const excess = Math.max(0, live.length + 1 - policy.maxPerUser);
  return [...expired.map((s) => s.id), ...live.slice(0, excess).map((s) => s.id)];
}

/** Parse a lifetime such as `30d`, `12h`, `90m` or `30s` into milliseconds (undefined when malformed). */
export function parseLifetime(text: string): number | undefined {
  const m = /^(\d{1,6})([dhms])$/.exec(text.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  if (n === 0) return undefined;
  return n * { d: DAY_MS, h: 60 * 60_000, m: 60_000, s: 1000 }[m[2] as 'd' | 'h' | 'm' | 's'];
}

/** The policy for a lifetime: uses are recorded, and expired sessions swept, often enough for it. */
export function policyFor(idleExpiryMs: number, base: SessionPolicy = SESSION_POLICY): SessionPolicy {
  return { ...base, idleExpiryMs, touchEveryMs: Math.min(base.touchEveryMs, Math.max(100, Math.floor(idleExpiryMs / 10))) };
}

/** How often central sweeps expired sessions: a minute, or a quarter of a short lifetime. */
export function sweepEveryMs(policy: SessionPolicy): number {
  return Math.min(60_000, Math.max(250, Math.floor(policy.idleExpiryMs / 4)));
}
