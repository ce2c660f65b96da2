/**
 * The sub's replicas: every catalogue video is pulled from central in chunks into `<id>.part`,
 * with a few requests in flight, re-requested from where it stopped when nothing arrives for a while,
 * and renamed to `<id>` only after its sha256 matches. A restarted sub resumes from the `.part` size.
 * A failing pull backs off exponentially. Files found at start are served only once their size and then
 * sha256 match the catalogue; a replica that fails a check is deleted and pulled again.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Peer } from '../../net/peer.js';
import type { Transfer, VideoInfo } from '../../net/messages.js';
import { VIDEO_REPLICAS, type ReplicaItem, type ReplicaKind } from './replica-kinds.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { hashFile } from '../files.js';
import { formatBytes } from '../shared/format-bytes.js';
import { mayRetry, recordFailure, REPLICA_HEALTH, type Failing, type ReplicaHealthPolicy } from './replica-health.js';
import { ReplicaChecker } from './replica-check.js';
import { strayReplicaFiles } from './replica-prune.js';

/** Why a replica stopped being servable: streams of it must stop either way. */
export type WithdrawnReason = 'damaged' | 'deleted';

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

/** A finished file is `unchecked` until its size and sha256 match the catalogue, then `verified`. */
type ReplicaState = 'unchecked' | 'verified';

export class Replicator<T extends ReplicaItem = VideoInfo> {
  private readonly have = new Map<number, ReplicaState>();
  private readonly active = new Map<number, Transfer>();
  private readonly catalogue = new Map<number, T>();
  private readonly failing = new Map<number, Failing>();
  /** Videos central deleted (ids are never reused): a stale list or event must not bring one back. */
  private readonly deleted = new Set<number>();
  private readonly checker: ReplicaChecker;
  private readonly withdrawnListeners = new Set<(id: number, why: WithdrawnReason) => void>();
  private retryTimer: NodeJS.Timeout | undefined;
  private syncing = false;
  private again = false;
  readonly dir: string;

  constructor(
    dataDir: string,
    private readonly log: Logger,
    private readonly central: () => Peer | undefined,
    private readonly changed: () => void,
    private readonly kind: ReplicaKind<T> = VIDEO_REPLICAS as unknown as ReplicaKind<T>,
    private readonly policy: ReplicaPolicy = REPLICA_POLICY,
    private readonly health: ReplicaHealthPolicy = REPLICA_HEALTH,
  ) {
    this.dir = path.join(dataDir, kind.folder);
    this.checker = new ReplicaChecker({
      path: (id) => path.join(this.dir, String(id)),
      expected: (id) => this.catalogue.get(id),
      passed: (id) => {
        if (this.have.get(id) === 'unchecked') this.log.info(`${this.kind.noun} #${id} checked (size and sha256 ok): serving it`);
        this.have.set(id, 'verified');
        this.changed();
      },
      failed: (id, why) => this.quarantine(id, why),
      log,
    }, health);
    this.rescan();
  }

  /** Re-read the folder (after a wipe, or at start): finished files wait for a check before they are served. */
  rescan(): void {
    this.have.clear();
    // A wipe means a new central instance, whose ids start again.
    this.deleted.clear();
    this.catalogue.clear();
    this.checker.reset();
    fs.mkdirSync(this.dir, { recursive: true });
    for (const f of fs.readdirSync(this.dir)) if (/^\d+$/.test(f)) this.have.set(Number(f), 'unchecked');
  }

  /** Stop timers and checks (the sub is shutting down). */
  stop(): void {
    clearTimeout(this.retryTimer);
    this.checker.reset();
  }

  /** Verified replicas (what central may count and send users to). */
  replicas(): number[] {
    return [...this.have].filter(([, s]) => s === 'verified').map(([id]) => id).sort((a, b) => a - b);
  }

  transfers(): Transfer[] {
    return [...this.active.values()].map((t) => ({ ...t }));
  }

  video(id: number): T | undefined {
    return this.catalogue.get(id);
  }

  /** The verified file for `id`, or undefined while it is still arriving or being checked. */
  file(id: number): string | undefined {
    return this.have.get(id) === 'verified' ? path.join(this.dir, String(id)) : undefined;
  }

  /** Percent of the check of `id` done, when it is on disk but not yet verified (a client waits: check it first). */
  checking(id: number): number | undefined {
    if (this.have.get(id) !== 'unchecked') return undefined;
    if (this.catalogue.has(id)) this.checker.enqueue(id, true);
    return this.checker.progress(id) ?? 0;
  }

  /** A read of a verified replica is being served: the sampled read path may queue a re-check. */
  served(id: number): void {
    if (this.have.get(id) === 'verified') this.checker.served(id, Date.now());
  }

  /** Call `listener(id, why)` whenever a replica is found damaged or deleted (streams of it must stop); returns an unsubscribe. */
  onWithdrawn(listener: (id: number, why: WithdrawnReason) => void): () => void {
    this.withdrawnListeners.add(listener);
    return () => this.withdrawnListeners.delete(listener);
  }

