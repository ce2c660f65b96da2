/**
 * The tables of central's store (accounts, sessions, notifications, catalogue, rooms), in the words
 * of each dialect (db.ts). The media jobs and the talk keep their own tables in job-store.ts and
 * talk-store.ts. Every statement is idempotent: it runs on every start, on a new or an old store.
 */
import { dialectOf, type Db } from './db.js';

export async function createSchema(db: Db): Promise<void> {
  const d = dialectOf(db);
  const statements = [
    'CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)',
    `CREATE TABLE IF NOT EXISTS users (name ${d.nocaseText} PRIMARY KEY, salt ${d.bytes} NOT NULL, hash ${d.bytes} NOT NULL, sub_id TEXT, created_ms ${d.bigint} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS notifications (id ${d.serialKey}, "user" ${d.nocaseText} NOT NULL, at_ms ${d.bigint} NOT NULL, kind TEXT NOT NULL, text TEXT NOT NULL)`,
    'CREATE INDEX IF NOT EXISTS notifications_user ON notifications("user", id)',
    `CREATE TABLE IF NOT EXISTS videos (id ${d.serialKey}, name ${d.nocaseText} NOT NULL UNIQUE, size ${d.bigint} NOT NULL, sha256 TEXT NOT NULL, duration_ms ${d.bigint} NOT NULL,
      width INTEGER NOT NULL, height INTEGER NOT NULL, video_codec TEXT NOT NULL, audio_codec TEXT, uploader TEXT NOT NULL, created_ms ${d.bigint} NOT NULL)`,
    'CREATE TABLE IF NOT EXISTS rooms (id TEXT PRIMARY KEY, state TEXT NOT NULL)',
    `CREATE TABLE IF NOT EXISTS uploads (id TEXT PRIMARY KEY, name ${d.nocaseText} NOT NULL UNIQUE, "user" ${d.nocaseText} NOT NULL, size ${d.bigint} NOT NULL, sha256 TEXT NOT NULL, created_ms ${d.bigint} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS sessions (token_sha TEXT PRIMARY KEY, "user" ${d.nocaseText} NOT NULL REFERENCES users(name), created_ms ${d.bigint} NOT NULL)`,
  ];
  for (const sql of statements) await db.run(sql);
  // Sessions from before session lifetimes lack two columns: add them, counting old sessions as used when made.
  const columns = await sessionColumns(db);
  if (!columns.has('last_used_ms')) {
    await db.run(`ALTER TABLE sessions ADD COLUMN last_used_ms ${d.bigint} NOT NULL DEFAULT 0`);
    await db.run('UPDATE sessions SET last_used_ms = created_ms');
  }
  if (!columns.has('source')) await db.run("ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT ''");
  await db.run('CREATE INDEX IF NOT EXISTS sessions_user ON sessions("user")');
}

async function sessionColumns(db: Db): Promise<Set<string>> {
  const rows =
    db.kind === 'sqlite'
      ? await db.all<{ name: string }>('SELECT name FROM pragma_table_info(?)', ['sessions'])
      : await db.all<{ name: string }>('SELECT column_name AS name FROM information_schema.columns WHERE table_name = ?', ['sessions']);
  return new Set(rows.map((r) => r.name));
}
