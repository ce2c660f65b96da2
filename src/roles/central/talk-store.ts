/**
 * Room chat and direct messages in central's store. A chat line gets the next number of its room in
 * the same transaction that stores it; a direct message is stored (and so durable) before its sender
 * hears it was sent, and stays until its recipient's account goes: devices list what they have not shown
 * by id, and reading marks it on every device. Writes for one room (one recipient) take turns, so two
 * lines never get one number and each message names the one before it, on PostgreSQL too.
 */
import type { ChatLine, DirectMessage } from '../../net/chat-messages.js';
import { WatchpartyError } from '../../core/errors.js';
import { dialectOf, type Db } from './db.js';
import { nocaseKey } from './nocase.js';

/** Lines of a room's chat kept (older ones are dropped as new ones come). */
export const CHAT_KEEP = 1000;
/**
 * Direct messages kept per recipient: past it the oldest read ones go. Unread ones are never deleted:
 * a recipient with this many unread takes no more until they read some (a spammer cannot fill the disk,
 * nor push out what others wrote).
 */
export const DMS_KEEP = 10_000;
/** Unread messages one sender may have waiting for one recipient (one spammer cannot fill the inbox alone). */
export const DMS_UNREAD_PER_SENDER = 1000;

export class TalkStore {
  /** The write under way per room / recipient; the next one waits for it. */
  private readonly turns = new Map<string, Promise<unknown>>();

  private constructor(private readonly db: Db) {}

  static async load(db: Db): Promise<TalkStore> {
    const d = dialectOf(db);
    await db.run(`CREATE TABLE IF NOT EXISTS chat (room_id TEXT NOT NULL, seq INTEGER NOT NULL, at_ms ${d.bigint} NOT NULL, "user" TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (room_id, seq))`);
    await db.run(`CREATE TABLE IF NOT EXISTS dms (id ${d.serialKey}, sender ${d.nocaseText} NOT NULL, recipient ${d.nocaseText} NOT NULL, at_ms ${d.bigint} NOT NULL, text TEXT NOT NULL, read_ms ${d.bigint})`);
    await db.run('CREATE INDEX IF NOT EXISTS dms_recipient ON dms(recipient, id)');
    await db.run(`CREATE TABLE IF NOT EXISTS blocks ("user" ${d.nocaseText} NOT NULL, blocked ${d.nocaseText} NOT NULL, PRIMARY KEY ("user", blocked))`);
    return new TalkStore(db);
  }

  /** Run `job` after the previous job of `key` (whatever its outcome). */
  private inTurn<T>(key: string, job: () => Promise<T>): Promise<T> {
    const prev = this.turns.get(key) ?? Promise.resolve();
    const next = prev.then(job, job);
    const settled = next.catch(() => {});
    this.turns.set(key, settled);
    void settled.then(() => {
      if (this.turns.get(key) === settled) this.turns.delete(key);
    });
    return next;
  }

  /** A room closed: its chat goes with it. */
  async forgetChat(roomId: string): Promise<void> {
    await this.inTurn(`room ${roomId}`, () => this.db.run('DELETE FROM chat WHERE room_id = ?', [roomId]));
  }

  /** Store a chat line as the room's next; drop what is older than the last CHAT_KEEP. */
  addChat(roomId: string, user: string, text: string, atMs: number): Promise<ChatLine> {
    return this.inTurn(`room ${roomId}`, () =>
      this.db.tx(async (t) => {
        const row = await t.get<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM chat WHERE room_id = ?', [roomId]);
        const seq = (row?.seq ?? 0) + 1;
        await t.run('INSERT INTO chat (room_id, seq, at_ms, "user", text) VALUES (?, ?, ?, ?, ?)', [roomId, seq, atMs, user, text]);
        if (seq > CHAT_KEEP) await t.run('DELETE FROM chat WHERE room_id = ? AND seq <= ?', [roomId, seq - CHAT_KEEP]);
        return { roomId, seq, atMs, user, text };
      }),
    );
  }

