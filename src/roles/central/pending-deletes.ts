/**
 * Upload rows whose bytes are already freed but which a full database refused to delete: remembered,
 * retried now and then, and deleted for good once the database has room again.
 */
import { isDiskFull } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';

export class PendingDeletes {
  private readonly ids = new Set<string>();
  private retryAtMs = 0;

  constructor(
    private readonly deleteRow: (id: string) => Promise<void>,
    private readonly retryEveryMs: number,
    private readonly log: Logger,
  ) {}

  /** Whether `id`'s row is waiting to be deleted (its upload is gone in all but name). */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Delete the row now; if the database cannot, remember it and return false. */
  async delete(id: string): Promise<boolean> {
    try {
      await this.deleteRow(id);
    } catch (err) {
      // A full disk, a database that is away: the row goes later (the bytes are gone already).
      if (!isDiskFull(err)) this.log.warn(`could not delete upload reservation ${id.slice(0, 8)}… now: ${(err as Error).message}`);
      this.ids.add(id);
      return false;
    }
    this.ids.delete(id);
    return true;
  }

  /** Try the remembered rows again, at most once per `retryEveryMs`. */
  async retry(nowMs: number): Promise<void> {
    if (this.ids.size === 0 || nowMs < this.retryAtMs) return;
    this.retryAtMs = nowMs + this.retryEveryMs;
    for (const id of [...this.ids]) {
      if (!(await this.delete(id))) return;
      this.log.info(`the database has room again: upload reservation ${id.slice(0, 8)}… removed`);
    }
  }
}