  /** Central deleted a video: stop serving it, drop its replica (a pull under way fails and cleans up). */
  removed(id: number): void {
    const name = this.catalogue.get(id)?.name ?? `#${id}`;
    this.deleted.add(id);
    this.catalogue.delete(id);
    this.failing.delete(id);
    const had = this.have.delete(id);
    this.checker.forget(id);
    fs.rmSync(path.join(this.dir, String(id)), { force: true });
    if (!this.active.has(id)) fs.rmSync(path.join(this.dir, `${id}.part`), { force: true });
    for (const l of [...this.withdrawnListeners]) l(id, 'deleted');
    this.log.info(`"${name}" (#${id}) was deleted from the catalogue${had ? ': removed its replica' : ''}`);
    this.changed();
  }

  /** Delete replicas of videos the catalogue no longer has (deleted while this sub was away). */
  private prune(videos: readonly T[]): void {
    const listed = new Set(videos.map((v) => v.id));
    for (const id of [...this.catalogue.keys()]) if (!listed.has(id) && !this.active.has(id)) this.catalogue.delete(id);
    for (const { file, id } of strayReplicaFiles(fs.readdirSync(this.dir), listed, new Set(this.active.keys()))) {
      fs.rmSync(path.join(this.dir, file), { force: true });
      if (this.have.delete(id)) {
        this.checker.forget(id);
        for (const l of [...this.withdrawnListeners]) l(id, 'deleted');
        this.log.info(`${this.kind.noun} #${id} is no longer in the catalogue (deleted while this sub was away): removed it`);
      }
    }
  }

  /** Delete a replica that failed a check (it is never served again, not even by streams under way) and pull it afresh. */
  private quarantine(id: number, why: string): void {
    const name = this.catalogue.get(id)?.name ?? `#${id}`;
    fs.rmSync(path.join(this.dir, String(id)), { force: true });
    this.have.delete(id);
    for (const l of [...this.withdrawnListeners]) l(id, 'damaged');
    this.log.warn(`${this.kind.noun} of "${name}" (#${id}) is damaged: ${why}; deleted it, pulling it again`);
    this.changed();
    void this.sync();
  }

  /** Size check of every unchecked replica against the catalogue (cheap), then queue the sha256 checks. */
  private checkSizes(): void {
    for (const [id, state] of this.have) {
      const v = this.catalogue.get(id);
      if (state !== 'unchecked' || !v) continue;
      let size = -1;
      try {
        size = fs.statSync(path.join(this.dir, String(id))).size;
      } catch {
        /* vanished: counts as wrong */
      }
      if (size !== v.size) this.quarantine(id, `it has ${size < 0 ? 'no' : size} bytes, the catalogue says ${v.size}`);
      else this.checker.enqueue(id);
    }
  }

  /** Percent of `id` received so far (for "still arriving: N %"). */
  progress(id: number): number {
    const t = this.active.get(id);
    return t && t.size > 0 ? Math.floor((t.offset / t.size) * 100) : 0;
  }

