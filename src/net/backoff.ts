/** Bounded exponential backoff with jitter (pure, so the schedule is unit-tested). */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** 0..1: the fraction of each delay that is randomised, so many clients do not retry in lockstep. */
  jitter: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 250, maxMs: 5000, jitter: 0.2 };

/** Delay before retry number `attempt` (0-based); `random` is injectable for tests. */
export function backoffMs(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const exp = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  const spread = exp * policy.jitter;
  return Math.round(exp - random() * spread);
}
