/**
 * Central's durable state in SQLite (better-sqlite3, WAL): instance id, users, sessions, notifications.
 * Every write is a single statement or a transaction, so a kill -9 at any moment leaves a consistent file.
 * Session tokens are stored only as SHA-256 digests: a stolen database does not hand out sessions.
 */
import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import path from 'node:path';
import type { Notification } from '../../net/messages.js';

export interface UserRow {
  name: string;
  salt: Buffer;
  hash: Buffer;
  subId: string | null;
  createdMs: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY COLLATE NOCASE,
  salt BLOB NOT NULL,
  hash BLOB NOT NULL,
  sub_id TEXT,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  token_sha TEXT PRIMARY KEY,
  user TEXT NOT NULL COLLATE NOCASE REFERENCES users(name),
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user TEXT NOT NULL COLLATE NOCASE,
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_user ON notifications(user, id);
`;

export function tokenDigest(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}

export class CentralStore {
  private readonly db: Database.Database;
  readonly instanceId: string;

  constructor(dataDir: string) {
    this.db = new Database(path.join(dataDir, 'central.sqlite'));
    this.db.pragma('journal_mode = WAL');
    // NORMAL keeps WAL durable across a process crash (kill -9); only an OS crash can lose the last commit.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('instance') as { value: string } | undefined;
    if (row) {
      this.instanceId = row.value;
    } else {
      this.instanceId = crypto.randomUUID();
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('instance', this.instanceId);
    }
  }

  close(): void {
    this.db.close();
  }

  /** Next sub id (`sub-1`, `sub-2`, …), never reused within this central instance. */
  nextSubId(): string {
    return this.db.transaction(() => {
      const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('next_sub') as { value: string } | undefined;
      const n = row ? Number(row.value) : 1;
      this.db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run('next_sub', String(n + 1));
      return `sub-${n}`;
    })();
  }

  /** Whether this instance ever handed out `id` (so a reconnecting sub may keep it). */
  issuedSubId(id: string): boolean {
    const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get('next_sub') as { value: string } | undefined;
    const n = Number(id.slice(4));
    return row !== undefined && Number.isInteger(n) && n >= 1 && n < Number(row.value);
  }

  getUser(name: string): UserRow | undefined {
    const row = this.db.prepare('SELECT name, salt, hash, sub_id AS subId, created_ms AS createdMs FROM users WHERE name = ?').get(name) as UserRow | undefined;
    return row;
  }

  /** Insert a user; false when the name (case-insensitively) is taken. */
  addUser(user: { name: string; salt: Buffer; hash: Buffer; subId: string | null; createdMs: number }): boolean {
    const info = this.db
      .prepare('INSERT INTO users (name, salt, hash, sub_id, created_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO NOTHING')
      .run(user.name, user.salt, user.hash, user.subId, user.createdMs);
    return info.changes === 1;
  }

  /** Undo a registration that could not be completed (no sub to place the user on). */
  deleteUser(name: string): void {
    this.db.prepare('DELETE FROM users WHERE name = ?').run(name);
  }

  userNames(): string[] {
    return (this.db.prepare('SELECT name FROM users ORDER BY name COLLATE NOCASE').all() as { name: string }[]).map((r) => r.name);
  }

  userCount(): number {
    return (this.db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  setUserSub(name: string, subId: string | null): void {
    this.db.prepare('UPDATE users SET sub_id = ? WHERE name = ?').run(subId, name);
  }

  /** Users per assigned sub id. */
  assignedCounts(): Map<string, number> {
    const rows = this.db.prepare('SELECT sub_id AS subId, COUNT(*) AS n FROM users WHERE sub_id IS NOT NULL GROUP BY sub_id').all() as { subId: string; n: number }[];
    return new Map(rows.map((r) => [r.subId, r.n]));
  }

  usersOfSub(subId: string): string[] {
    return (this.db.prepare('SELECT name FROM users WHERE sub_id = ? ORDER BY name').all(subId) as { name: string }[]).map((r) => r.name);
  }

  addSession(token: string, user: string, nowMs: number): void {
    this.db.prepare('INSERT INTO sessions (token_sha, user, created_ms) VALUES (?, ?, ?)').run(tokenDigest(token), user, nowMs);
  }

  /** The user owning a token, or undefined for a forged or logged-out one. */
  sessionUser(token: string): string | undefined {
    const row = this.db.prepare('SELECT user FROM sessions WHERE token_sha = ?').get(tokenDigest(token)) as { user: string } | undefined;
    return row?.user;
  }

  deleteSession(token: string): boolean {
    return this.db.prepare('DELETE FROM sessions WHERE token_sha = ?').run(tokenDigest(token)).changes === 1;
  }

  /** Store one notification per recipient in one transaction; returns them with their ids. */
  addNotifications(recipients: readonly string[], n: { kind: Notification['kind']; text: string; atMs: number }): Map<string, Notification> {
    const insert = this.db.prepare('INSERT INTO notifications (user, at_ms, kind, text) VALUES (?, ?, ?, ?)');
    return this.db.transaction(() => {
      const out = new Map<string, Notification>();
      for (const user of recipients) {
        const info = insert.run(user, n.atMs, n.kind, n.text);
        out.set(user, { id: Number(info.lastInsertRowid), atMs: n.atMs, kind: n.kind, text: n.text });
      }
      return out;
    })();
  }

  /** The user's unacknowledged notifications, oldest first. */
  pendingNotifications(user: string, limit = 1000): Notification[] {
    return this.db
      .prepare('SELECT id, at_ms AS atMs, kind, text FROM notifications WHERE user = ? ORDER BY id LIMIT ?')
      .all(user, limit) as Notification[];
  }

  /** Acknowledge (and forget) everything up to `upToId` for this user. */
  ackNotifications(user: string, upToId: number): number {
    return this.db.prepare('DELETE FROM notifications WHERE user = ? AND id <= ?').run(user, upToId).changes;
  }
}
