/**
 * The store's writes that nobody waits for (a room's new state, a user's sub, a task's lease): run one
 * after another in the order they were made, so the database always ends where memory is. A failed
 * write is logged and the next one still runs; `settled()` resolves once all made so far are done.
 */
import { isDiskFull } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';

export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly log: Logger | undefined) {}

  /** Queue `write`; `what` names it in the log if it fails. */
  add(what: string, write: () => Promise<unknown>): void {
    this.pending += 1;
    this.tail = this.tail.then(write).then(
      () => {
        this.pending -= 1;
      },
      (err: Error) => {
        this.pending -= 1;
        this.log?.[isDiskFull(err) ? 'warn' : 'error'](`could not save ${what}: ${err.message}`);
      },
    );
  }

  /** Writes queued and not yet done. */
  get size(): number {
    return this.pending;
  }

  settled(): Promise<void> {
    return this.tail;
  }
}
