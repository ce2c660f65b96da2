/**
 * `watchparty central --data DIR --migrate-to postgres://…`: copy central's state from its SQLite file
 * into an empty PostgreSQL database, every table and row as it is (the instance id too, so the subs
 * see the same cluster and keep their replicas), then move PostgreSQL's id counters past the copied
 * ids (and past ids SQLite handed out for rows since deleted). Central must be stopped (the data
 * folder's lock says so); the SQLite file is kept.
 */
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { describeStore, type Db } from './db.js';
import { CentralStore } from './store.js';

/** Tables in an order that respects their references (sessions name users). */
const TABLES = ['meta', 'users', 'sessions', 'notifications', 'videos', 'uploads', 'rooms', 'tasks', 'video_facts', 'renditions', 'chat', 'dms', 'blocks'];
/** Tables whose `id` PostgreSQL numbers itself (an identity column). */
const IDENTITY_TABLES = ['notifications', 'videos', 'tasks', 'renditions', 'dms'];

async function columnsOf(db: Db, table: string): Promise<string[]> {
  const rows =
    db.kind === 'sqlite'
      ? await db.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', [table])
      : await db.all<{ name: string }>('SELECT column_name AS name FROM information_schema.columns WHERE table_name = ?', [table]);
  return rows.map((r) => r.name);
}

export interface MigrationReport {
  rows: Map<string, number>;
  instanceId: string;
}

export async function migrateToPostgres(dataDir: string, url: string, log: Logger): Promise<MigrationReport> {
  const from = await CentralStore.open({ dataDir, log });
  let to: CentralStore | undefined;
  try {
    to = await CentralStore.open({ dataDir, url, log });
    // Opening made the tables (and a fresh instance id): anything more means this database is in use.
    const users = (await to.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM users'))!.n;
    const videos = (await to.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM videos'))!.n;
    if (users > 0 || videos > 0) {
      throw new WatchpartyError('BAD_INPUT', `the database at ${describeStore(url)} already holds ${users} users and ${videos} videos: migrate into an empty one`, {
        hint: 'Create a new database (createdb) and name it in --migrate-to.',
      });
    }
    const rows = new Map<string, number>();
    const target = to.db;
    await target.tx(async (t) => {
      for (const table of TABLES) {
        const have = new Set(await columnsOf(target, table));
        const columns = (await columnsOf(from.db, table)).filter((c) => have.has(c));
        if (columns.length === 0) continue;
        await t.run(`DELETE FROM ${table}`);
        const quoted = columns.map((c) => `"${c}"`).join(', ');
        const source = await from.db.all<Record<string, unknown>>(`SELECT ${quoted} FROM ${table}`);
        const insert = `INSERT INTO ${table} (${quoted}) VALUES (${columns.map(() => '?').join(', ')})`;
        for (const row of source) await t.run(insert, columns.map((c) => row[c] as never));
        rows.set(table, source.length);
      }
      // SQLite's AUTOINCREMENT remembers ids whose rows are gone (acknowledged notifications, deleted
      // videos): PostgreSQL must go on after those too, or a device would take new ids for ones it has shown.
      const handedOut = new Map((await from.db.all<{ name: string; seq: number }>('SELECT name, seq FROM sqlite_sequence')).map((r) => [r.name, r.seq]));
      for (const table of IDENTITY_TABLES) {
        const last = Math.max((await t.get<{ n: number | null }>(`SELECT MAX(id) AS n FROM ${table}`))?.n ?? 0, handedOut.get(table) ?? 0);
        await t.get(`SELECT setval(pg_get_serial_sequence('${table}', 'id'), ?, ?)`, [Math.max(last, 1), last > 0 ? 'true' : 'false']);
      }
      // Tasks and renditions are numbered by central's own counters: never below what SQLite handed out.
      for (const table of ['tasks', 'renditions']) {
        const next = String((handedOut.get(table) ?? 0) + 1);
        await t.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = CAST(GREATEST(CAST(meta.value AS BIGINT), CAST(excluded.value AS BIGINT)) AS TEXT)', [`next_${table}`, next]);
      }
    });
    log.info(`copied ${[...rows.values()].reduce((a, b) => a + b, 0)} rows of ${rows.size} tables to ${describeStore(url)}`);
    return { rows, instanceId: from.instanceId };
  } finally {
    await to?.close();
    await from.close();
  }
}

/** The CLI's `central --migrate-to URL`: lock the data folder (central must be stopped), copy, say what moved. */
export async function migrateCommand(dataDir: string, url: string, log: Logger, print: (line: string) => void): Promise<void> {
  const { lockDataDir } = await import('../data-dir.js');
  let lock: { release(): void };
  try {
    lock = lockDataDir(dataDir);
  } catch (err) {
    throw new WatchpartyError('BAD_INPUT', `${dataDir} is in use: stop central before migrating its state`, { cause: err });
  }
  try {
    const r = await migrateToPostgres(dataDir, url, log);
    print(`copied central's state from ${dataDir} to ${describeStore(url)} (instance ${r.instanceId}):`);
    print(`  ${[...r.rows].map(([t, n]) => `${t} ${n}`).join(', ')}`);
    print(`start central with --store ${describeStore(url)} (and the same --data, which keeps the videos and the secret)`);
  } finally {
    lock.release();
  }
}
