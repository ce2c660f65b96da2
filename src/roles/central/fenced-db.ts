/**
 * A Db whose every write carries the leader's epoch: each transaction first reads the lease row FOR SHARE
 * and goes on only if the epoch is still ours. A takeover bumps the epoch under a lock that waits for
 * these transactions, and every transaction after it fails here: a frozen or partitioned old leader
 * that wakes up cannot overwrite what the new leader wrote, whatever its own clock believes.
 * Reads are not fenced (a stale read changes nothing).
 */
import { WatchpartyError } from '../../core/errors.js';
import type { Db, SqlValue } from './db.js';

/**
 * The epoch check every fenced transaction starts with (FOR SHARE: a takeover, which sets the fence row,
 * waits for the transactions under way, and every one after it sees the new epoch). Renewals of the
 * lease touch another row and never wait for writes.
 */
const EPOCH_CHECK = 'SELECT epoch FROM leader_fence WHERE id = 1 FOR SHARE';

const WRITE = /^\s*(INSERT|UPDATE|DELETE|CREATE|ALTER|DROP)/i;

export class FencedDb implements Db {
  readonly kind: Db['kind'];
  private told = false;

  constructor(
    private readonly inner: Db,
    private readonly epoch: number,
    /** Called once, on the first write refused because another central leads. */
    private readonly onFenced: () => void,
  ) {
    this.kind = inner.kind;
  }

  async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return this.inner.tx(async (t) => {
      const row = await t.get<{ epoch: number }>(EPOCH_CHECK);
      if (!row || Number(row.epoch) !== this.epoch) {
        if (!this.told) {
          this.told = true;
          this.onFenced();
        }
        throw new WatchpartyError('NOT_LEADER', `this central no longer leads (epoch ${this.epoch}, the lease is at ${row?.epoch ?? 'none'}): write refused`);
      }
      return fn(t);
    });
  }

  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return this.tx((t) => t.run(sql, params));
  }

  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return WRITE.test(sql) ? this.tx((t) => t.get<T>(sql, params)) : this.inner.get<T>(sql, params);
  }

  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return WRITE.test(sql) ? this.tx((t) => t.all<T>(sql, params)) : this.inner.all<T>(sql, params);
  }

  rowsWritten(): number {
    return this.inner.rowsWritten();
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
