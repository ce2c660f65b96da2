/**
 * A central that took over the leadership on another machine has the whole catalogue (it is in the
 * shared PostgreSQL) but not the bytes of videos and renditions, which live under each central's own
 * --data. It restores each one it lacks from a sub that holds a verified replica, one at a time, and a
 * copy takes its place only once its sha256 matches the catalogue's. Until then a sub asking for chunks
 * of it is told to try again shortly; subs that already hold it never notice.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import crypto from 'node:crypto';
import type { Peer } from '../../net/peer.js';
import type { Logger } from '../../core/log.js';
import type { ReplicaKindName } from '../../net/messages.js';

/** A file central should hold: a published video, or an accepted rendition. */
export interface RestoreItem {
  kind: ReplicaKindName;
  id: number;
  name: string;
  size: number;
  sha256: string;
  /** Where central keeps it. */
  path: string;
}

/** Bytes per request: small enough not to hold up the sub's probes on its control link for long. */
const CHUNK_BYTES = 1024 * 1024;

export interface RestoreDeps {
  /** Everything central should hold now. */
  items(): RestoreItem[];
  /** Control links of the subs whose last probe listed a verified replica of it. */
  holders(kind: ReplicaKindName, id: number): Peer[];
  log: Logger;
}

const keyOf = (i: { kind: ReplicaKindName; id: number }) => `${i.kind} #${i.id}`;

/** Whether central holds `item` already (a file of another size is a stale copy from an earlier leadership). */
function holds(item: RestoreItem): boolean {
  try {
    return fs.statSync(item.path).size === item.size;
  } catch {
    return false;
  }
}

export class VideoRestore {
  private missing: Set<string> | undefined;
  /** Items that failed: not tried again before this time (a full disk, a sub that pruned its copy). */
  private readonly retryAt = new Map<string, { atMs: number; failures: number }>();
  private running = false;
  /** Restored since this central started leading, for the log and the tests. */
  restored = 0;

  constructor(private readonly d: RestoreDeps) {}

  /** On the central's tick: start the next restore that has a sub to come from, unless one runs. */
  poke(): void {
    if (this.running) return;
    if (!this.missing) {
      this.missing = new Set(this.d.items().filter((i) => !holds(i)).map(keyOf));
      if (this.missing.size > 0) this.d.log.info(`${this.missing.size} video(s) and rendition(s) of the catalogue are not on this machine: restoring them from the subs`);
    }
    if (this.missing.size === 0) return;
    const items = new Map(this.d.items().map((i) => [keyOf(i), i]));
    const now = Date.now();
    for (const key of this.missing) {
      const item = items.get(key);
      if (!item) {
        this.missing.delete(key);
        continue;
      }
      if ((this.retryAt.get(key)?.atMs ?? 0) > now) continue;
      const from = this.d.holders(item.kind, item.id);
      if (from.length === 0) continue;
      this.running = true;
      void this.restore(item, from)
        .then((ok) => {
          if (!ok) {
            const failures = (this.retryAt.get(key)?.failures ?? 0) + 1;
            this.retryAt.set(key, { atMs: Date.now() + Math.min(60_000, 1000 * 2 ** failures), failures });
            return;
          }
          this.retryAt.delete(key);
          this.missing?.delete(key);
          this.restored += 1;
        })
        .finally(() => (this.running = false));
      return;
    }
  }

  /** Copy `item` from the first sub that gives all of it with the right hash. */
  private async restore(item: RestoreItem, from: Peer[]): Promise<boolean> {
    const part = `${item.path}.restoring`;
    for (const peer of from) {
      const startedMs = Date.now();
      try {
        await this.copy(item, peer, part);
        // Deleted from the catalogue while it was copied: the copy must not linger as an orphan.
        if (!this.d.items().some((i) => keyOf(i) === keyOf(item))) {
          await fsp.rm(part, { force: true });
          return true;
        }
        await fsp.rename(part, item.path);
        this.d.log.info(`restored ${item.kind} #${item.id} "${item.name}" (${item.size} bytes) from ${peer.name} in ${Date.now() - startedMs} ms`);
        return true;
      } catch (err) {
        await fsp.rm(part, { force: true }).catch(() => {});
        this.d.log.warn(`could not restore ${item.kind} #${item.id} from ${peer.name}: ${(err as Error).message}`);
      }
    }
    return false;
  }

  private async copy(item: RestoreItem, peer: Peer, part: string): Promise<void> {
    const hash = crypto.createHash('sha256');
    const fh = await fsp.open(part, 'w', 0o600);
    try {
      let offset = 0;
      while (offset < item.size) {
        const { result, payload } = await peer.requestWithPayload('replica.read', { kind: item.kind, itemId: item.id, offset, length: Math.min(CHUNK_BYTES, item.size - offset) });
        if (result.offset !== offset || result.size !== item.size || !payload || payload.length === 0) throw new Error(`the sub answered ${payload?.length ?? 0} bytes at ${result.offset} of ${result.size}, not from ${offset} of ${item.size}`);
        await fh.write(payload, 0, payload.length, offset);
        hash.update(payload);
        offset += payload.length;
      }
    } finally {
      await fh.close();
    }
    const sha = hash.digest('hex');
    if (sha !== item.sha256) throw new Error(`the copy hashes to ${sha.slice(0, 12)}…, not ${item.sha256.slice(0, 12)}…`);
  }
}