  /** The last `limit` lines after `afterSeq`, oldest first. */
  async chat(roomId: string, afterSeq: number, limit: number): Promise<ChatLine[]> {
    const rows = await this.db.all<ChatLine>('SELECT room_id AS "roomId", seq, at_ms AS "atMs", "user", text FROM chat WHERE room_id = ? AND seq > ? ORDER BY seq DESC LIMIT ?', [roomId, afterSeq, limit]);
    return rows.reverse();
  }

  /** Store a message; `prevId` is the recipient's message before it (0: none). Throws INBOX_FULL past the bounds. */
  addDm(from: string, to: string, text: string, atMs: number): Promise<{ message: DirectMessage; prevId: number }> {
    return this.inTurn(`inbox ${nocaseKey(to)}`, () =>
      this.db.tx(async (t) => {
        const fromSender = (await t.get<{ n: number }>('SELECT COUNT(*) AS n FROM dms WHERE recipient = ? AND sender = ? AND read_ms IS NULL', [to, from]))!.n;
        if (fromSender >= DMS_UNREAD_PER_SENDER) throw new WatchpartyError('INBOX_FULL', `${to} has ${fromSender} unread messages from you: wait until they read them`);
        if ((await this.unreadOn(t, to)) >= DMS_KEEP) throw new WatchpartyError('INBOX_FULL', `${to} has ${DMS_KEEP} unread messages: wait until they read some`);
        const prevId = (await t.get<{ prevId: number }>('SELECT COALESCE(MAX(id), 0) AS "prevId" FROM dms WHERE recipient = ?', [to]))!.prevId;
        const id = (await t.get<{ id: number }>('INSERT INTO dms (sender, recipient, at_ms, text) VALUES (?, ?, ?, ?) RETURNING id', [from, to, atMs, text]))!.id;
        const n = (await t.get<{ n: number }>('SELECT COUNT(*) AS n FROM dms WHERE recipient = ?', [to]))!.n;
        if (n > DMS_KEEP) await t.run('DELETE FROM dms WHERE id IN (SELECT id FROM dms WHERE recipient = ? AND read_ms IS NOT NULL ORDER BY id LIMIT ?)', [to, n - DMS_KEEP]);
        return { message: { id, from, to, atMs, text, read: false }, prevId };
      }),
    );
  }

  /** `user`'s messages after `afterId`, oldest first. */
  async dms(user: string, afterId: number, limit: number): Promise<DirectMessage[]> {
    const rows = await this.db.all<Omit<DirectMessage, 'read'> & { readMs: number | null }>(
      'SELECT id, sender AS "from", recipient AS "to", at_ms AS "atMs", text, read_ms AS "readMs" FROM dms WHERE recipient = ? AND id > ? ORDER BY id LIMIT ?',
      [user, afterId, limit],
    );
    return rows.map(({ readMs, ...m }) => ({ ...m, read: readMs !== null }));
  }

  unread(user: string): Promise<number> {
    return this.unreadOn(this.db, user);
  }

  private async unreadOn(db: Db, user: string): Promise<number> {
    return (await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM dms WHERE recipient = ? AND read_ms IS NULL', [user]))!.n;
  }

  async markRead(user: string, upToId: number, atMs: number): Promise<void> {
    await this.db.run('UPDATE dms SET read_ms = ? WHERE recipient = ? AND id <= ? AND read_ms IS NULL', [atMs, user, upToId]);
  }

  async setBlocked(user: string, blocked: string, on: boolean): Promise<string[]> {
    if (on) await this.db.run('INSERT INTO blocks ("user", blocked) VALUES (?, ?) ON CONFLICT DO NOTHING', [user, blocked]);
    else await this.db.run('DELETE FROM blocks WHERE "user" = ? AND blocked = ?', [user, blocked]);
    return this.blockedBy(user);
  }

  async blockedBy(user: string): Promise<string[]> {
    return (await this.db.all<{ blocked: string }>('SELECT blocked FROM blocks WHERE "user" = ? ORDER BY blocked', [user])).map((r) => r.blocked);
  }

  async blocks(user: string, sender: string): Promise<boolean> {
    return (await this.db.get('SELECT 1 AS yes FROM blocks WHERE "user" = ? AND blocked = ?', [user, sender])) !== undefined;
  }
}
