/**
 * Sessions in central's SQLite file: only SHA-256 digests of tokens are stored, with when each was made,
 * last used and from where. The lifetime rules are in shared/session-policy.ts; this file only applies them.
 */
import type Database from 'better-sqlite3';
import { tokenDigest } from '../shared/token-digest.js';
import { isExpired, shouldTouch, toEvictBeforeAdding, type SessionPolicy } from '../shared/session-policy.js';
import type { Prepare } from './statements.js';

/** A session as `watchparty sessions` lists it: `id` is a prefix of the digest, never the token. */
export interface SessionInfo {
  id: string;
  createdMs: number;
  lastUsedMs: number;
  source: string;
}

/** Characters of the digest shown as a session's id. */
export const SESSION_ID_CHARS = 12;

export class SessionStore {
  constructor(
    private readonly db: Database.Database,
    private readonly sql: Prepare,
    private readonly policy: SessionPolicy,
  ) {
    db.exec('CREATE TABLE IF NOT EXISTS sessions (token_sha TEXT PRIMARY KEY, user TEXT NOT NULL COLLATE NOCASE REFERENCES users(name), created_ms INTEGER NOT NULL)');
    // Files from before session lifetimes: add the columns, counting old sessions as used when made.
    const columns = new Set((db.prepare('PRAGMA table_info(sessions)').all() as { name: string }[]).map((c) => c.name));
    if (!columns.has('last_used_ms')) db.exec('ALTER TABLE sessions ADD COLUMN last_used_ms INTEGER NOT NULL DEFAULT 0; UPDATE sessions SET last_used_ms = created_ms');
    if (!columns.has('source')) db.exec("ALTER TABLE sessions ADD COLUMN source TEXT NOT NULL DEFAULT ''");
    db.exec('CREATE INDEX IF NOT EXISTS sessions_user ON sessions(user)');
  }

  /** Add a session; returns the digests of the sessions it pushed out (expired, or over the cap). */
  add(token: string, user: string, nowMs: number, source: string): string[] {
    return this.db.transaction(() => {
      const rows = this.sql('SELECT token_sha AS id, last_used_ms AS lastUsedMs FROM sessions WHERE user = ?').all(user) as { id: string; lastUsedMs: number }[];
      const evicted = toEvictBeforeAdding(rows, nowMs, this.policy);
      const del = this.sql('DELETE FROM sessions WHERE token_sha = ?');
      for (const sha of evicted) del.run(sha);
      this.sql('INSERT INTO sessions (token_sha, user, created_ms, last_used_ms, source) VALUES (?, ?, ?, ?, ?)').run(tokenDigest(token), user, nowMs, nowMs, source.slice(0, 64));
      return evicted;
    })();
  }

  /** The user of a live token (recording the use); undefined for a forged, revoked or expired one. */
  user(token: string, nowMs: number): string | undefined {
    const sha = tokenDigest(token);
    const row = this.sql('SELECT user, last_used_ms AS lastUsedMs FROM sessions WHERE token_sha = ?').get(sha) as { user: string; lastUsedMs: number } | undefined;
    if (!row) return undefined;
    if (isExpired(row.lastUsedMs, nowMs, this.policy)) {
      this.sql('DELETE FROM sessions WHERE token_sha = ?').run(sha);
      return undefined;
    }
    if (shouldTouch(row.lastUsedMs, nowMs, this.policy)) this.sql('UPDATE sessions SET last_used_ms = ? WHERE token_sha = ?').run(nowMs, sha);
    return row.user;
  }

  /** Delete one session by token; true when it existed. */
  delete(token: string): boolean {
    return this.sql('DELETE FROM sessions WHERE token_sha = ?').run(tokenDigest(token)).changes === 1;
  }

  /** A user's sessions, most recently used first. */
  list(user: string): SessionInfo[] {
    const rows = this.sql('SELECT token_sha AS sha, created_ms AS createdMs, last_used_ms AS lastUsedMs, source FROM sessions WHERE user = ? ORDER BY last_used_ms DESC, token_sha')
      .all(user) as { sha: string; createdMs: number; lastUsedMs: number; source: string }[];
    return rows.map((r) => ({ id: r.sha.slice(0, SESSION_ID_CHARS), createdMs: r.createdMs, lastUsedMs: r.lastUsedMs, source: r.source }));
  }

  /** Delete the user's sessions whose id starts with `idPrefix` (exactly one must match); their digests. */
  revokeById(user: string, idPrefix: string): string[] {
    if (!/^[0-9a-f]{4,64}$/.test(idPrefix)) return [];
    const rows = this.sql("SELECT token_sha AS sha FROM sessions WHERE user = ? AND substr(token_sha, 1, ?) = ?").all(user, idPrefix.length, idPrefix) as { sha: string }[];
    if (rows.length !== 1) return [];
    this.sql('DELETE FROM sessions WHERE token_sha = ?').run(rows[0]!.sha);
    return [rows[0]!.sha];
  }

  /** Delete every session of `user` except `keepToken`'s; their digests. */
  revokeOthers(user: string, keepToken: string | undefined): string[] {
    const keep = keepToken ? tokenDigest(keepToken) : '';
    return this.db.transaction(() => {
      const rows = this.sql('SELECT token_sha AS sha FROM sessions WHERE user = ? AND token_sha != ?').all(user, keep) as { sha: string }[];
      this.sql('DELETE FROM sessions WHERE user = ? AND token_sha != ?').run(user, keep);
      return rows.map((r) => r.sha);
    })();
  }

  /** Delete every expired session; their digests. */
  sweep(nowMs: number): string[] {
    const cutoff = nowMs - this.policy.idleExpiryMs;
    return this.db.transaction(() => {
      const rows = this.sql('SELECT token_sha AS sha FROM sessions WHERE last_used_ms <= ?').all(cutoff) as { sha: string }[];
      this.sql('DELETE FROM sessions WHERE last_used_ms <= ?').run(cutoff);
      return rows.map((r) => r.sha);
    })();
  }
}
