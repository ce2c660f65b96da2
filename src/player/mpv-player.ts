/**
 * The Player over a running mpv: operations are IPC commands, and mpv's `pause` property and
 * seek / playback-restart events become PlayerEvents.
 */
import type { MpvHandle } from './mpv-process.js';
import type { Player, PlayerEvent, PlayerSample } from './player.js';

/** The fields of mpv's demuxer-cache-state we read. */
interface CacheState {
  'cache-duration'?: number;
  'eof-cached'?: boolean;
  'raw-input-rate'?: number;
}

const GO_MESSAGE = 'watchparty-go';

const now = () => performance.timeOrigin + performance.now();
const pauseMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class MpvPlayer implements Player {
  private readonly listeners: ((e: PlayerEvent) => void)[] = [];
  /** A seek has started and its playback-restart has not come yet. */
  private seeking = false;
  readonly exited: Promise<unknown>;

  private constructor(private readonly mpv: MpvHandle) {
    this.exited = mpv.exited;
  }

  /** Wrap `mpv` and start observing it. */
  static async attach(mpv: MpvHandle): Promise<MpvPlayer> {
    const p = new MpvPlayer(mpv);
    mpv.ipc.on('property', (name: string, value: unknown) => {
      if (name === 'pause' && value === true) void p.pausedAt();
      else if (name === 'pause' && value === false) p.emit({ kind: 'paused', value: false });
      else if (name === 'speed' && typeof value === 'number') p.emit({ kind: 'speed', rate: value });
    });
    mpv.ipc.on('event', (e: { event: string; args?: unknown[] }) => {
      if (e.event === 'client-message' && e.args?.[0] === GO_MESSAGE) p.emit({ kind: 'key', name: 'go' });
      else if (e.event === 'seek') {
        p.seeking = true;
        p.emit({ kind: 'seeking' });
      }
      else if (e.event === 'playback-restart' && p.seeking) {
        p.seeking = false;
        void p.reportSeek();
      }
    });
    await mpv.ipc.observe('pause');
    await mpv.ipc.observe('speed');
    // G (unbound in mpv's defaults): go on without the members the room waits for.
    await mpv.ipc.command(['keybind', 'G', `script-message ${GO_MESSAGE}`]).catch(() => {});
    return p;
  }

  get ipcPath(): string {
    return this.mpv.ipcPath;
  }

  onEvent(listener: (e: PlayerEvent) => void): void {
    this.listeners.push(listener);
  }

  private emit(e: PlayerEvent): void {
    for (const l of this.listeners) l(e);
  }

  /** Where a finished seek landed: trust the shown position once mpv no longer says it is seeking. */
  private async reportSeek(): Promise<void> {
    const deadline = now() + 2000;
    while (now() < deadline && !this.seeking) {
      const [t, busy] = await Promise.all([this.get<number | null>('playback-time', null), this.get<boolean>('seeking', false)]);
      if (t !== null && !busy) {
        if (!this.seeking) this.emit({ kind: 'seeked', positionMs: t * 1000 });
        return;
      }
      await pauseMs(10);
    }
  }

  private get<T>(name: string, fallback: T): Promise<T> {
    return this.mpv.ipc.getProperty<T>(name).catch(() => fallback);
  }

  /**
   * Wait until mpv has opened the stream: a seek sent while it is still loading ends with the
   * *load's* playback-restart, and a start scheduled on that would begin before the seek is done.
   */
  async whenLoaded(timeoutMs: number): Promise<void> {
    const deadline = now() + timeoutMs;
    while (now() < deadline) {
      const [t, busy] = await Promise.all([this.get<number | null>('playback-time', null), this.get<boolean>('seeking', true)]);
      if (t !== null && !busy) return;
      await pauseMs(20);
    }
  }

  async setPause(value: boolean): Promise<void> {
    await this.mpv.ipc.setProperty('pause', value).catch(() => {});
  }

  async seek(positionMs: number): Promise<void> {
    await this.mpv.ipc.command(['seek', positionMs / 1000, 'absolute+exact']).catch(() => {});
  }

  async load(url: string, startSeconds: number): Promise<void> {
    // mpv 0.35: loadfile <url> <flags> <options>; the new file opens paused where the room will be.
    await this.mpv.ipc.command(['loadfile', url, 'replace', `start=${Math.max(0, startSeconds).toFixed(3)},pause=yes`]).catch(() => {});
  }

  async setTracks(audio: number | undefined, subtitles: number | undefined): Promise<void> {
    if (audio !== undefined) await this.mpv.ipc.setProperty('aid', audio).catch(() => {});
    if (subtitles !== undefined) await this.mpv.ipc.setProperty('sid', subtitles === 0 ? 'no' : subtitles).catch(() => {});
  }

  async setSpeed(rate: number): Promise<void> {
    await this.mpv.ipc.setProperty('speed', rate).catch(() => {});
  }

  /** mpv paused: a person, us, or its own stop at the end of the file (which pauses no room). */
  private async pausedAt(): Promise<void> {
    const atEnd = await this.mpv.ipc.getProperty<boolean>('eof-reached').catch(() => false);
    this.emit({ kind: 'paused', value: true, ...(atEnd === true ? { atEnd: true } : {}) });
  }

  async osd(text: string): Promise<void> {
    await this.mpv.ipc.command(['show-text', text, 2500]).catch(() => {});
  }

  async sample(): Promise<PlayerSample | undefined> {
    const t0 = now();
    // audio-pts moves continuously (even with --ao=null); playback-time moves in whole frames, so it
    // is only the fallback for videos without sound (or before the audio is decoded).
    const [audio, frame, paused, forCache, seeking, cache] = await Promise.all([
      this.get<number | null>('audio-pts', null),
      this.get<number | null>('playback-time', null),
      this.get<boolean>('pause', true),
      this.get<boolean>('paused-for-cache', false),
      this.get<boolean>('seeking', false),
      this.get<CacheState | null>('demuxer-cache-state', null),
    ]);
    // A seek still under way when sampled is waiting for bytes too (on a slow link, seconds).
    const stalled = forCache || seeking;
    // Paused, the shown frame is what counts (audio-pts can sit a few frames away after an exact seek).
    const pos = paused ? (frame ?? audio) : (audio ?? frame);
    if (pos === null) return undefined;
    const buffer = {
      stalled,
      bufferedMs: Math.max(0, (cache?.['cache-duration'] ?? 0) * 1000),
      eof: cache?.['eof-cached'] === true,
      ...(typeof cache?.['raw-input-rate'] === 'number' && cache['raw-input-rate'] > 0 ? { inputBps: cache['raw-input-rate'] } : {}),
    };
    return { positionMs: pos * 1000, paused, atMs: (t0 + now()) / 2, buffer };
  }

  stop(): Promise<void> {
    return this.mpv.stop();
  }
}
