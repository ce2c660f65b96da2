/**
 * The store's writes that nobody waits for (a room's new state, a user's sub, a task's lease): run in
 * the order they were made, so the database always ends where memory is. Whatever queued up while a
 * write ran goes in the next transaction together (a burst of 1,250 users moved off a dead sub is a
 * few transactions, not 1,250 round trips to PostgreSQL). If a batch fails, its writes are tried one by
 * one, so one bad write is logged alone and the others still land. `settled()` resolves once every
 * write made so far is done.
 */
import { isDiskFull } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Db } from './db.js';

/** Most writes in one transaction. */
const MAX_BATCH = 1000;

interface Write {
  what: string;
  write: (db: Db) => Promise<unknown>;
}

export class WriteQueue {
  private readonly queue: Write[] = [];
  private running: Promise<void> | undefined;
  /** Writes queued so far, and writes done (landed or given up on), counted from the start. */
  private added = 0;
  private done = 0;
  private readonly waiters: { upTo: number; resolve: () => void }[] = [];

  constructor(
    private readonly db: Db,
    private readonly log: Logger | undefined,
  ) {}

  /** Queue `write` (given the Db to write through); `what` names it in the log if it fails. */
  add(what: string, write: (db: Db) => Promise<unknown>): void {
    this.queue.push({ what, write });
    this.added += 1;
    this.running ??= this.drain();
  }

  /** Writes queued and not yet done. */
  get size(): number {
    return this.queue.length;
  }

  /** Resolves once the writes queued before this call are done (later ones are not waited for). */
  settled(): Promise<void> {
    if (this.done >= this.added) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ upTo: this.added, resolve }));
  }

  private finished(n: number): void {
    this.done += n;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i]!.upTo <= this.done) this.waiters.splice(i, 1)[0]!.resolve();
    }
  }

  private async drain(): Promise<void> {
    // Let the writes made in this same turn join the first batch.
    await Promise.resolve();
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.db.tx(async (t) => {
            for (const w of batch) await w.write(t);
          });
          this.finished(batch.length);
        } catch {
          for (const w of batch) {
            try {
              await w.write(this.db);
            } catch (err) {
              this.log?.[isDiskFull(err) ? 'warn' : 'error'](`could not save ${w.what}: ${(err as Error).message}`);
            }
            this.finished(1);
          }
        }
      }
    } finally {
      this.running = undefined;
    }
  }
}
