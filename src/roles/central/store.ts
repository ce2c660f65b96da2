/**
 * Central's durable state, written once against the asynchronous Db (db.ts): the embedded SQLite file
 * by default. What every relayed request reads (users, the catalogue, uploads, the sub counter, rooms at
 * start) is held in memory, loaded when the store opens, and changed there at once by each write, which
 * then reaches the database; so reads stay synchronous and cheap at thousands of viewers, and a write's
 * caller awaits it when it must know the write is durable (an account, a published video).
 * Session tokens are stored only as SHA-256 digests: a stolen database does not hand out sessions.
 */
import Database from 'better-sqlite3';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { isDiskFull, WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Notification } from '../../net/messages.js';
import type { Room } from '../shared/room.js';
import { SESSION_POLICY, type SessionPolicy } from '../shared/session-policy.js';
import type { Db } from './db.js';
import { SqliteDb } from './sqlite-db.js';
import { PgDb } from './pg-db.js';
import { FencedDb } from './fenced-db.js';
import { createSchema } from './store-schema.js';
import { SessionStore } from './session-store.js';
import { WriteQueue } from './write-queue.js';
import { JobStore } from './job-store.js';
import { TalkStore } from './talk-store.js';
import { Catalogue, type VideoRow } from './catalogue.js';
import { nocaseKey } from './nocase.js';

export type { UploadRow, VideoRow } from './catalogue.js';

export interface UserRow {
  name: string;
  salt: Buffer;
  hash: Buffer;
  subId: string | null;
  createdMs: number;
}

const nocase = nocaseKey;

/** How long abandon() waits for a write batch under way before dropping the connections anyway. */
const ABANDON_WAIT_MS = 2000;

/** The meta row holding the cluster secret's digest. */
export const SECRET_KEY = 'secret_sha256';

export function secretDigest(secret: string): string {
  return crypto.createHash('sha256').update(secret).digest('hex');
}

export interface StoreOptions {
  dataDir: string;
  /** `postgres://…` (or `postgresql://…`): the store on PostgreSQL; otherwise SQLite in `dataDir`. */
  url?: string;
  sessionPolicy?: SessionPolicy;
  log?: Logger;
  /**
   * On PostgreSQL shared by several centrals: write only while the lease still has this epoch
   * (fenced-db.ts), and let the server end a transaction left idle longer than `holdMs` (a frozen leader's).
   */
  fence?: { epoch: number; holdMs: number; onFenced: () => void };
}

export class CentralStore {
  /** Every user, by NOCASE key. */
  private readonly users = new Map<string, UserRow>();
  private names: string[] | undefined;
  /** Users per assigned sub, kept with every change of a user's sub (placement asks on every login). */
  private readonly perSub = new Map<string, number>();
  private nextSub: number;

  private constructor(
    readonly db: Db,
    readonly instanceId: string,
    /** Session tokens (as digests) with their lifetimes. */
    readonly sessions: SessionStore,
    /** The catalogue: published videos and uploads under way. */
    readonly catalogue: Catalogue,
    /** The media-job queue and the renditions made. */
    readonly jobs: JobStore,
    /** Room chat and direct messages. */
    readonly talk: TalkStore,
    private readonly background: WriteQueue,
    users: UserRow[],
    nextSub: number,
    private readonly loadedRooms: Room[],
  ) {
    for (const u of users) this.remember(u);
    this.nextSub = nextSub;
  }

