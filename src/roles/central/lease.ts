/**
 * The leadership lease in PostgreSQL, for centrals that share one database (see shared/leadership.ts
 * for the rules). One row holds the epoch, who holds it, where that central listens and when the lease
 * ends, on the database's clock (the centrals' own clocks never need to agree). Every central also keeps
 * a row in `central_nodes` fresh, which is the list clients and subs are handed.
 *
 * It has its own small pool with short timeouts, so neither a queue of the store's writes nor a stalled
 * server can hold up a renewal past the lease.
 */
import type { LeaseAnswer, LeaderInfo } from '../shared/leadership.js';
import type { Db } from './db.js';
import { PgDb } from './pg-db.js';
import { SECRET_KEY } from './store.js';

export interface CentralNodeRow {
  holder: string;
  address: string;
  /** Its TLS certificate's fingerprint (absent: plain text). */
  fingerprint?: string | undefined;
  /** How long ago (database clock) it last asked for or renewed the lease. */
  seenAgoMs: number;
  leading: boolean;
}

/**
 * The lease row (renewed every third of a heartbeat) and the fence row (changed only by a takeover) are
 * apart: the store's writes lock the fence row FOR SHARE, and a renewal must never wait for them.
 */
export const LEASE_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS leader_lease (id INT PRIMARY KEY CHECK (id = 1), epoch BIGINT NOT NULL, holder TEXT NOT NULL, address TEXT NOT NULL, expires_at TIMESTAMPTZ NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS leader_fence (id INT PRIMARY KEY CHECK (id = 1), epoch BIGINT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS central_nodes (holder TEXT PRIMARY KEY, address TEXT NOT NULL, seen_at TIMESTAMPTZ NOT NULL)`,
  `ALTER TABLE central_nodes ADD COLUMN IF NOT EXISTS fingerprint TEXT`,
];

const LATER = `clock_timestamp() + ? * interval '1 millisecond'`;

export class Lease {
  private constructor(
    private readonly db: Db,
    /** This central's id in the lease: random per process, so a restarted central is a new holder. */
    readonly holder: string,
    /** Where clients and subs reach this central (`host:port`). */
    readonly address: string,
    private readonly ttlMs: number,
    /** This central's certificate: the leader vouches for it to subs and clients that trust the leader. */
    private readonly fingerprint: string | undefined,
  ) {}

  static async open(url: string, holder: string, address: string, ttlMs: number, fingerprint: string | undefined, onError: (err: Error) => void): Promise<Lease> {
    const timeoutMs = Math.max(200, Math.floor(ttlMs / 2));
    // Server-side timeouts too: a client-side one alone leaves the statement running (and holding locks).
    const db = await PgDb.open(url, onError, { max: 2, timeoutMs, serverTimeoutMs: timeoutMs, name: 'watchparty central lease' });
    try {
      for (const sql of LEASE_SCHEMA) {
        // Two centrals creating the tables at once on a new database: one of them loses a race on the catalog.
        await db.run(sql).catch(() => new Promise((r) => setTimeout(r, 100)).then(() => db.run(sql)));
      }
    } catch (err) {
      await db.close().catch(() => {});
      throw err;
    }
    return new Lease(db, holder, address, ttlMs, fingerprint);
  }

  /**
   * Take the lease if nobody holds an unexpired one: a new epoch, written to the fence row in the same
   * transaction (which waits for the old leader's writes in flight, and refuses all its later ones).
   * A standby first looks with a plain read, so its polls never queue behind the leader's writes.
   */
  async claim(): Promise<LeaseAnswer> {
    return this.ask(async () => {
      await this.seen();
      const now = await this.db.get<LeaderInfo & { live: number }>(`SELECT holder, address, epoch, CASE WHEN expires_at > clock_timestamp() THEN 1 ELSE 0 END AS live FROM leader_lease WHERE id = 1`);
      if (now && Number(now.live) === 1) {
        // Ours, yet we do not lead (a grant that came too late): give it back rather than block everyone.
        if (now.holder === this.holder) {
          await this.release(Number(now.epoch));
          return { kind: 'unreachable' };
        }
        return { kind: 'held', leader: { holder: now.holder, address: now.address, epoch: Number(now.epoch) } };
      }
      const granted = await this.db.tx(async (t) => {
        await t.run(`INSERT INTO leader_lease (id, epoch, holder, address, expires_at) VALUES (1, 0, '', '', clock_timestamp()) ON CONFLICT (id) DO NOTHING`);
        const row = await t.get<{ epoch: number }>(
          `UPDATE leader_lease SET epoch = epoch + 1, holder = ?, address = ?, expires_at = ${LATER} WHERE id = 1 AND expires_at <= clock_timestamp() RETURNING epoch`,
          [this.holder, this.address, this.ttlMs],
        );
        if (!row) return undefined;
        await t.run('INSERT INTO leader_fence (id, epoch) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET epoch = excluded.epoch', [row.epoch]);
        return Number(row.epoch);
      });
      if (granted !== undefined) return { kind: 'granted', epoch: granted };
      return this.held();
    });
  }

  /** Extend our lease of `epoch`; held by another when the epoch moved on. */
  async renew(epoch: number): Promise<LeaseAnswer> {
    return this.ask(async () => {
      await this.seen();
      const row = await this.db.get<{ epoch: number }>(`UPDATE leader_lease SET expires_at = ${LATER} WHERE id = 1 AND epoch = ? AND holder = ? RETURNING epoch`, [this.ttlMs, epoch, this.holder]);
      if (row) return { kind: 'granted', epoch: row.epoch };
      return this.held();
    });
  }

  /** A leader that stops on purpose lets a standby take over at once instead of after the lease. */
  async release(epoch: number): Promise<void> {
    await this.db.run('UPDATE leader_lease SET expires_at = clock_timestamp() WHERE id = 1 AND epoch = ? AND holder = ?', [epoch, this.holder]).catch(() => 0);
  }

  /** Every central seen lately (within three leases), the leader first. */
  async nodes(): Promise<CentralNodeRow[]> {
    const rows = await this.db.all<{ holder: string; address: string; fingerprint: string | null; seenAgoMs: number; leading: number }>(
      `SELECT n.holder, n.address, n.fingerprint, (extract(epoch from clock_timestamp() - n.seen_at) * 1000)::bigint AS "seenAgoMs",
              CASE WHEN l.holder = n.holder AND l.expires_at > clock_timestamp() THEN 1 ELSE 0 END AS "leading"
       FROM central_nodes n LEFT JOIN leader_lease l ON l.id = 1
       WHERE n.seen_at > clock_timestamp() - ? * interval '1 millisecond' ORDER BY "leading" DESC, n.address`,
      [3 * this.ttlMs],
    );
    return rows.map((r) => ({ holder: r.holder, address: r.address, ...(r.fingerprint ? { fingerprint: r.fingerprint } : {}), seenAgoMs: Math.max(0, Number(r.seenAgoMs)), leading: Number(r.leading) === 1 }));
  }

  /** The cluster secret's digest a central recorded in the store (none in a new database). */
  async secretDigest(): Promise<string | undefined> {
    if (!(await this.db.get<{ t: string | null }>(`SELECT to_regclass('meta')::text AS t`))?.t) return undefined;
    return (await this.db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [SECRET_KEY]))?.value;
  }

  async close(forget: boolean): Promise<void> {
    if (forget) await this.db.run('DELETE FROM central_nodes WHERE holder = ?', [this.holder]).catch(() => 0);
    await this.db.close().catch(() => {});
  }

  private async seen(): Promise<void> {
    await this.db.run(
      `INSERT INTO central_nodes (holder, address, fingerprint, seen_at) VALUES (?, ?, ?, clock_timestamp()) ON CONFLICT (holder) DO UPDATE SET address = excluded.address, fingerprint = excluded.fingerprint, seen_at = excluded.seen_at`,
      [this.holder, this.address, this.fingerprint ?? null],
    );
  }

  private async held(): Promise<LeaseAnswer> {
    const row = await this.db.get<LeaderInfo & { live: number }>(`SELECT holder, address, epoch, CASE WHEN expires_at > clock_timestamp() THEN 1 ELSE 0 END AS live FROM leader_lease WHERE id = 1`);
    if (!row || Number(row.live) !== 1) return { kind: 'unreachable' };
    return { kind: 'held', leader: { holder: row.holder, address: row.address, epoch: Number(row.epoch) } };
  }

  private async ask(fn: () => Promise<LeaseAnswer>): Promise<LeaseAnswer> {
    try {
      return await fn();
    } catch {
      return { kind: 'unreachable' };
    }
  }
}
