/**
 * Central's durable state in SQLite (better-sqlite3, WAL): instance id, users, sessions, notifications.
 * Every write is a single statement or a transaction, so a kill -9 at any moment leaves a consistent file.
 * Session tokens are stored only as SHA-256 digests: a stolen database does not hand out sessions.
 */
import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isDiskFull, WatchpartyError } from '../../core/errors.js';
import type { Notification } from '../../net/messages.js';
import type { Room } from '../shared/room.js';
import { SESSION_POLICY, type SessionPolicy } from '../shared/session-policy.js';
import { SessionStore } from './session-store.js';
import { cachedPrepare, type Prepare } from './statements.js';
import { JobStore } from './job-store.js';
import { TalkStore } from './talk-store.js';

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
CREATE TABLE IF NOT EXISTS notifications (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  user TEXT NOT NULL COLLATE NOCASE,
  at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL,
  text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS notifications_user ON notifications(user, id);
CREATE TABLE IF NOT EXISTS videos (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  video_codec TEXT NOT NULL,
  audio_codec TEXT,
  uploader TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS rooms (id TEXT PRIMARY KEY, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS uploads (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  user TEXT NOT NULL COLLATE NOCASE,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_ms INTEGER NOT NULL
);
`;

/** A catalogue row (replica counts are added by central from the live registry). */
export interface VideoRow {
  id: number;
  name: string;
  size: number;
  sha256: string;
  durationMs: number;
  width: number;
  height: number;
  videoCodec: string;
  audioCodec: string | null;
  uploader: string;
  createdMs: number;
}

export interface UploadRow {
  id: string;
  name: string;
  user: string;
  size: number;
  sha256: string;
  createdMs: number;
}

const VIDEO_COLUMNS = 'id, name, size, sha256, duration_ms AS durationMs, width, height, video_codec AS videoCodec, audio_codec AS audioCodec, uploader, created_ms AS createdMs';


/** Most user rows (and misses) getUser keeps in memory. */
const MAX_CACHED_USER_ROWS = 100_000;

/** SQLite's NOCASE folds ASCII letters only; the cache key must fold exactly the same. */
function nocase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

export class CentralStore {
  private readonly db: Database.Database;
  private readonly sql: Prepare;
  /** getUser's cache by NOCASE key; null: no such user. */
  private readonly userRows = new Map<string, UserRow | null>();
  private names: string[] | undefined;
  /** Users per assigned sub, kept with every write to `users.sub_id` (placement asks on every login). */
  private perSub: Map<string, number> | undefined;
  readonly instanceId: string;
  /** Session tokens (as digests) with their lifetimes. */
  readonly sessions: SessionStore;
  /** The media-job queue and the renditions made. */
  readonly jobs: JobStore;
  /** Room chat and direct messages. */
  readonly talk: TalkStore;

  constructor(dataDir: string, sessionPolicy: SessionPolicy = SESSION_POLICY) {
    try {
      this.db = CentralStore.open(dataDir);
      this.sql = cachedPrepare(this.db);
      this.sessions = new SessionStore(this.db, this.sql, sessionPolicy);
      this.jobs = new JobStore(this.db, this.sql);
      this.talk = new TalkStore(this.db, this.sql);
      const row = this.sql('SELECT value FROM meta WHERE key = ?').get('instance') as { value: string } | undefined;
      if (row) {
        this.instanceId = row.value;
      } else {
        this.instanceId = crypto.randomUUID();
        this.sql('INSERT INTO meta (key, value) VALUES (?, ?)').run('instance', this.instanceId);
      }
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      throw new WatchpartyError('NO_SPACE', `the disk holding ${dataDir} is full: central cannot set up its database`, { hint: 'Free some space there (or pick another --data folder) and start central again.', cause: err });
    }
  }

  /** Open (or create) the database; on a full disk this works as long as it exists already. */
  private static open(dataDir: string): Database.Database {
    const file = path.join(dataDir, 'central.sqlite');
    // Password hashes and session digests live here: readable by this user only, from the first byte.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // NORMAL keeps WAL durable across a process crash (kill -9); only an OS crash can lose the last commit.
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
    return db;
  }

  close(): void {
    this.db.close();
  }

  /** Rows inserted, updated or deleted since this store was opened (what `status` shows as writes). */
  rowsWritten(): number {
    return (this.sql('SELECT total_changes() AS n').get() as { n: number }).n;
  }

  /** Next sub id (`sub-1`, `sub-2`, …), never reused within this central instance. */
  nextSubId(): string {
    return this.db.transaction(() => {
      const row = this.sql('SELECT value FROM meta WHERE key = ?').get('next_sub') as { value: string } | undefined;
      const n = row ? Number(row.value) : 1;
      this.sql('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value').run('next_sub', String(n + 1));
      return `sub-${n}`;
    })();
  }

  /** Whether this instance ever handed out `id` (so a reconnecting sub may keep it). */
  issuedSubId(id: string): boolean {
    const row = this.sql('SELECT value FROM meta WHERE key = ?').get('next_sub') as { value: string } | undefined;
    const n = Number(id.slice(4));
    return row !== undefined && Number.isInteger(n) && n >= 1 && n < Number(row.value);
  }

  /**
   * A user's row. Every relayed request looks its user up (who is it, which sub serves them), so rows
   * are cached, misses too; every write to `users` below drops the entry it touches.
   */
  getUser(name: string): UserRow | undefined {
    const key = nocase(name);
    const cached = this.userRows.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const row = this.sql('SELECT name, salt, hash, sub_id AS subId, created_ms AS createdMs FROM users WHERE name = ?').get(name) as UserRow | undefined;
    // Misses are cached only up to a bound: anyone can ask about names that do not exist.
    if (row || this.userRows.size < MAX_CACHED_USER_ROWS) this.userRows.set(key, row ?? null);
    return row;
  }

  /** Insert a user; false when the name (case-insensitively) is taken. */
  addUser(user: { name: string; salt: Buffer; hash: Buffer; subId: string | null; createdMs: number }): boolean {
    this.forgetUser(user.name);
    const info = this.sql('INSERT INTO users (name, salt, hash, sub_id, created_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT(name) DO NOTHING')
      .run(user.name, user.salt, user.hash, user.subId, user.createdMs);
    if (info.changes === 1) this.countMove(null, user.subId);
    return info.changes === 1;
  }

  /** Replace a user's password hash. */
  setPassword(name: string, salt: Buffer, hash: Buffer): void {
    this.forgetUser(name);
    this.sql('UPDATE users SET salt = ?, hash = ? WHERE name = ?').run(salt, hash, name);
  }

  /** Undo a registration that could not be completed (no sub to place the user on). */
  deleteUser(name: string): void {
    const before = this.getUser(name)?.subId ?? null;
    this.forgetUser(name);
    if (this.sql('DELETE FROM users WHERE name = ?').run(name).changes === 1) this.countMove(before, null);
  }

  private forgetUser(name: string): void {
    this.userRows.delete(nocase(name));
    this.names = undefined;
  }

  /** Every user name (cached like the rows: `users.list` is what a flooding client asks for). */
  userNames(): string[] {
    this.names ??= (this.sql('SELECT name FROM users ORDER BY name COLLATE NOCASE').all() as { name: string }[]).map((r) => r.name);
    return [...this.names];
  }

  userCount(): number {
    return (this.sql('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
  }

  setUserSub(name: string, subId: string | null): void {
    const before = this.getUser(name)?.subId ?? null;
    this.forgetUser(name);
    if (this.sql('UPDATE users SET sub_id = ? WHERE name = ?').run(subId, name).changes === 1) this.countMove(before, subId);
  }

  /** Users per assigned sub id (a copy; counted once from the table, then kept in memory). */
  assignedCounts(): Map<string, number> {
    if (!this.perSub) {
      const rows = this.sql('SELECT sub_id AS subId, COUNT(*) AS n FROM users WHERE sub_id IS NOT NULL GROUP BY sub_id').all() as { subId: string; n: number }[];
      this.perSub = new Map(rows.map((r) => [r.subId, r.n]));
    }
    return new Map(this.perSub);
  }

  private countMove(from: string | null, to: string | null): void {
    if (!this.perSub || from === to) return;
    if (from !== null) {
      const left = (this.perSub.get(from) ?? 0) - 1;
      if (left > 0) this.perSub.set(from, left);
      else this.perSub.delete(from);
    }
    if (to !== null) this.perSub.set(to, (this.perSub.get(to) ?? 0) + 1);
  }

  usersOfSub(subId: string): string[] {
    return (this.sql('SELECT name FROM users WHERE sub_id = ? ORDER BY name').all(subId) as { name: string }[]).map((r) => r.name);
  }

  /** Store one notification per recipient in one transaction; returns them with their ids. */
  addNotifications(recipients: readonly string[], n: { kind: Notification['kind']; text: string; atMs: number }): Map<string, Notification> {
    const insert = this.sql('INSERT INTO notifications (user, at_ms, kind, text) VALUES (?, ?, ?, ?)');
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
    return this.sql('SELECT id, at_ms AS atMs, kind, text FROM notifications WHERE user = ? ORDER BY id LIMIT ?')
      .all(user, limit) as Notification[];
  }

  /** Acknowledge (and forget) everything up to `upToId` for this user. */
  ackNotifications(user: string, upToId: number): number {
    return this.sql('DELETE FROM notifications WHERE user = ? AND id <= ?').run(user, upToId).changes;
  }

  videos(): VideoRow[] {
    return this.sql(`SELECT ${VIDEO_COLUMNS} FROM videos ORDER BY id`).all() as VideoRow[];
  }

  video(id: number): VideoRow | undefined {
    return this.sql(`SELECT ${VIDEO_COLUMNS} FROM videos WHERE id = ?`).get(id) as VideoRow | undefined;
  }

  videoByName(name: string): VideoRow | undefined {
    return this.sql(`SELECT ${VIDEO_COLUMNS} FROM videos WHERE name = ?`).get(name) as VideoRow | undefined;
  }

  /** Drop a video from the catalogue (its id is never given out again: the table is AUTOINCREMENT). */
  deleteVideo(id: number): boolean {
    return this.sql('DELETE FROM videos WHERE id = ?').run(id).changes > 0;
  }

  /**
   * Publish a finished upload: insert the video and drop the reservation in one transaction, after
   * `moveFile` has put the bytes in place; if the insert fails the file move is undone by the caller.
   */
  publishVideo(uploadId: string, v: Omit<VideoRow, 'id'>): VideoRow {
    return this.db.transaction(() => {
      const info = this.sql('INSERT INTO videos (name, size, sha256, duration_ms, width, height, video_codec, audio_codec, uploader, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(v.name, v.size, v.sha256, v.durationMs, v.width, v.height, v.videoCodec, v.audioCodec, v.uploader, v.createdMs);
      this.sql('DELETE FROM uploads WHERE id = ?').run(uploadId);
      return { ...v, id: Number(info.lastInsertRowid) };
    })();
  }

  /** The id the next published video will get (files are written under it before the insert). */
  nextVideoId(): number {
    const row = this.sql("SELECT seq FROM sqlite_sequence WHERE name = 'videos'").get() as { seq: number } | undefined;
    return (row?.seq ?? 0) + 1;
  }

  uploads(): UploadRow[] {
    return this.sql('SELECT id, name, user, size, sha256, created_ms AS createdMs FROM uploads').all() as UploadRow[];
  }

  uploadByName(name: string): UploadRow | undefined {
    return this.sql('SELECT id, name, user, size, sha256, created_ms AS createdMs FROM uploads WHERE name = ?').get(name) as UploadRow | undefined;
  }

  upload(id: string): UploadRow | undefined {
    return this.sql('SELECT id, name, user, size, sha256, created_ms AS createdMs FROM uploads WHERE id = ?').get(id) as UploadRow | undefined;
  }

  /** Reserve a name; false when a video or another upload has it. */
  addUpload(u: UploadRow): boolean {
    return this.db.transaction(() => {
      if (this.videoByName(u.name)) return false;
      const info = this.sql('INSERT INTO uploads (id, name, user, size, sha256, created_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(u.id, u.name, u.user, u.size, u.sha256, u.createdMs);
      return info.changes === 1;
    })();
  }

  deleteUpload(id: string): void {
    this.sql('DELETE FROM uploads WHERE id = ?').run(id);
  }

  rooms(): Room[] {
    return (this.sql('SELECT state FROM rooms').all() as { state: string }[]).map((r) => JSON.parse(r.state) as Room);
  }

  saveRoom(room: Room): void {
    this.sql('INSERT INTO rooms (id, state) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET state = excluded.state').run(room.id, JSON.stringify(room));
  }

  /** The canonical spelling of a user name, or undefined. */
  canonicalUser(name: string): string | undefined {
    return this.getUser(name)?.name;
  }
}
