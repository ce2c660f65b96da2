/**
 * The store's writes that nobody waits for (a room's new state, a user's sub, a task's lease): run in
 * the order they were made, so the database always ends where memory is. Whatever queued up while a
 * write ran goes in the next transaction together (a burst of 1,250 users moved off a dead sub is a
 * few transactions, not 1,250 round trips to PostgreSQL).
 *
 * Nothing is dropped while the database can still take it: when it cannot for now (a full disk, a lost
 * or restarting PostgreSQL), the writes stay queued, in order, and are tried again with a growing delay,
 * and whoever waits for them (`settled()`) is told at once, so a request fails as it did when writes were
 * synchronous while the state is kept. A write the database refuses for good (a constraint) is logged and
 * skipped, after its batch's other writes are tried one by one.
 */
import { isDiskFull, WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Db } from './db.js';

/** Most writes in one transaction. */
const MAX_BATCH = 1000;
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 5000;

interface Write {
  what: string;
  write: (db: Db) => Promise<unknown>;
  /** Writes with the same key replace each other (a room's whole state: only the newest matters). */
  key?: string | undefined;
}

/** Errors that say "not now" rather than "never": the same write may succeed later. */
export function isTransient(err: unknown): boolean {
  if (isDiskFull(err)) return true;
  // Fenced: another central leads now. Kept, never skipped: this central is stepping down and drops them all.
  if (err instanceof WatchpartyError && err.code === 'NOT_LEADER') return true;
  const code = String((err as { code?: unknown } | null)?.code ?? '');
  // Sockets; SQLite busy/locked/io; PostgreSQL connection (08…), shutdown (57P0…), resources (53…).
  if (['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR'].includes(code)) return true;
  if (/^(08|53|57P0)/.test(code)) return true;
  // node-postgres reports a dropped connection without a code.
  return /Connection terminated|connection timeout|Client has encountered a connection error/i.test((err as Error | null)?.message ?? '');
}

/** A full disk is NO_SPACE (the peer says so); anything else that keeps the store from writing, STORE_UNAVAILABLE. */
export function storeUnavailable(err: unknown): never {
  if (isDiskFull(err) || (err instanceof WatchpartyError && err.code === 'NOT_LEADER')) throw err;
  throw new WatchpartyError('STORE_UNAVAILABLE', `central cannot write its state now (${(err as Error).message.slice(0, 120)}); what you did is kept and will be written`, { cause: err });
}

export class WriteQueue {
  private readonly queue: Write[] = [];
  /** Queued writes with a key that no batch has taken yet: a newer write of the key takes their place. */
  private readonly waitingByKey = new Map<string, Write>();
  private running: Promise<void> | undefined;
  /** Writes queued so far, and writes done (landed or refused for good), counted from the start. */
  private added = 0;
  private done = 0;
  private readonly waiters: { upTo: number; resolve: () => void; reject: (err: Error) => void }[] = [];
  /** Set while the database cannot take writes; cleared when a batch lands again. */
  private failing: Error | undefined;
  /** Set by stop(): nothing more is written. */
  private stopped: Error | undefined;

  constructor(
    private readonly db: Db,
    private readonly log: Logger | undefined,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * Queue `write` (given the Db to write through); `what` names it in the log if it fails. With a `key`,
   * it replaces a queued write of the same key that is still waiting (in that write's place in line):
   * a burst of changes to one room is one write of its newest state, not one per change.
   */
  add(what: string, write: (db: Db) => Promise<unknown>, key?: string): void {
    const waiting = key === undefined ? undefined : this.waitingByKey.get(key);
    if (waiting) {
      waiting.what = what;
      waiting.write = write;
      return;
    }
    const entry: Write = { what, write, key };
    this.queue.push(entry);
    if (key !== undefined) this.waitingByKey.set(key, entry);
    this.added += 1;
    this.running ??= this.drain();
  }

  /**
   * Write nothing more (a central that lost the leadership: the new leader's state is the truth now);
   * whoever waits is told `why`. Resolves once a batch under way has ended.
   */
  async stop(why: Error): Promise<void> {
    this.stopped = why;
    for (const w of this.waiters.splice(0)) w.reject(why);
    await this.running?.catch(() => {});
  }

  /** Writes queued and not yet done. */
  get size(): number {
    return this.queue.length;
  }

  /**
   * Resolves once the writes queued before this call are done (later ones are not waited for); rejects
   * with the database's error if they cannot be written now (they stay queued and will be).
   */
  settled(): Promise<void> {
    if (this.done >= this.added) return Promise.resolve();
    if (this.stopped) return Promise.reject(this.stopped);
    if (this.failing) return Promise.reject(this.failing);
    return new Promise((resolve, reject) => this.waiters.push({ upTo: this.added, resolve, reject }));
  }

  private finished(n: number): void {
    this.done += n;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.upTo <= this.done) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }

  private failed(err: Error): void {
    if (!this.failing) this.log?.[isDiskFull(err) ? 'warn' : 'error'](`cannot write to the store now (${err.message}); ${this.queue.length} change(s) kept, retrying`);
    this.failing = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  private async drain(): Promise<void> {
    // Let the writes made in this same turn join the first batch.
    await Promise.resolve();
    let delayMs = RETRY_FIRST_MS;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const batch = this.queue.slice(0, MAX_BATCH);
        // Taken: from now on a write of the same key queues behind it.
        for (const w of batch) if (w.key !== undefined && this.waitingByKey.get(w.key) === w) this.waitingByKey.delete(w.key);
        try {
          await this.db.tx(async (t) => {
            for (const w of batch) await w.write(t);
          });
        } catch (err) {
          if (isTransient(err)) {
            this.failed(err as Error);
            if (this.stopped) break;
            await this.sleep(delayMs);
            delayMs = Math.min(RETRY_MAX_MS, delayMs * 2);
            continue;
          }
          // One write the database will never take: find it, skip it, keep the rest.
          if (!(await this.oneByOne(batch.length))) {
            await this.sleep(delayMs);
            delayMs = Math.min(RETRY_MAX_MS, delayMs * 2);
          }
          continue;
        }
        this.queue.splice(0, batch.length);
        if (this.failing) this.log?.info(`the store takes writes again; the kept changes are written`);
        this.failing = undefined;
        delayMs = RETRY_FIRST_MS;
        this.finished(batch.length);
      }
    } finally {
      this.running = undefined;
    }
  }

  /** Write the first `n` queued writes one at a time; false if the database stopped taking writes. */
  private async oneByOne(n: number): Promise<boolean> {
    for (let i = 0; i < n; i++) {
      const w = this.queue[0]!;
      try {
        await w.write(this.db);
      } catch (err) {
        if (isTransient(err)) {
          this.failed(err as Error);
          return false;
        }
        this.log?.error(`could not save ${w.what}, skipped: ${(err as Error).message}`);
      }
      this.queue.shift();
      this.finished(1);
    }
    return true;
  }
}
