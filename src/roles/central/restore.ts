/**
 * A central that took over the leadership on another machine has the whole catalogue (it is in the
 * shared PostgreSQL) but not the videos' bytes, which live under each central's own --data. It restores
 * every video it lacks from a sub that holds a verified replica, one at a time, and a copy takes its
 * place only once its sha256 matches the catalogue's. Until then a sub asking for chunks of that video
 * is told to try again shortly (videos.ts); subs that already hold it never notice.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import crypto from 'node:crypto';
import type { Peer } from '../../net/peer.js';
import type { Logger } from '../../core/log.js';
import type { VideoRow } from './catalogue.js';

/** Bytes per request: small enough not to hold up the sub's probes on its control link for long. */
const CHUNK_BYTES = 1024 * 1024;

export interface RestoreDeps {
  video(id: number): VideoRow | undefined;
  videos(): VideoRow[];
  videoPath(id: number): string;
  /** Control links of the subs whose last probe listed a verified replica of `id`. */
  holders(id: number): Peer[];
  log: Logger;
}

export class VideoRestore {
  private missing: Set<number> | undefined;
  private running = false;
  /** Restored since this central started leading, for the log and the tests. */
  restored = 0;

  constructor(private readonly d: RestoreDeps) {}

  /** On the central's tick: start the next restore that has a sub to come from, unless one runs. */
  poke(): void {
    if (this.running) return;
    if (!this.missing) {
      this.missing = new Set(this.d.videos().filter((v) => !fs.existsSync(this.d.videoPath(v.id))).map((v) => v.id));
      if (this.missing.size > 0) this.d.log.info(`${this.missing.size} video(s) of the catalogue are not on this machine: restoring them from the subs`);
    }
    for (const id of this.missing) {
      const video = this.d.video(id);
      if (!video) {
        this.missing.delete(id);
        continue;
      }
      const from = this.d.holders(id);
      if (from.length === 0) continue;
      this.running = true;
      void this.restore(video, from)
        .then((ok) => {
          if (!ok) return;
          this.missing?.delete(id);
          this.restored += 1;
        })
        .finally(() => (this.running = false));
      return;
    }
  }

  /** Copy `video` from the first sub that gives all of it with the right hash. */
  private async restore(video: VideoRow, from: Peer[]): Promise<boolean> {
    const target = this.d.videoPath(video.id);
    const part = `${target}.restoring`;
    for (const peer of from) {
      const startedMs = Date.now();
      try {
        await this.copy(video, peer, part);
        await fsp.rename(part, target);
        this.d.log.info(`restored video #${video.id} "${video.name}" (${video.size} bytes) from ${peer.name} in ${Date.now() - startedMs} ms`);
        return true;
      } catch (err) {
        await fsp.rm(part, { force: true }).catch(() => {});
        this.d.log.warn(`could not restore video #${video.id} from ${peer.name}: ${(err as Error).message}`);
      }
    }
    return false;
  }

  private async copy(video: VideoRow, peer: Peer, part: string): Promise<void> {
    const hash = crypto.createHash('sha256');
    const fh = await fsp.open(part, 'w', 0o600);
    try {
      let offset = 0;
      while (offset < video.size) {
        const { result, payload } = await peer.requestWithPayload('replica.read', { videoId: video.id, offset, length: Math.min(CHUNK_BYTES, video.size - offset) });
        if (result.offset !== offset || result.size !== video.size || !payload || payload.length === 0) throw new Error(`the sub answered ${payload?.length ?? 0} bytes at ${result.offset} of ${result.size}, not from ${offset} of ${video.size}`);
        await fh.write(payload, 0, payload.length, offset);
        hash.update(payload);
        offset += payload.length;
      }
    } finally {
      await fh.close();
    }
    const sha = hash.digest('hex');
    if (sha !== video.sha256) throw new Error(`the copy hashes to ${sha.slice(0, 12)}…, not ${video.sha256.slice(0, 12)}…`);
  }
}
