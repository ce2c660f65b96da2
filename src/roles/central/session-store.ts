/**
 * Sessions in central's store: only SHA-256 digests of tokens are stored, with when each was made,
 * last used and from where. The lifetime rules are in shared/session-policy.ts; this file only applies them.
 */
import { tokenDigest } from '../shared/token-digest.js';
import { isExpired, shouldTouch, toEvictBeforeAdding, type SessionPolicy } from '../shared/session-policy.js';
import type { Db } from './db.js';

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
    private readonly db: Db,
    private readonly policy: SessionPolicy,
  ) {}

  /** Add a session; returns the digests of the sessions it pushed out (expired, or over the cap). */
  add(token: string, user: string, nowMs: number, source: string): Promise<string[]> {
    return this.db.tx(async (t) => {
      // Two logins at once must not both see room under the cap: PostgreSQL (READ COMMITTED) locks the
      // user's row for the transaction; SQLite's transactions run one at a time anyway.
      if (t.kind === 'postgres') await t.get('SELECT name FROM users WHERE name = ? FOR UPDATE', [user]);
      const rows = await t.all<{ id: string; lastUsedMs: number }>('SELECT token_sha AS id, last_used_ms AS "lastUsedMs" FROM sessions WHERE "user" = ?', [user]);
      const evicted = toEvictBeforeAdding(rows, nowMs, this.policy);
      for (const sha of evicted) await t.run('DELETE FROM sessions WHERE token_sha = ?', [sha]);
      await t.run('INSERT INTO sessions (token_sha, "user", created_ms, last_used_ms, source) VALUES (?, ?, ?, ?, ?)', [tokenDigest(token), user, nowMs, nowMs, source.slice(0, 64)]);
      return evicted;
    });
  }

  /** The user of a live token (recording the use); undefined for a forged, revoked or expired one. */
  async user(token: string, nowMs: number): Promise<string | undefined> {
    const sha = tokenDigest(token);
    const row = await this.db.get<{ user: string; lastUsedMs: number }>('SELECT "user", last_used_ms AS "lastUsedMs" FROM sessions WHERE token_sha = ?', [sha]);
    if (!row) return undefined;
    if (isExpired(row.lastUsedMs, nowMs, this.policy)) {
      await this.db.run('DELETE FROM sessions WHERE token_sha = ?', [sha]);
      return undefined;
    }
    if (shouldTouch(row.lastUsedMs, nowMs, this.policy)) await this.db.run('UPDATE sessions SET last_used_ms = ? WHERE token_sha = ?', [nowMs, sha]);
    return row.user;
  }

  /** Delete one session by token; true when it existed. */
  async delete(token: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM sessions WHERE token_sha = ?', [tokenDigest(token)])) === 1;
  }

  /** A user's sessions, most recently used first. */
  async list(user: string): Promise<SessionInfo[]> {
    const rows = await this.db.all<{ sha: string; createdMs: number; lastUsedMs: number; source: string }>(
      'SELECT token_sha AS sha, created_ms AS "createdMs", last_used_ms AS "lastUsedMs", source FROM sessions WHERE "user" = ? ORDER BY last_used_ms DESC, token_sha',
      [user],
    );
    return rows.map((r) => ({ id: r.sha.slice(0, SESSION_ID_CHARS), createdMs: r.createdMs, lastUsedMs: r.lastUsedMs, source: r.source }));
  }

  /** Delete the user's sessions whose id starts with `idPrefix` (exactly one must match); their digests. */
  async revokeById(user: string, idPrefix: string): Promise<string[]> {
    if (!/^[0-9a-f]{4,64}$/.test(idPrefix)) return [];
    const rows = await this.db.all<{ sha: string }>('SELECT token_sha AS sha FROM sessions WHERE "user" = ? AND substr(token_sha, 1, ?) = ?', [user, idPrefix.length, idPrefix]);
    if (rows.length !== 1) return [];
    await this.db.run('DELETE FROM sessions WHERE token_sha = ?', [rows[0]!.sha]);
    return [rows[0]!.sha];
  }

  /** Delete every session of `user` except `keepToken`'s; their digests. */
  revokeOthers(user: string, keepToken: string | undefined): Promise<string[]> {
    const keep = keepToken ? tokenDigest(keepToken) : '';
    return this.db.tx(async (t) => {
      const rows = await t.all<{ sha: string }>('SELECT token_sha AS sha FROM sessions WHERE "user" = ? AND token_sha != ?', [user, keep]);
      await t.run('DELETE FROM sessions WHERE "user" = ? AND token_sha != ?', [user, keep]);
      return rows.map((r) => r.sha);
    });
  }

  /** Delete every expired session; their digests. */
  sweep(nowMs: number): Promise<string[]> {
    const cutoff = nowMs - this.policy.idleExpiryMs;
    return this.db.tx(async (t) => {
      const rows = await t.all<{ sha: string }>('SELECT token_sha AS sha FROM sessions WHERE last_used_ms <= ?', [cutoff]);
      await t.run('DELETE FROM sessions WHERE last_used_ms <= ?', [cutoff]);
      return rows.map((r) => r.sha);
    });
  }
}
