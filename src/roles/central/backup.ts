/**
 * `watchparty backup FILE`: a consistent copy of central's SQLite state while central runs (SQLite's
 * online backup: it copies page by page and starts again from the changed pages if central writes
 * meanwhile). Central on PostgreSQL is backed up with PostgreSQL's own tools (pg_dump).
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { WatchpartyError } from '../../core/errors.js';

export async function backupCentral(dataDir: string, to: string): Promise<{ bytes: number }> {
  const file = path.join(dataDir, 'central.sqlite');
  if (!fs.existsSync(file)) {
    throw new WatchpartyError('BAD_INPUT', `there is no central state in ${dataDir} (no central.sqlite)`, { hint: 'Name central\'s --data folder with --data; a central on PostgreSQL is backed up with pg_dump.' });
  }
  if (fs.existsSync(to)) throw new WatchpartyError('BAD_INPUT', `${to} exists already: name a new file`);
  // Password hashes and session digests: readable by this user only, from the first byte.
  fs.closeSync(fs.openSync(to, 'wx', 0o600));
  const db = new Database(file, { fileMustExist: true });
  try {
    await db.backup(to);
  } catch (err) {
    fs.rmSync(to, { force: true });
    throw err;
  } finally {
    db.close();
  }
  return { bytes: fs.statSync(to).size };
}
