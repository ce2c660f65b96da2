/**
 * Background sha256 checks of a sub's replicas, one at a time and throttled: every replica found on disk
 * at start is checked before it is served, and reads re-check good ones now and then (sampled). Replicas
 * a client is waiting for jump the queue. The verdict goes back to the Replicator, which owns the files.
 */
import type { Logger } from '../../core/log.js';
import type { ReplicaItem } from './replica-kinds.js';
import { hashFileThrottled } from '../files.js';
import { REPLICA_HEALTH, sampleDue, type ReplicaHealthPolicy } from './replica-health.js';

export interface CheckDeps {
  path(id: number): string;
  /** The catalogue entry to check against (undefined: unknown video, so it cannot be checked yet). */
  expected(id: number): Pick<ReplicaItem, 'name' | 'size' | 'sha256'> | undefined;
  passed(id: number): void;
  failed(id: number, why: string): void;
  log: Logger;
}

export class ReplicaChecker {
  private readonly queue: number[] = [];
  /** Checks a client is waiting for: they run first and faster. */
  private readonly urgent = new Set<number>();
  private current: { id: number; done: number; size: number } | undefined;
  private readonly lastCheckedMs = new Map<number, number>();
  private abort = new AbortController();
  private running = false;

  constructor(
    private readonly deps: CheckDeps,
    private readonly policy: ReplicaHealthPolicy = REPLICA_HEALTH,
  ) {}

  /** Queue a check of `id`; `urgent` puts it first (a client is waiting for it). */
  enqueue(id: number, urgent = false): void {
    if (urgent) this.urgent.add(id);
    if (this.current?.id === id) return;
    const at = this.queue.indexOf(id);
    if (at >= 0) {
      if (!urgent || at === 0) return;
      this.queue.splice(at, 1);
    }
    if (urgent) this.queue.unshift(id);
    else this.queue.push(id);
    void this.run();
  }

  /** Percent hashed of `id` when it is being checked, 0 when queued, undefined when not queued. */
  progress(id: number): number | undefined {
    if (this.current?.id === id) return this.current.size > 0 ? Math.floor((this.current.done / this.current.size) * 100) : 0;
    return this.queue.includes(id) ? 0 : undefined;
  }

  /** A good replica was just verified by other means (a fresh download). */
  markChecked(id: number, nowMs: number): void {
    this.lastCheckedMs.set(id, nowMs);
  }

  /** A read of a served replica: now and then it queues a re-check (the sampled read path). */
  served(id: number, nowMs: number): void {
    if (sampleDue(this.lastCheckedMs.get(id), nowMs, this.policy)) {
      this.lastCheckedMs.set(id, nowMs); // one sample per period, however many reads race in
      this.deps.log.debug(`sampled read of #${id}: re-checking its sha256 in the background`);
      this.enqueue(id);
    }
  }

  /** Forget one replica (its video was deleted), cancelling its check if one is running. */
  forget(id: number): void {
    const at = this.queue.indexOf(id);
    if (at >= 0) this.queue.splice(at, 1);
    this.urgent.delete(id);
    this.lastCheckedMs.delete(id);
    if (this.current?.id === id) {
      this.abort.abort();
      this.abort = new AbortController();
    }
  }

  /** Forget everything (the replicas were wiped), cancelling a check in progress. */
  reset(): void {
    this.abort.abort();
    this.abort = new AbortController();
    this.queue.length = 0;
    this.urgent.clear();
    this.lastCheckedMs.clear();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let id = this.queue.shift(); id !== undefined; id = this.queue.shift()) await this.check(id, this.abort.signal);
    } finally {
      this.running = false;
      this.current = undefined;
    }
  }

  private async check(id: number, signal: AbortSignal): Promise<void> {
    const video = this.deps.expected(id);
    if (!video) return;
    this.current = { id, done: 0, size: video.size };
    let sha: string | undefined;
    try {
      const rate = () => (this.urgent.has(id) ? this.policy.urgentVerifyBytesPerSec : this.policy.verifyBytesPerSec);
      sha = await hashFileThrottled(this.deps.path(id), rate, signal, (done) => {
        if (this.current?.id === id) this.current.done = done;
      });
    } catch (err) {
      if (!signal.aborted) this.deps.failed(id, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      return;
    } finally {
      this.current = undefined;
      this.urgent.delete(id);
    }
    if (sha === undefined || signal.aborted) return;
    this.lastCheckedMs.set(id, Date.now());
    if (sha === video.sha256) this.deps.passed(id);
    else this.deps.failed(id, `its sha256 is ${sha.slice(0, 12)}…, the catalogue says ${video.sha256.slice(0, 12)}…`);
  }
}
