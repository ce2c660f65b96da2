/**
 * Central's store on PostgreSQL (`central --store postgres://…`), through the `pg` driver's pool.
 * The password never rides on the command line: it comes from PGPASSWORD or ~/.pgpass (libpq's own
 * rules, which `pg` follows). 64-bit integers come back as numbers (ms timestamps and byte sizes stay
 * far below 2^53). Transactions are READ COMMITTED: a counter is bumped in one statement, never read
 * and then written.
 */
import pg from 'pg';
import { WatchpartyError } from '../../core/errors.js';
import { describeStore, numberPlaceholders, type Db, type SqlValue } from './db.js';

const INT8_OID = 20;
const types = { getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser };

/** What pg.Pool and a checked-out client have in common. */
interface Queryable {
  query(text: string, values?: unknown[]): Promise<pg.QueryResult>;
}

export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  private written = 0;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly onError: (err: Error) => void,
    private readonly on: Queryable = pool,
  ) {}

  /** Connect (or say why not, without the password), and make sure citext is there. */
  static async open(url: string, onError: (err: Error) => void, tuning: { max?: number; timeoutMs?: number; serverTimeoutMs?: number; idleInTransactionMs?: number; name?: string } = {}): Promise<PgDb> {
    const timeoutMs = tuning.timeoutMs ?? 5000;
    const pool = new pg.Pool({
      connectionString: url,
      max: tuning.max ?? 8,
      connectionTimeoutMillis: timeoutMs,
      idleTimeoutMillis: 30_000,
      types,
      application_name: tuning.name ?? 'watchparty central',
      // The lease asks with a short timeout: an answer later than the lease is worth nothing.
      ...(tuning.timeoutMs ? { query_timeout: timeoutMs } : {}),
      // The server gives up too (a client-side timeout alone leaves the statement running, holding its locks).
      ...(tuning.serverTimeoutMs ? { statement_timeout: tuning.serverTimeoutMs, lock_timeout: tuning.serverTimeoutMs } : {}),
      // A central frozen inside a transaction must not hold its locks (and so a takeover) for as long as it is frozen.
      ...(tuning.idleInTransactionMs ? { idle_in_transaction_session_timeout: tuning.idleInTransactionMs } : {}),
      keepAlive: true,
    });
    // An idle connection that breaks (PostgreSQL restarted) is reported, not thrown from nowhere.
    pool.on('error', onError);
    try {
      await pool.query('CREATE EXTENSION IF NOT EXISTS citext');
    } catch (err) {
      await pool.end().catch(() => {});
      throw new WatchpartyError('UNREACHABLE', `cannot use the PostgreSQL store at ${describeStore(url)}: ${(err as Error).message}`, {
        hint: 'Check the address and database, that the server is running, and the password (PGPASSWORD or ~/.pgpass, never the command line).',
        cause: err,
      });
    }
    return new PgDb(pool, onError);
  }

  async run(sql: string, params: readonly SqlValue[] = []): Promise<number> {
    const r = await this.on.query(numberPlaceholders(sql), [...params]);
    this.written += r.rowCount ?? 0;
    return r.rowCount ?? 0;
  }

  async get<T>(sql: string, params: readonly SqlValue[] = []): Promise<T | undefined> {
    const r = await this.on.query(numberPlaceholders(sql), [...params]);
    if (/^\s*(INSERT|UPDATE|DELETE)/i.test(sql)) this.written += r.rowCount ?? 0;
    return r.rows[0] as T | undefined;
  }

  async all<T>(sql: string, params: readonly SqlValue[] = []): Promise<T[]> {
    const r = await this.on.query(numberPlaceholders(sql), [...params]);
    if (/^\s*(INSERT|UPDATE|DELETE)/i.test(sql)) this.written += r.rowCount ?? 0;
    return r.rows as T[];
  }

  async tx<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    if (this.on !== this.pool) return fn(this);
    const client = await this.pool.connect();
    // A checked-out client's own errors (the server went away while we waited on something else).
    const onError = (err: Error) => this.onError(err);
    client.on('error', onError);
    const view = new PgDb(this.pool, this.onError, client);
    let out: T;
    try {
      await client.query('BEGIN');
      out = await fn(view);
      await client.query('COMMIT');
      this.written += view.written;
    } catch (err) {
      // A connection that cannot even roll back is broken: the pool must drop it, not hand it out again.
      const broken = await client.query('ROLLBACK').then(() => undefined, (e: Error) => e);
      client.release(broken);
      throw err;
    } finally {
      client.off('error', onError);
    }
    client.release();
    return out;
  }

  rowsWritten(): number {
    return this.written;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