  /** Learn of a new video (central's event) and fetch it. */
  added(video: T): void {
    if (this.deleted.has(video.id)) return;
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
        const listed = await this.kind.list(central);
        // A list sent before a deletion can arrive after it.
        const videos = listed.filter((v) => !this.deleted.has(v.id));
        for (const v of videos) this.catalogue.set(v.id, v);
        this.prune(videos);
        this.checkSizes();
        const now = Date.now();
        const missing = videos.filter((v) => !this.have.has(v.id) && !this.active.has(v.id) && mayRetry(this.failing.get(v.id), now));
        // Start up to `parallel` transfers; each finished one triggers another sync for the rest.
        for (const v of missing.slice(0, Math.max(0, this.policy.parallel - this.active.size))) void this.transfer(v);
      } while (this.again);
    } catch (err) {
      this.log.warn(`cannot compare replicas with the catalogue: ${(err as Error).message}`);
    } finally {
      this.syncing = false;
    }
  }

  private async transfer(v: T): Promise<void> {
    const part = path.join(this.dir, `${v.id}.part`);
    let offset = 0;
    try {
      offset = (await fsp.stat(part)).size;
    } catch {
      /* new transfer */
    }
    if (offset > v.size) offset = 0;
    this.active.set(v.id, { videoId: v.id, offset, size: v.size });
    this.changed();
    const started = Date.now();
    const startOffset = offset;
    // Within a failure episode the retries are quiet; recordFailed logs the episode.
    const say = (m: string) => (this.failing.has(v.id) ? this.log.debug(m) : this.log.info(m));
    if (offset > 0) say(`resuming ${this.kind.noun} of "${v.name}" at ${offset} of ${v.size} bytes`);
    else say(`replicating "${v.name}" (#${v.id}, ${v.size} bytes)`);
    let ok = false;
    let fh: fsp.FileHandle | undefined;
    try {
      await this.checkRoom(v, offset);
      fh = await fsp.open(part, offset === 0 ? 'w' : 'r+');
      while (offset < v.size) {
        const central = this.central();
        if (!central) throw new WatchpartyError('DISCONNECTED', 'central is gone');
        try {
          offset = await this.pullWindowed(central, fh, v, offset);
        } catch (err) {
          if ((err as WatchpartyError).code !== 'TIMEOUT') throw err;
          const stored = (await fh.stat()).size;
          this.log.warn(`${this.kind.noun} of "${v.name}" stalled at ${stored} of ${v.size} bytes: re-requesting from there`);
          offset = stored;
        }
      }
      await fh.close();
      const sha = await hashFile(part);
      if (sha !== v.sha256) {
        await fsp.rm(part, { force: true });
        throw new WatchpartyError('UPLOAD_MISMATCH', `${this.kind.noun} of "${v.name}" hashes to ${sha.slice(0, 12)}…, expected ${v.sha256.slice(0, 12)}…; starting over`);
      }
      // Deleted while it was hashed: it must never be served.
      if (this.deleted.has(v.id)) throw new WatchpartyError('UNKNOWN_VIDEO', `"${v.name}" was deleted`);
      await fsp.rename(part, path.join(this.dir, String(v.id)));
      this.have.set(v.id, 'verified');
      this.checker.markChecked(v.id, Date.now());
      ok = true;
      const episode = this.failing.get(v.id);
      if (episode) this.log.info(`${this.kind.noun} of "${v.name}" recovered after ${episode.failures} failed ${episode.failures === 1 ? 'try' : 'tries'}`);
      this.failing.delete(v.id);
      const secs = Math.max(0.001, (Date.now() - started) / 1000);
      this.log.info(`${this.kind.noun} of "${v.name}" verified (sha256 ok): ${((v.size - startOffset) / 1e6).toFixed(1)} MB in ${secs.toFixed(1)} s, ${((v.size - startOffset) / 1e6 / secs).toFixed(0)} MB/s`);
    } catch (err) {
      if (this.deleted.has(v.id) || (err as WatchpartyError).code === 'UNKNOWN_VIDEO') {
        // Central no longer has it: a deletion, not a failure to retry.
        this.deleted.add(v.id);
        this.catalogue.delete(v.id);
        this.failing.delete(v.id);
        await fsp.rm(part, { force: true });
        this.log.info(`stopped replicating "${v.name}": it was deleted from the catalogue`);
      } else if ((err as WatchpartyError).code === 'DISCONNECTED') this.log.warn(`${this.kind.noun} of "${v.name}" paused at ${offset} bytes: ${(err as Error).message}`);
      else this.recordFailed(v, offset, err as Error);
    } finally {
      await fh?.close().catch(() => {});
      this.active.delete(v.id);
      this.changed();
      if (ok || this.central()) void this.sync();
    }
  }

  /** Refuse before asking central for bytes that cannot be stored (a full disk would make every try fail). */
  private async checkRoom(v: T, offset: number): Promise<void> {
    const st = await fsp.statfs(this.dir);
    const free = st.bavail * st.bsize;
    if (free < v.size - offset) {
      throw new WatchpartyError('NO_SPACE', `this sub has ${formatBytes(free)} free, the rest of "${v.name}" needs ${formatBytes(v.size - offset)}`);
    }
  }

  /** Back off this replica exponentially; log the first failure of an episode and rare reminders only. */
  private recordFailed(v: T, offset: number, err: Error): void {
    const now = Date.now();
    const { state, log, delayMs } = recordFailure(this.failing.get(v.id), now, this.health);
    this.failing.set(v.id, state);
    const next = `next try in ${(delayMs / 1000).toFixed(1)} s`;
    if (log === 'first') this.log.warn(`${this.kind.noun} of "${v.name}" failed at ${offset} of ${v.size} bytes: ${err.message}; retrying with backoff (${next})`);
    else if (log === 'reminder') this.log.warn(`${this.kind.noun} of "${v.name}" still failing after ${state.failures} tries in ${Math.round((now - state.sinceMs) / 1000)} s: ${err.message}; ${next}`);
    else this.log.debug(`${this.kind.noun} of "${v.name}" try ${state.failures} failed: ${err.message}; ${next}`);
    this.scheduleRetry();
  }

  /** One timer, for the earliest replica whose backoff ends. */
  private scheduleRetry(): void {
    clearTimeout(this.retryTimer);
    if (this.failing.size === 0) return;
    const at = Math.min(...[...this.failing.values()].map((f) => f.retryAtMs));
    this.retryTimer = setTimeout(() => void this.sync(), Math.max(0, at - Date.now()) + 5);
    this.retryTimer.unref();
  }

  /** Keep `window` chunk requests in flight, writing replies in order; returns the new offset. */
  private async pullWindowed(central: Peer, fh: fsp.FileHandle, v: T, from: number): Promise<number> {
    const { chunkBytes, window, stallMs } = this.policy;
    let next = from;
    let offset = from;
    const inFlight: Promise<{ payload: Buffer | undefined }>[] = [];
    const ask = () => {
      const length = Math.min(chunkBytes, v.size - next);
      inFlight.push(this.kind.chunk(central, v.id, next, length, stallMs));
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
