/**
 * The media-job queue's rules, pure: which task a worker gets next, leases a worker renews while it
 * works, what a late or foreign answer may change (nothing), retries with backoff and the last attempt.
 * Central keeps the rows in its store and passes the clock in; a worker (a sub) only ever acts on the
 * lease it was given, named by task id and attempt number, so a task is accepted at most once.
 * Attempt numbers only grow (a person's retry included), so one number names one run; failures (a
 * refused output, a worker's report, a lease that ran out) are counted apart and give up at the last.
 */
import type { TaskKind } from './job-plan.js';

export type TaskState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface TaskRow {
  id: number;
  videoId: number;
  key: string;
  kind: TaskKind;
  rung: string | null;
  state: TaskState;
  /** Tries started so far, never reset; a lease names its attempt. */
  attempts: number;
  /** Failed tries since the task was planned or a person asked for it again. */
  failures: number;
  worker: string | null;
  leaseUntilMs: number | null;
  /** Not handed out again before this (backoff after a failure). */
  notBeforeMs: number;
  startedMs: number | null;
  finishedMs: number | null;
  /** Bytes of the accepted output. */
  size: number | null;
  /** The last failure, ffmpeg's last lines included. */
  error: string | null;
  deps: string[];
}

export const LEASE_RULES = {
  /** A lease lasts this long unless renewed (a worker renews it every third of that). */
  leaseMs: 20_000,
  /** Tries before a task (and its job) is marked failed. */
  maxAttempts: 4,
  /** Backoff after the n-th failure: base · 2^(n−1), at most max. */
  backoffBaseMs: 2000,
  backoffMaxMs: 60_000,
};
export type LeaseRules = typeof LEASE_RULES;

/**
 * Lower runs first: the probe, then the segments and audio (everything else waits for them), then the
 * assembles from the lightest rung up (the first rendition playable soonest), previews last.
 */
function priority(t: TaskRow, rungOrder: readonly string[]): number {
  if (t.kind === 'probe') return 0;
  if (t.kind === 'segment' || t.kind === 'audio') return 10;
  if (t.kind === 'poster' || t.kind === 'sprite') return 1000;
  const rung = t.rung ? rungOrder.indexOf(t.rung) : -1;
  return rung < 0 ? 500 : 100 + (rungOrder.length - 1 - rung);
}

/** Whether a task may be handed out at `nowMs` (queued, due, its inputs done). A lapsed lease is `lapsed` first. */
export function takeable(t: TaskRow, done: ReadonlySet<string>, nowMs: number): boolean {
  return t.state === 'queued' && t.notBeforeMs <= nowMs && t.deps.every((d) => done.has(d));
}

/** Whether `t` runs on a lease its worker stopped renewing. */
export function lapsedLease(t: TaskRow, nowMs: number): boolean {
  return t.state === 'running' && t.leaseUntilMs !== null && t.leaseUntilMs <= nowMs;
}

/**
 * A lease that ran out counts as a failed attempt (a task that kills its worker, or cannot be
 * delivered, must not go round forever): queued after a backoff, or failed at the last attempt.
 */
export function lapsed(t: TaskRow, nowMs: number, rules: LeaseRules = LEASE_RULES): TaskRow {
  return lapsedLease(t, nowMs) ? failed(t, nowMs, `${t.worker ?? 'its worker'} stopped renewing the lease of attempt ${t.attempts}`, rules) : t;
}

/**
 * The task a worker should run next among one job's tasks (or undefined). `rungOrder` lists the ladder
 * top-down; `may(t)` says whether this worker can run it (it holds the source replica, say).
 */
export function nextTask<T extends TaskRow>(tasks: readonly T[], nowMs: number, rungOrder: readonly string[], may: (t: T) => boolean = () => true): T | undefined {
  const done = new Set(tasks.filter((t) => t.state === 'done').map((t) => t.key));
  let best: T | undefined;
  for (const t of tasks) {
    if (!takeable(t, done, nowMs) || !may(t)) continue;
    if (!best || priority(t, rungOrder) < priority(best, rungOrder) || (priority(t, rungOrder) === priority(best, rungOrder) && t.id < best.id)) best = t;
  }
  return best;
}

/** Hand `t` to `worker` on a fresh lease (the next attempt). */
export function lease(t: TaskRow, worker: string, nowMs: number, rules: LeaseRules = LEASE_RULES): TaskRow {
  return { ...t, state: 'running', worker, attempts: t.attempts + 1, leaseUntilMs: nowMs + rules.leaseMs, startedMs: nowMs, finishedMs: null };
}

/**
 * Whether `worker`'s attempt `attempt` still holds `t`. A lease that ran out is still held until
 * central hands the task out again (`lapsed`), so a worker cut off by a central restart carries on.
 */
export function holds(t: TaskRow, worker: string, attempt: number): boolean {
  return t.state === 'running' && t.worker === worker && t.attempts === attempt;
}

/** Extend the lease of the worker that holds it; undefined when it does not (lost: stop working on it). */
export function renew(t: TaskRow, worker: string, attempt: number, nowMs: number, rules: LeaseRules = LEASE_RULES): TaskRow | undefined {
  return holds(t, worker, attempt) ? { ...t, leaseUntilMs: nowMs + rules.leaseMs } : undefined;
}

/** The holder's output passed its checks: the task is done, once and for all. */
export function accept(t: TaskRow, nowMs: number, size: number): TaskRow {
  return { ...t, state: 'done', leaseUntilMs: null, finishedMs: nowMs, size, error: null };
}

/** The holder failed (or its output was refused): try again after a backoff, or give up after the last attempt. */
export function failed(t: TaskRow, nowMs: number, error: string, rules: LeaseRules = LEASE_RULES): TaskRow {
  const failures = t.failures + 1;
  const last = failures >= rules.maxAttempts;
  const backoff = Math.min(rules.backoffMaxMs, rules.backoffBaseMs * 2 ** (failures - 1));
  return { ...t, failures, state: last ? 'failed' : 'queued', worker: last ? t.worker : null, leaseUntilMs: null, finishedMs: last ? nowMs : null, notBeforeMs: last ? t.notBeforeMs : nowMs + backoff, error };
}

/** A person asked for another try: queued at once, failures forgiven (attempt numbers go on). */
export function retried(t: TaskRow): TaskRow {
  return { ...t, state: 'queued', failures: 0, worker: null, leaseUntilMs: null, notBeforeMs: 0, finishedMs: null, error: null };
}

/** The job was cancelled: nothing more of it runs (a running lease is lost at its next renewal). */
export function cancelled(t: TaskRow, nowMs: number): TaskRow {
  return t.state === 'done' || t.state === 'failed' ? t : { ...t, state: 'cancelled', leaseUntilMs: null, finishedMs: nowMs };
}

/** What a person reads in the job list: `running` for a lease that ran out reads `queued (lease lost)`. */
export function shownState(t: TaskRow, done: ReadonlySet<string>, nowMs: number): string {
  if (lapsedLease(t, nowMs)) return 'queued';
  if (t.state === 'queued' && !t.deps.every((d) => done.has(d))) return 'waiting';
  return t.state;
}
