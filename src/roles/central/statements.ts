/**
 * Prepared statements, prepared once per SQL text. better-sqlite3's prepare parses and plans the SQL
 * every time; central runs the same few statements for every relayed request (who is this user, which
 * sub serves them), so preparing each time was a tenth of its CPU under load (bench/abuse profile).
 */
import type Database from 'better-sqlite3';

export type Prepare = (sql: string) => Database.Statement;

/** A `prepare` for `db` that keeps every statement it made (the SQL texts are a fixed, small set). */
export function cachedPrepare(db: Database.Database): Prepare {
  const cache = new Map<string, Database.Statement>();
  return (sql) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      stmt = db.prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  };
}
