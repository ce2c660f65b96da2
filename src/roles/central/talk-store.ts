/**
 * Room chat and direct messages in central's SQLite file. A chat line gets the next number of its
 * room in the same transaction that stores it; a direct message is stored (and so durable) before its
 * sender hears it was sent, and stays until its recipient's account goes: devices list what they have
 * not shown by id, and reading marks it on every device.
 */
import type Database from 'better-sqlite3';
import type { ChatLine, DirectMessage } from '../../net/chat-messages.js';
import type { Prepare } from './statements.js';
import { WatchpartyError } from '../../core/errors.js';

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
  constructor(
    private readonly db: Database.Database,
    private readonly sql: Prepare,
  ) {
    db.exec(`
CREATE TABLE IF NOT EXISTS chat (room_id TEXT NOT NULL, seq INTEGER NOT NULL, at_ms INTEGER NOT NULL, user TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (room_id, seq));
CREATE TABLE IF NOT EXISTS dms (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sender TEXT NOT NULL COLLATE NOCASE,
  recipient TEXT NOT NULL COLLATE NOCASE,
  at_ms INTEGER NOT NULL,
  text TEXT NOT NULL,
  read_ms INTEGER
);
CREATE INDEX IF NOT EXISTS dms_recipient ON dms(recipient, id);
CREATE TABLE IF NOT EXISTS blocks (user TEXT NOT NULL COLLATE NOCASE, blocked TEXT NOT NULL COLLATE NOCASE, PRIMARY KEY (user, blocked));`);
  }

  /** A room closed: its chat goes with it. */
  forgetChat(roomId: string): void {
    this.sql('DELETE FROM chat WHERE room_id = ?').run(roomId);
  }

  /** Store a chat line as the room's next; drop what is older than the last CHAT_KEEP. */
  addChat(roomId: string, user: string, text: string, atMs: number): ChatLine {
    return this.db.transaction(() => {
      const row = this.sql('SELECT MAX(seq) AS seq FROM chat WHERE room_id = ?').get(roomId) as { seq: number | null };
      const seq = (row.seq ?? 0) + 1;
      this.sql('INSERT INTO chat (room_id, seq, at_ms, user, text) VALUES (?, ?, ?, ?, ?)').run(roomId, seq, atMs, user, text);
      if (seq > CHAT_KEEP) this.sql('DELETE FROM chat WHERE room_id = ? AND seq <= ?').run(roomId, seq - CHAT_KEEP);
      return { roomId, seq, atMs, user, text };
    })();
  }

  /** The last `limit` lines after `afterSeq`, oldest first. */
  chat(roomId: string, afterSeq: number, limit: number): ChatLine[] {
    const rows = this.sql('SELECT room_id AS roomId, seq, at_ms AS atMs, user, text FROM chat WHERE room_id = ? AND seq > ? ORDER BY seq DESC LIMIT ?').all(roomId, afterSeq, limit) as ChatLine[];
    return rows.reverse();
  }

  /** Store a message; `prevId` is the recipient's message before it (0: none). Throws INBOX_FULL past the bounds. */
  addDm(from: string, to: string, text: string, atMs: number): { message: DirectMessage; prevId: number } {
    return this.db.transaction(() => {
      const { fromSender } = this.sql('SELECT COUNT(*) AS fromSender FROM dms WHERE recipient = ? AND sender = ? AND read_ms IS NULL').get(to, from) as { fromSender: number };
      if (fromSender >= DMS_UNREAD_PER_SENDER) throw new WatchpartyError('INBOX_FULL', `${to} has ${fromSender} unread messages from you: wait until they read them`);
      if (this.unread(to) >= DMS_KEEP) throw new WatchpartyError('INBOX_FULL', `${to} has ${DMS_KEEP} unread messages: wait until they read some`);
      const { prevId } = this.sql('SELECT COALESCE(MAX(id), 0) AS prevId FROM dms WHERE recipient = ?').get(to) as { prevId: number };
      const info = this.sql('INSERT INTO dms (sender, recipient, at_ms, text) VALUES (?, ?, ?, ?)').run(from, to, atMs, text);
      const { n } = this.sql('SELECT COUNT(*) AS n FROM dms WHERE recipient = ?').get(to) as { n: number };
      if (n > DMS_KEEP) this.sql('DELETE FROM dms WHERE id IN (SELECT id FROM dms WHERE recipient = ? AND read_ms IS NOT NULL ORDER BY id LIMIT ?)').run(to, n - DMS_KEEP);
      return { message: { id: Number(info.lastInsertRowid), from, to, atMs, text, read: false }, prevId };
    })();
  }

  /** `user`'s messages after `afterId`, oldest first. */
  dms(user: string, afterId: number, limit: number): DirectMessage[] {
    const rows = this.sql('SELECT id, sender AS "from", recipient AS "to", at_ms AS atMs, text, read_ms AS readMs FROM dms WHERE recipient = ? AND id > ? ORDER BY id LIMIT ?').all(user, afterId, limit) as (Omit<DirectMessage, 'read'> & { readMs: number | null })[];
    return rows.map(({ readMs, ...m }) => ({ ...m, read: readMs !== null }));
  }

  unread(user: string): number {
    return (this.sql('SELECT COUNT(*) AS n FROM dms WHERE recipient = ? AND read_ms IS NULL').get(user) as { n: number }).n;
  }

  markRead(user: string, upToId: number, atMs: number): void {
    this.sql('UPDATE dms SET read_ms = ? WHERE recipient = ? AND id <= ? AND read_ms IS NULL').run(atMs, user, upToId);
  }

  setBlocked(user: string, blocked: string, on: boolean): string[] {
    if (on) this.sql('INSERT INTO blocks (user, blocked) VALUES (?, ?) ON CONFLICT DO NOTHING').run(user, blocked);
    else this.sql('DELETE FROM blocks WHERE user = ? AND blocked = ?').run(user, blocked);
    return this.blockedBy(user);
  }

  blockedBy(user: string): string[] {
    return (this.sql('SELECT blocked FROM blocks WHERE user = ? ORDER BY blocked').all(user) as { blocked: string }[]).map((r) => r.blocked);
  }

  blocks(user: string, sender: string): boolean {
    return this.sql('SELECT 1 FROM blocks WHERE user = ? AND blocked = ?').get(user, sender) !== undefined;
  }
}
