/**
 * The catalogue's write path and replication source on central: name reservations with leases,
 * resumable chunked uploads into `uploads/<id>.part`, verified finalize (size, sha256, ffprobe) and an
 * atomic rename into `videos/<id>`, and chunk reads for subs. Files are streamed, never read whole.
 */
import { UPLOAD_CHUNK_BYTES } from '../../net/frame.js';
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { VideoInfo } from '../../net/messages.js';
import { isDiskFull, WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { checkVideoName } from '../shared/video-name.js';
import { probeVideo } from './probe-video.js';
import { hashFile, readChunk } from '../files.js';
import { formatBytes } from '../shared/format-bytes.js';
import { spaceVerdict } from './space-policy.js';
import { PendingDeletes } from './pending-deletes.js';
import type { CentralStore, UploadRow, VideoRow } from './store.js';

/** A few MB per chunk: big enough that per-message costs vanish, small enough to bound memory. */
export const CHUNK_BYTES = UPLOAD_CHUNK_BYTES;
export const DEFAULT_LEASE_MS = 30_000;
const MAX_VIDEO_BYTES = 256 * 1024 ** 3;

export interface VideoHooks {
  /** How many subs hold a verified replica of a video. */
  replicaCount(videoId: number): number;
  /** What the media jobs made of it so far (renditions, progress). */
  extras(videoId: number): Pick<VideoInfo, 'renditions' | 'processing'>;
  published(video: VideoInfo): void;
}

/** What `upload.begin` answers: where to (re)start and how. */
export interface UploadStart {
  uploadId: string;
  offset: number;
  chunkBytes: number;
  leaseMs: number;
  resumed: boolean;
}

export class VideoService {
  private readonly leases = new Map<string, number>();
  /** Stored bytes per upload, so chunk checks need no stat. */
  private readonly stored = new Map<string, number>();
  /** One operation at a time per upload: chunks and finish must not interleave. */
  private readonly chains = new Map<string, Promise<unknown>>();
  /** Uploads whose bytes are gone but whose row a full database would not delete yet. */
  private readonly pendingDeletes: PendingDeletes;
  private sweeping = false;
  readonly videoDir: string;
  readonly uploadDir: string;

  constructor(
    dataDir: string,
    private readonly store: CentralStore,
    private readonly log: Logger,
    private readonly hooks: VideoHooks,
    readonly leaseMs: number = DEFAULT_LEASE_MS,
  ) {
    this.videoDir = path.join(dataDir, 'videos');
    this.uploadDir = path.join(dataDir, 'uploads');
    this.pendingDeletes = new PendingDeletes((id) => this.store.catalogue.deleteUpload(id), leaseMs, log);
    fs.mkdirSync(this.videoDir, { recursive: true });
    fs.mkdirSync(this.uploadDir, { recursive: true });
    const now = Date.now();
    const known = new Set<string>();
    for (const u of this.store.catalogue.uploads()) {
      known.add(`${u.id}.part`);
      // A reservation whose bytes are on another central (this one took over as leader) starts again
      // from zero here: the uploader resumes from what this central holds.
      if (!fs.existsSync(this.partPath(u.id))) fs.writeFileSync(this.partPath(u.id), '', { mode: 0o600 });
      const size = this.partSize(u.id);
      this.stored.set(u.id, size);
      // Reservations survive a restart with a fresh lease, so an interrupted upload can resume.
      this.leases.set(u.id, now + leaseMs);
      this.log.info(`upload of "${u.name}" by ${u.user} can resume at ${size} of ${u.size} bytes`);
    }
    for (const f of fs.readdirSync(this.uploadDir)) if (!known.has(f)) fs.rmSync(path.join(this.uploadDir, f), { force: true });
  }

  private partPath(id: string): string {
    return path.join(this.uploadDir, `${id}.part`);
  }

  videoPath(id: number): string {
    return path.join(this.videoDir, String(id));
  }

  private partSize(id: string): number {
    try {
      return fs.statSync(this.partPath(id)).size;
    } catch {
      return 0;
    }
  }

  info(v: VideoRow): VideoInfo {
    return { ...v, replicas: this.hooks.replicaCount(v.id), ...this.hooks.extras(v.id) };
  }

  list(): VideoInfo[] {
    return this.store.videos().map((v) => this.info(v));
  }

  uploadsInProgress(): { name: string; user: string; stored: number; size: number }[] {
    return this.store.catalogue.uploads().map((u) => ({ name: u.name, user: u.user, stored: this.stored.get(u.id) ?? 0, size: u.size }));
  }

  private serial<T>(id: string, job: () => Promise<T>): Promise<T> {
    const prev = this.chains.get(id) ?? Promise.resolve();
    const next = prev.then(job, job);
    this.chains.set(id, next.catch(() => {}));
    return next;
  }

  private ownUpload(user: string, id: string): UploadRow {
    const row = this.store.catalogue.upload(id);
    if (!row || row.user.toLowerCase() !== user.toLowerCase()) throw new WatchpartyError('UNKNOWN_UPLOAD', `no upload ${id.slice(0, 8)}… of yours (finished, cancelled or expired)`);
    return row;
  }

  /** Reserve `name` for `user`, or resume their own reservation of the same file. */
  begin(user: string, p: { name: string; size: number; sha256: string }): Promise<UploadStart> {
    // One begin at a time, so two uploads cannot both be promised the same free space.
    return this.serial('#begin', () => this.beginNow(user, p));
  }

  private async beginNow(user: string, p: { name: string; size: number; sha256: string }): Promise<UploadStart> {
    const name = checkVideoName(p.name);
    if (p.size === 0) throw new WatchpartyError('EMPTY_FILE', 'the file is empty: there is nothing to upload');
    if (p.size > MAX_VIDEO_BYTES) throw new WatchpartyError('BAD_INPUT', `the file is larger than ${MAX_VIDEO_BYTES / 1024 ** 3} GiB`);
    if (this.store.videoByName(name)) throw new WatchpartyError('VIDEO_NAME_TAKEN', `a video named "${name}" exists already`);
    const existing = this.store.catalogue.uploadByName(name);
    if (existing && this.pendingDeletes.has(existing.id)) {
      // Its bytes were freed on expiry; the row goes now, or the disk is still too full to take more.
      if (await this.pendingDeletes.delete(existing.id)) return this.beginNow(user, p);
      throw new WatchpartyError('NO_SPACE', `central's disk is full: "${name}" stays reserved by an expired upload until there is room`, {
        hint: 'Ask the operator to free space on central, then try again.',
      });
    }
    if (existing) {
      if (existing.user.toLowerCase() === user.toLowerCase() && existing.sha256 === p.sha256 && existing.size === p.size) {
        await this.checkSpace(p.size - (this.stored.get(existing.id) ?? 0), existing.id);
        this.leases.set(existing.id, Date.now() + this.leaseMs);
        const offset = this.stored.get(existing.id) ?? 0;
        this.log.info(`resuming upload of "${name}" by ${user} at offset ${offset} of ${p.size}`);
        return { uploadId: existing.id, offset, chunkBytes: CHUNK_BYTES, leaseMs: this.leaseMs, resumed: true };
      }
      throw new WatchpartyError('VIDEO_NAME_RESERVED', `"${name}" is being uploaded by ${existing.user === user ? 'you (a different file)' : existing.user}`);
    }
    await this.checkSpace(p.size);
    const id = crypto.randomBytes(16).toString('hex');
    await fsp.writeFile(this.partPath(id), '');
    if (!(await this.store.catalogue.addUpload({ id, name, user, size: p.size, sha256: p.sha256, createdMs: Date.now() }))) {
      await fsp.rm(this.partPath(id), { force: true });
      throw new WatchpartyError('VIDEO_NAME_RESERVED', `"${name}" was just reserved by another upload`);
    }
    this.stored.set(id, 0);
    this.leases.set(id, Date.now() + this.leaseMs);
    this.log.info(`reserved "${name}" for ${user} (${p.size} bytes, lease ${this.leaseMs / 1000} s)`);
    return { uploadId: id, offset: 0, chunkBytes: CHUNK_BYTES, leaseMs: this.leaseMs, resumed: false };
  }

  /** Refuse with NO_SPACE unless `needBytes` fit beside what the other uploads in progress still need. */
  private async checkSpace(needBytes: number, exceptId?: string): Promise<void> {
    const st = await fsp.statfs(this.uploadDir);
    let reservedBytes = 0;
    for (const u of this.store.catalogue.uploads()) if (u.id !== exceptId && !this.pendingDeletes.has(u.id)) reservedBytes += Math.max(0, u.size - (this.stored.get(u.id) ?? 0));
    const verdict = spaceVerdict({ freeBytes: st.bavail * st.bsize, totalBytes: st.blocks * st.bsize, reservedBytes, needBytes });
    if (!verdict.ok) {
      this.log.warn(`refused an upload: ${verdict.message} (data in ${this.uploadDir})`);
      throw new WatchpartyError('NO_SPACE', verdict.message, { hint: 'Ask the operator to free space on central, or upload a smaller file.' });
    }
  }

  /** Append a chunk at `offset`; a resent chunk that is already stored is acknowledged again. */
  chunk(user: string, id: string, offset: number, payload: Buffer | undefined): Promise<{ offset: number }> {
    return this.serial(id, async () => {
      const row = this.ownUpload(user, id);
      const data = payload ?? Buffer.alloc(0);
      this.leases.set(id, Date.now() + this.leaseMs);
      const have = this.stored.get(id) ?? 0;
      if (offset !== have) {
        if (offset < have && offset + data.length <= have) return { offset: have };
        throw new WatchpartyError('OFFSET_MISMATCH', `chunk at ${offset} does not continue the ${have} bytes stored`, { details: { offset: have } });
      }
      if (have + data.length > row.size) throw new WatchpartyError('UPLOAD_MISMATCH', `more bytes than the ${row.size} announced`);
      const fh = await fsp.open(this.partPath(id), 'r+');
      try {
        await fh.write(data, 0, data.length, have);
      } catch (err) {
        if (!isDiskFull(err)) throw err;
        // Give back whatever part of the chunk did land, so the failed write holds no space.
        await fh.truncate(have).catch(() => {});
        this.log.warn(`central's disk is full: upload of "${row.name}" by ${row.user} stopped at ${have} of ${row.size} bytes`);
        throw new WatchpartyError('NO_SPACE', `central ran out of disk space while storing this upload (${formatBytes(have)} of ${formatBytes(row.size)} stored)`, {
          hint: 'Ask the operator to free space on central, then run the same upload again to resume.',
        });
      } finally {
        await fh.close();
      }
      this.stored.set(id, have + data.length);
      return { offset: have + data.length };
    });
  }

  /** Verify and publish; any failure drops the reservation and its bytes, so the name is free again. */
  finish(user: string, id: string): Promise<{ video: VideoInfo }> {
    return this.serial(id, async () => {
      const row = this.ownUpload(user, id);
      const part = this.partPath(id);
      try {
        const have = this.stored.get(id) ?? 0;
        if (have !== row.size) throw new WatchpartyError('UPLOAD_MISMATCH', `received ${have} of ${row.size} bytes`);
        // Hashing a big file takes a while: keep the lease alive meanwhile.
        this.leases.set(id, Number.MAX_SAFE_INTEGER);
        const sha = await hashFile(part);
        if (sha !== row.sha256) throw new WatchpartyError('UPLOAD_MISMATCH', `the stored bytes hash to ${sha.slice(0, 12)}…, not ${row.sha256.slice(0, 12)}…`);
        const facts = await probeVideo(part);
        const videoId = await this.store.catalogue.reserveVideoId();
        const target = this.videoPath(videoId);
        await fsp.rename(part, target);
        let video: VideoRow;
        try {
          video = await this.store.catalogue.publishVideo(id, { id: videoId, name: row.name, size: row.size, sha256: row.sha256, ...facts, uploader: row.user, createdMs: Date.now() });
        } catch (err) {
          // Put the bytes back where the reservation expects them, so a retry (or the lease sweep) finds them.
          await fsp.rename(target, part).catch(() => fsp.rm(target, { force: true }));
          throw err;
        }
        this.forget(id);
        this.log.info(`published "${video.name}" (#${video.id}, ${row.size} bytes, ${(facts.durationMs / 1000).toFixed(1)} s, ${facts.width}x${facts.height} ${facts.videoCodec}) by ${row.user}`);
        const info = this.info(video);
        this.hooks.published(info);
        return { video: info };
      } catch (err) {
        if (err instanceof WatchpartyError && err.code !== 'INTERNAL') {
          await this.drop(row, `refused: ${err.message}`);
        } else {
          this.leases.set(id, Date.now() + this.leaseMs);
        }
        throw err;
      }
    });
  }

  cancel(user: string, id: string): Promise<Record<string, never>> {
    return this.serial(id, async () => {
      await this.drop(this.ownUpload(user, id), 'cancelled by the uploader');
      return {};
    });
  }

  private forget(id: string): void {
    this.leases.delete(id);
    this.stored.delete(id);
  }

  /**
   * Free the bytes first, then the row: on a full disk the file is what holds the space, and the row is
   * a few bytes that a full database may refuse to delete until later (see PendingDeletes).
   */
  private async drop(row: UploadRow, why: string): Promise<void> {
    try {
      fs.rmSync(this.partPath(row.id), { force: true });
    } catch (err) {
      this.log.error(`cannot delete the bytes of the upload of "${row.name}": ${(err as Error).message}`);
    }
    this.forget(row.id);
    if (!(await this.pendingDeletes.delete(row.id))) {
      this.log.warn(`dropped the bytes of the upload of "${row.name}" by ${row.user} (${why}); the database is full, so its name stays reserved until it can be written`);
      return;
    }
    this.log.info(`dropped upload of "${row.name}" by ${row.user}: ${why}; the name is free again`);
  }

  /** Drop reservations whose lease ran out (no chunk for `leaseMs`); never throws for a full disk. */
  async sweep(nowMs: number): Promise<void> {
    // A sweep that waits for the database is not overlapped by the next tick's.
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      for (const [id, expires] of [...this.leases]) {
        if (nowMs < expires) continue;
        const row = this.store.catalogue.upload(id);
        if (row) await this.drop(row, `no data for ${this.leaseMs / 1000} s`);
        else this.forget(id);
      }
      await this.pendingDeletes.retry(nowMs);
    } finally {
      this.sweeping = false;
    }
  }

  /** Up to `length` bytes of a published video from `offset`, for a sub's replica. */
  async readChunk(videoId: number, offset: number, length: number): Promise<{ offset: number; size: number; payload: Buffer }> {
    const video = this.store.video(videoId);
    if (!video) throw new WatchpartyError('UNKNOWN_VIDEO', `no video #${videoId}`);
    if (offset > video.size) throw new WatchpartyError('BAD_INPUT', `offset ${offset} is past the end of video #${videoId} (${video.size} bytes)`);
    try {
      return await readChunk(this.videoPath(videoId), video.size, offset, length);
    } catch (err) {
      // A central that took over leadership restores the videos it lacks from the subs (restore.ts).
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new WatchpartyError('NOT_READY', `central is restoring video #${videoId} from the subs; try again shortly`);
      throw err;
    }
  }
}