  /** Open (or create) the store in `dataDir`; on a full disk this works as long as it exists already. */
  static async open(opts: StoreOptions): Promise<CentralStore> {
    let db: Db | undefined;
    try {
      db = opts.url ? await PgDb.open(opts.url, (err) => opts.log?.warn(`PostgreSQL: ${err.message}`), opts.fence ? { idleInTransactionMs: opts.fence.holdMs } : {}) : new SqliteDb(CentralStore.openFile(opts.dataDir));
      if (opts.fence) db = new FencedDb(db, opts.fence.epoch, opts.fence.onFenced);
      await createSchema(db);
      const background = new WriteQueue(db, opts.log);
      const jobs = await JobStore.load(db, (what, write) => background.add(what, write));
      const talk = await TalkStore.load(db);
      const instanceId = await CentralStore.instance(db);
      const nextSub = Number((await db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', ['next_sub']))?.value ?? 1);
      const users = await db.all<UserRow>('SELECT name, salt, hash, sub_id AS "subId", created_ms AS "createdMs" FROM users');
      const rooms = (await db.all<{ state: string }>('SELECT state FROM rooms')).map((r) => JSON.parse(r.state) as Room);
      const catalogue = await Catalogue.load(db);
      return new CentralStore(db, instanceId, new SessionStore(db, opts.sessionPolicy ?? SESSION_POLICY), catalogue, jobs, talk, background, users, nextSub, rooms);
    } catch (err) {
      await db?.close().catch(() => {});
      if (!isDiskFull(err)) throw err;
      throw new WatchpartyError('NO_SPACE', `the disk holding ${opts.dataDir} is full: central cannot set up its database`, { hint: 'Free some space there (or pick another --data folder) and start central again.', cause: err });
    }
  }

  private static openFile(dataDir: string): Database.Database {
    const file = path.join(dataDir, 'central.sqlite');
    // Password hashes and session digests live here: readable by this user only, from the first byte.
    fs.closeSync(fs.openSync(file, 'a', 0o600));
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // NORMAL keeps WAL durable across a process crash (kill -9); only an OS crash can lose the last commit.
    db.pragma('synchronous = NORMAL');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) if (fs.existsSync(f)) fs.chmodSync(f, 0o600);
    return db;
  }

  /** This store's instance id, made on first open (an existing one is never replaced). */
  private static async instance(db: Db): Promise<string> {
    await db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', ['instance', crypto.randomUUID()]);
    return (await db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', ['instance']))!.value;
  }

  async close(): Promise<void> {
    await this.settled();
    await this.db.close();
  }

  /**
   * Stop without writing what is still queued: this central lost the leadership, and the database holds
   * the new leader's state (its writes would be refused by the fence anyway).
   */
  async abandon(why: Error): Promise<void> {
    // Bounded: a batch stuck on a silent network must not keep this central from standing by.
    await Promise.race([this.background.stop(why), new Promise((r) => setTimeout(r, ABANDON_WAIT_MS).unref())]);
    void this.db.close().catch(() => {});
  }

  /** Resolves once every background write made so far has reached the database. */
  settled(): Promise<void> {
    return this.background.settled();
  }

  /** Queue a write nobody waits for; a failure is logged (the state in memory stays right meanwhile). */
  private later(what: string, write: (db: Db) => Promise<unknown>, key?: string): void {
    this.background.add(what, write, key);
  }

  /**
   * Record the cluster secret (as a SHA-256 digest, never the secret) in the store: centrals that share a
   * PostgreSQL check theirs against it before they stand by (node.ts), so every one of them accepts the
   * same subs.
   */
  async adoptSecret(secret: string): Promise<void> {
    await this.db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [SECRET_KEY, secretDigest(secret)]);
  }

  /** Rows inserted, updated or deleted since this store was opened (what `status` shows as writes). */
  rowsWritten(): number {
    return this.db.rowsWritten();
  }

  /** Next sub id (`sub-1`, `sub-2`, …), never reused within this central instance. */
  nextSubId(): string {
    const n = this.nextSub++;
    this.later('the sub counter', (db) => db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', ['next_sub', String(n + 1)]), 'next_sub');
    return `sub-${n}`;
  }

  /** Whether this instance ever handed out `id` (so a reconnecting sub may keep it). */
  issuedSubId(id: string): boolean {
    const n = Number(id.slice(4));
    return Number.isInteger(n) && n >= 1 && n < this.nextSub;
  }

  private remember(u: UserRow): void {
    this.users.set(nocase(u.name), u);
    this.names = undefined;
    this.countMove(null, u.subId);
  }

  private forget(u: UserRow): void {
    this.users.delete(nocase(u.name));
    this.names = undefined;
    this.countMove(u.subId, null);
  }

  getUser(name: string): UserRow | undefined {
    return this.users.get(nocase(name));
  }

  /** The canonical spelling of a user name, or undefined. */
  canonicalUser(name: string): string | undefined {
    return this.getUser(name)?.name;
  }

  /** Insert a user; false when the name (case-insensitively) is taken. */
  async addUser(user: UserRow): Promise<boolean> {
    if (this.getUser(user.name)) return false;
    const row = { ...user };
    this.remember(row);
    try {
      const added = await this.db.run('INSERT INTO users (name, salt, hash, sub_id, created_ms) VALUES (?, ?, ?, ?, ?) ON CONFLICT (name) DO NOTHING', [user.name, user.salt, user.hash, user.subId, user.createdMs]);
      if (added === 1) return true;
    } catch (err) {
      // As it is now: a login may have moved the user to a sub meanwhile.
      this.forget(this.getUser(user.name) ?? row);
      throw err;
    }
    this.forget(this.getUser(user.name) ?? row);
    return false;
  }

  /** Replace a user's password hash. */
  async setPassword(name: string, salt: Buffer, hash: Buffer): Promise<void> {
    await this.db.run('UPDATE users SET salt = ?, hash = ? WHERE name = ?', [salt, hash, name]);
    const u = this.getUser(name);
    if (u) this.users.set(nocase(name), { ...u, salt, hash });
  }

  /** Undo a registration that could not be completed (no sub to place the user on). */
  async deleteUser(name: string): Promise<void> {
    await this.db.run('DELETE FROM users WHERE name = ?', [name]);
    const u = this.getUser(name);
    if (u) this.forget(u);
  }

  /** Every user name, sorted without case. */
  userNames(): string[] {
    this.names ??= [...this.users.values()].map((u) => u.name).sort((a, b) => (nocase(a) < nocase(b) ? -1 : nocase(a) > nocase(b) ? 1 : 0));
    return [...this.names];
  }

  userCount(): number {
    return this.users.size;
  }

  /** Move a user to another sub (or none): at once in memory, then in the database. */
  setUserSub(name: string, subId: string | null): void {
    const u = this.getUser(name);
    if (!u || u.subId === subId) return;
    this.countMove(u.subId, subId);
    this.users.set(nocase(name), { ...u, subId });
    this.later(`${u.name}'s sub`, (db) => db.run('UPDATE users SET sub_id = ? WHERE name = ?', [subId, u.name]), `sub of ${nocase(u.name)}`);
  }

  /** Users per assigned sub id (a copy). */
  assignedCounts(): Map<string, number> {
    return new Map(this.perSub);
  }

  private countMove(from: string | null, to: string | null): void {
    if (from === to) return;
    if (from !== null) {
      const left = (this.perSub.get(from) ?? 0) - 1;
      if (left > 0) this.perSub.set(from, left);
      else this.perSub.delete(from);
    }
    if (to !== null) this.perSub.set(to, (this.perSub.get(to) ?? 0) + 1);
  }

  usersOfSub(subId: string): string[] {
    return [...this.users.values()].filter((u) => u.subId === subId).map((u) => u.name).sort();
  }

  /** Store one notification per recipient in one transaction; returns them with their ids. */
  addNotifications(recipients: readonly string[], n: { kind: Notification['kind']; text: string; atMs: number }): Promise<Map<string, Notification>> {
    return this.db.tx(async (t) => {
      const out = new Map<string, Notification>();
      for (const user of recipients) {
        const row = await t.get<{ id: number }>('INSERT INTO notifications ("user", at_ms, kind, text) VALUES (?, ?, ?, ?) RETURNING id', [user, n.atMs, n.kind, n.text]);
        out.set(user, { id: row!.id, atMs: n.atMs, kind: n.kind, text: n.text });
      }
      return out;
    });
  }

  /** The user's unacknowledged notifications, oldest first. */
  pendingNotifications(user: string, limit = 1000): Promise<Notification[]> {
    return this.db.all<Notification>('SELECT id, at_ms AS "atMs", kind, text FROM notifications WHERE "user" = ? ORDER BY id LIMIT ?', [user, limit]);
  }

  /** Acknowledge (and forget) everything up to `upToId` for this user. */
  ackNotifications(user: string, upToId: number): Promise<number> {
    return this.db.run('DELETE FROM notifications WHERE "user" = ? AND id <= ?', [user, upToId]);
  }

  videos(): VideoRow[] {
    return this.catalogue.videos();
  }

  video(id: number): VideoRow | undefined {
    return this.catalogue.video(id);
  }

  videoByName(name: string): VideoRow | undefined {
    return this.catalogue.videoByName(name);
  }

  /** Every room as it was last saved (read when the store opened). */
  rooms(): Room[] {
    return this.loadedRooms;
  }

  /** Save a room's new state; saves reach the database in the order they were made. */
  saveRoom(room: Room): void {
    const state = JSON.stringify(room);
    this.later(`room ${room.id}`, (db) => db.run('INSERT INTO rooms (id, state) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET state = excluded.state', [room.id, state]), `room ${room.id}`);
  }
}
