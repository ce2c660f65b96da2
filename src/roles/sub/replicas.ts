/**
 * The sub's replicas: every catalogue video is pulled from central in chunks into `<id>.part`,
 * with a few requests in flight, re-requested from where it stopped when nothing arrives for a while,
 * and renamed to `<id>` only after its sha256 matches. A restarted sub resumes from the `.part` size.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Peer } from '../../net/peer.js';
import type { Transfer, VideoInfo } from '../../net/messages.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { hashFile } from '../files.js';

export interface ReplicaPolicy {
  chunkBytes: number;
  /** Requests in flight per transfer: hides the round trip without holding more than a few chunks. */
  window: number;
  /** Transfers at once per sub. */
  parallel: number;
  /** No chunk for this long and the transfer is re-requested from its stored offset. */
  stallMs: number;
}

export const REPLICA_POLICY: ReplicaPolicy = { chunkBytes: 4 * 1024 * 1024, window: 2, parallel: 2, stallMs: 10_000 };

export class Replicator {
  private readonly have = new Set<number>();
  private readonly active = new Map<number, Transfer>();
  private readonly catalogue = new Map<number, VideoInfo>();
  private syncing = false;
  private again = false;
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly log: Logger,
    private readonly central: () => Peer | undefined,
    private readonly changed: () => void,
    private readonly policy: ReplicaPolicy = REPLICA_POLICY,
  ) {
    this.dir = path.join(dataDir, 'replicas');
    this.rescan();
  }

  /** Re-read the folder (after a wipe, or at start): finished files are verified replicas. */
  rescan(): void {
    this.have.clear();
    fs.mkdirSync(this.dir, { recursive: true });
    for (const f of fs.readdirSync(this.dir)) if (/^\d+$/.test(f)) this.have.add(Number(f));
  }

  replicas(): number[] {
    return [...this.have].sort((a, b) => a - b);
  }

  transfers(): Transfer[] {
    return [...this.active.values()].map((t) => ({ ...t }));
  }

  video(id: number): VideoInfo | undefined {
    return this.catalogue.get(id);
  }

  /** The verified file for `id`, or undefined while it is still arriving. */
  file(id: number): string | undefined {
    return this.have.has(id) ? path.join(this.dir, String(id)) : undefined;
  }

  /** Percent of `id` received so far (for "still arriving: N %"). */
  progress(id: number): number {
    const t = this.active.get(id);
    return t && t.size > 0 ? Math.floor((t.offset / t.size) * 100) : 0;
  }

  /** Learn of a new video (central's event) and fetch it. */
  added(video: VideoInfo): void {
    this.catalogue.set(video.id, video);
    void this.sync();
  }

  /** Compare replicas with the catalogue and pull what is missing. Safe to call any time. */
  async sync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.again = false;
        const central = this.central();
        if (!central) return;
        const { videos } = await central.request('replica.list', {});
        for (const v of videos) this.catalogue.set(v.id, v);
        const missing = videos.filter((v) => !this.have.has(v.id) && !this.active.has(v.id));
        // Start up to `parallel` transfers; each finished one triggers another sync for the rest.
        for (const v of missing.slice(0, Math.max(0, this.policy.parallel - this.active.size))) void this.transfer(v);
      } while (this.again);
    } catch (err) {
      this.log.warn(`cannot compare replicas with the catalogue: ${(err as Error).message}`);
    } finally {
      this.syncing = false;
    }
  }

  private async transfer(v: VideoInfo): Promise<void> {
    const part = path.join(this.dir, `${v.id}.part`);
    let offset = 0;
    try {
      offset = (await fsp.stat(part)).size;
    } catch {
      /* new transfer */
    }
    if (offset > v.size) offset = 0;
    const fh = await fsp.open(part, offset === 0 ? 'w' : 'r+');
    const started = Date.now();
    const startOffset = offset;
    this.active.set(v.id, { videoId: v.id, offset, size: v.size });
    this.changed();
    if (offset > 0) this.log.info(`resuming replica of "${v.name}" at ${offset} of ${v.size} bytes`);
    else this.log.info(`replicating "${v.name}" (#${v.id}, ${v.size} bytes)`);
    let ok = false;
    try {
      while (offset < v.size) {
        const central = this.central();
        if (!central) throw new WatchpartyError('DISCONNECTED', 'central is gone');
        try {
          offset = await this.pullWindowed(central, fh, v, offset);
        } catch (err) {
          if ((err as WatchpartyError).code !== 'TIMEOUT') throw err;
          const stored = (await fh.stat()).size;
          this.log.warn(`replica of "${v.name}" stalled at ${stored} of ${v.size} bytes: re-requesting from there`);
          offset = stored;
        }
      }
      await fh.close();
      const sha = await hashFile(part);
      if (sha !== v.sha256) {
        await fsp.rm(part, { force: true });
        throw new WatchpartyError('UPLOAD_MISMATCH', `replica of "${v.name}" hashes to ${sha.slice(0, 12)}…, expected ${v.sha256.slice(0, 12)}…; starting over`);
      }
      await fsp.rename(part, path.join(this.dir, String(v.id)));
      this.have.add(v.id);
      ok = true;
      const secs = Math.max(0.001, (Date.now() - started) / 1000);
      this.log.info(`replica of "${v.name}" verified (sha256 ok): ${((v.size - startOffset) / 1e6).toFixed(1)} MB in ${secs.toFixed(1)} s, ${((v.size - startOffset) / 1e6 / secs).toFixed(0)} MB/s`);
    } catch (err) {
      this.log.warn(`replica of "${v.name}" paused at ${offset} bytes: ${(err as Error).message}`);
    } finally {
      await fh.close().catch(() => {});
      this.active.delete(v.id);
      this.changed();
      if (ok || this.central()) void this.sync();
    }
  }

  /** Keep `window` chunk requests in flight, writing replies in order; returns the new offset. */
  private async pullWindowed(central: Peer, fh: fsp.FileHandle, v: VideoInfo, from: number): Promise<number> {
    const { chunkBytes, window, stallMs } = this.policy;
    let next = from;
    let offset = from;
    const inFlight: Promise<{ payload: Buffer | undefined }>[] = [];
    const ask = () => {
      const length = Math.min(chunkBytes, v.size - next);
      inFlight.push(central.requestWithPayload('replica.chunk', { videoId: v.id, offset: next, length }, { timeoutMs: stallMs }));
      next += length;
    };
    while (inFlight.length < window && next < v.size) ask();
    while (inFlight.length > 0) {
      const { payload } = await inFlight.shift()!;
      if (!payload || payload.length === 0) throw new WatchpartyError('BAD_MESSAGE', `empty chunk at ${offset}`);
      await fh.write(payload, 0, payload.length, offset);
      offset += payload.length;
      this.active.set(v.id, { videoId: v.id, offset, size: v.size });
      if (next < v.size) ask();
    }
    return offset;
  }
}
