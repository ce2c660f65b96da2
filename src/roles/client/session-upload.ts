/**
 * The TUI's upload, part of LiveClientSession: one file at a time, its progress in the snapshot, and,
 * when its sub drains or dies under it, on through the connection loop's next session from what central
 * holds (as `watchparty upload` does).
 */
import os from 'node:os';
import path from 'node:path';
import type { Peer } from '../../net/peer.js';
import type { VideoInfo } from '../../net/messages.js';
import { sleep } from '../../net/dial.js';
import { WatchpartyError } from '../../core/errors.js';
import type { ClientSnapshot, UploadState } from '../../tui/client-session.js';
import { copyBook, type Profile } from './profile.js';
import { defaultVideoName, uploadFile, uploadRetryDelayMs, type UploadProgress } from './upload.js';
import { rateAndEta } from './progress-bar.js';
import { failureText as message } from './session-room.js';

export interface UploadHost {
  /** The current session's peer (a new one after a failover), if online. */
  peer(): Peer | undefined;
  snapshot(): ClientSnapshot;
  set(change: Pick<ClientSnapshot, 'upload'>): void;
  toast(text: string): void;
  refresh(): void;
  stopped(): boolean;
  profile: Profile;
}

export class TuiUpload {
  private abort: AbortController | undefined;

  constructor(private readonly host: UploadHost) {}

  cancel(): void {
    this.abort?.abort();
  }

  async start(file: string, name?: string): Promise<void> {
    const { host } = this;
    const peer = host.peer();
    const abs = path.resolve(file.replace(/^~(?=$|\/)/, os.homedir()));
    const base: UploadState = { file: abs, name: name ?? defaultVideoName(abs), phase: 'hashing', sent: 0, size: 0, rateBps: 0, etaMs: undefined, resumedFrom: 0 };
    if (!peer) {
      host.set({ upload: { ...base, phase: 'failed', error: 'not connected to a sub-server' } });
      return;
    }
    const abort = (this.abort = new AbortController());
    host.set({ upload: base });
    try {
      const onProgress = (p: UploadProgress) => {
        const { rate, etaMs } = rateAndEta(p, Date.now());
        host.set({ upload: { ...base, phase: p.phase, sent: p.sent, size: p.size, rateBps: p.phase === 'uploading' ? rate : 0, etaMs: p.phase === 'uploading' ? etaMs : undefined, resumedFrom: p.resumedFrom } });
      };
      // A sub that drains (or dies) under the upload: go on through the next session, from what central holds.
      let video: VideoInfo | undefined;
      for (let attempt = 1, current = peer; !video; attempt++) {
        try {
          video = await uploadFile(current, abs, base.name, onProgress, abort.signal, copyBook(host.profile));
        } catch (err) {
          const delayMs = abort.signal.aborted ? undefined : uploadRetryDelayMs(err, attempt);
          if (delayMs === undefined) throw err;
          // Our sub lost central (a standby is taking over): the same session, once the sub has a leader again.
          if ((err as WatchpartyError).details?.centralLost) {
            host.toast('the sub lost central mid-upload: continuing when it is back');
            await sleep(delayMs);
            continue;
          }
          const next = await this.nextPeer(current, 30_000);
          if (!next) throw err;
          host.toast('lost the sub mid-upload: continuing through another');
          current = next;
        }
      }
      host.set({ upload: { ...host.snapshot().upload!, phase: 'done', sent: video.size, size: video.size, video } });
      host.refresh();
    } catch (err) {
      const cancelled = abort.signal.aborted;
      host.set({ upload: { ...(host.snapshot().upload ?? base), phase: cancelled ? 'cancelled' : 'failed', error: cancelled ? 'cancelled' : message(err) } });
    }
  }

  /** The peer of the session after `old`, once the connection loop has one (at most `timeoutMs`). */
  private async nextPeer(old: Peer, timeoutMs: number): Promise<Peer | undefined> {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until && !this.host.stopped()) {
      const peer = this.host.peer();
      if (peer && peer !== old && !peer.closed) return peer;
      await sleep(100);
    }
    return undefined;
  }
}
