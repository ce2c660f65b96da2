/**
 * The embedded store: better-sqlite3 (synchronous, one connection) behind the asynchronous Db. A
 * transaction holds the connection: statements from outside it wait until it ends, so that nothing
 * slips into it while its own statements await.
 */
import Database from 'better-sqlite3';
import type { Db, SqlValue } from './db.js';

export class SqliteDb implements Db {
  readonly kind = 'sqlite' as const;
  /** Prepared once per SQL text: preparing parses and plans every time (a tenth of central's CPU once). */
  private readonly statements = new Map<string, Database.Statement>();
  /** Set while a transaction holds the connection; resolves when it ends. */
  private held: Promise<void> | undefined;

  constructor(readonly raw: Database.Database) {}

  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (!s) {
      s = this.raw.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** The statements themselves, for this Db and for a transaction's view of it. */
  readonly direct = {
    run: (sql: string, params: readonly SqlValue[] = []) => this.stmt(sql).run(...params).changes,
    get: <T>(sql: string, params: readonly SqlValue[] = []) => this.stmt(sql).get(...params) as T | undefined,
    all: <T>(sql: string, params: readonly SqlValue[] = []) => this.stmt(sql).all(...params) as T[],
  };

  // Each waits with the check and the statement in one turn of the event loop: nothing can start a
  // transaction between them (an `await` there would let one in).
  async run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    while (this.held) await this.held;
    return this.direct.run(sql, params);
  }

  async get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    while (this.held) await this.held;
    return this.direct.get<T>(sql, params);
  }

  async all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    while (this.held) await this.held;
    return this.direct.all<T>(sql, params);
  }

  async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    while (this.held) await this.held;
    let release!: () => void;
    this.held = new Promise<void>((r) => (release = r));
    const view = new SqliteTxView(this);
    try {
      this.raw.exec('BEGIN IMMEDIATE');
      const out = await fn(view);
      this.raw.exec('COMMIT');
      return out;
    } catch (err) {
      if (this.raw.inTransaction) this.raw.exec('ROLLBACK');
      throw err;
    } finally {
      this.held = undefined;
      release();
    }
  }

  rowsWritten(): number {
    return (this.raw.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
  }

  async close(): Promise<void> {
    while (this.held) await this.held;
    this.raw.close();
  }
}

/** Inside a transaction: straight to the connection it holds; a nested tx is part of it. */
class SqliteTxView implements Db {
  readonly kind = 'sqlite' as const;
  constructor(private readonly db: SqliteDb) {}
  run(sql: string, params?: readonly SqlValue[]): Promise<number> {
    return Promise.resolve(this.db.direct.run(sql, params));
  }
  get<T>(sql: string, params?: readonly SqlValue[]): Promise<T | undefined> {
    return Promise.resolve(this.db.direct.get<T>(sql, params));
  }
  all<T>(sql: string, params?: readonly SqlValue[]): Promise<T[]> {
    return Promise.resolve(this.db.direct.all<T>(sql, params));
  }
  tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }
  rowsWritten(): number {
    return this.db.rowsWritten();
  }
  close(): Promise<void> {
    return Promise.reject(new Error('cannot close the store inside a transaction'));
  }
}
