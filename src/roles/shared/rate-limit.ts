/**
 * Slows down password guessing per user name, without locking anyone out: after `freeFailures`
 * failed logins for a name, each further attempt must wait an exponentially growing delay
 * (capped), counted from the last failure. Other names are unaffected. Pure: the clock is passed in.
 */

export interface LoginLimitPolicy {
  freeFailures: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Forget a name's failures after this long without one. */
  forgetAfterMs: number;
}

export const LOGIN_LIMIT: LoginLimitPolicy = { freeFailures: 3, baseDelayMs: 1000, maxDelayMs: 60_000, forgetAfterMs: 15 * 60_000 };

export interface FailureRecord {
  failures: number;
  lastFailureMs: number;
}

/** Milliseconds the name must still wait before a login attempt is considered (0 = go ahead). */
export function waitBeforeAttemptMs(rec: FailureRecord | undefined, nowMs: number, policy: LoginLimitPolicy = LOGIN_LIMIT): number {
  if (!rec || nowMs - rec.lastFailureMs > policy.forgetAfterMs) return 0;
  const over = rec.failures - policy.freeFailures;
  if (over < 0) return 0;
  const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(over, 20));
  return Math.max(0, rec.lastFailureMs + delay - nowMs);
}

/** The record after one more failure. */
export function recordFailure(rec: FailureRecord | undefined, nowMs: number, policy: LoginLimitPolicy = LOGIN_LIMIT): FailureRecord {
  const fresh = !rec || nowMs - rec.lastFailureMs > policy.forgetAfterMs;
  return { failures: fresh ? 1 : rec.failures + 1, lastFailureMs: nowMs };
}
