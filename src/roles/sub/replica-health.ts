/**
 * When a sub retries a replica that failed (exponential backoff, one log line per failure episode plus a
 * rare reminder) and when it re-checks a good one on the read path (sampled). Pure: clock and dice injected.
 */
import { backoffMs, type BackoffPolicy } from '../../net/backoff.js';

export interface ReplicaHealthPolicy {
  /** Delay before retry n of a failing replica: 1 s, 2 s, 4 s … at most 5 min. */
  retry: BackoffPolicy;
  /** A failure episode this long gets one more log line, so a stuck replica is not silent for ever. */
  remindEveryMs: number;
  /** Share of reads that re-check a replica whose last check is older than `sampleAfterMs`. */
  sampleShare: number;
  sampleAfterMs: number;
  /** Background sha256 speed: a fraction of a core, so checking never starves streaming. */
  verifyBytesPerSec: number;
  /** Speed of a check a client is waiting for (it cannot play until then). */
  urgentVerifyBytesPerSec: number;
}

export const REPLICA_HEALTH: ReplicaHealthPolicy = {
  retry: { baseMs: 1000, maxMs: 300_000, jitter: 0.2 },
  remindEveryMs: 600_000,
  sampleShare: 0.05,
  sampleAfterMs: 600_000,
  verifyBytesPerSec: 128 * 1024 * 1024,
  urgentVerifyBytesPerSec: 512 * 1024 * 1024,
};

/** A replica in a failure episode. */
export interface Failing {
  failures: number;
  sinceMs: number;
  retryAtMs: number;
  loggedAtMs: number;
}

/** What to log for this failure: the episode's first line, a reminder, or nothing above debug. */
export type FailureLog = 'first' | 'reminder' | 'quiet';

/** Count one more failure and schedule the next try. */
export function recordFailure(prev: Failing | undefined, nowMs: number, policy: ReplicaHealthPolicy = REPLICA_HEALTH, random: () => number = Math.random): { state: Failing; log: FailureLog; delayMs: number } {
  const failures = (prev?.failures ?? 0) + 1;
  const delayMs = backoffMs(failures - 1, policy.retry, random);
  const log: FailureLog = !prev ? 'first' : nowMs - prev.loggedAtMs >= policy.remindEveryMs ? 'reminder' : 'quiet';
  const state = { failures, sinceMs: prev?.sinceMs ?? nowMs, retryAtMs: nowMs + delayMs, loggedAtMs: log === 'quiet' ? prev!.loggedAtMs : nowMs };
  return { state, log, delayMs };
}

/** Whether a replica may be tried now (never failed, or its backoff has passed). */
export function mayRetry(state: Failing | undefined, nowMs: number): boolean {
  return !state || nowMs >= state.retryAtMs;
}

/** Whether this read should queue a re-check of a replica last verified at `lastCheckedMs`. */
export function sampleDue(lastCheckedMs: number | undefined, nowMs: number, policy: ReplicaHealthPolicy = REPLICA_HEALTH, random: () => number = Math.random): boolean {
  if (lastCheckedMs !== undefined && nowMs - lastCheckedMs < policy.sampleAfterMs) return false;
  return random() < policy.sampleShare;
}
