/** Playing a video alone: wait until the sub has it, start mpv on the stream, report the position. */
import type { VideoInfo } from '../../net/messages.js';
import { WatchpartyError } from '../../core/errors.js';
import { startMpv } from '../../player/mpv-process.js';
import type { Session } from './connect.js';
import { sleep } from '../../net/dial.js';
import { StreamRelay, type Upstream } from '../../player/stream-relay.js';
import type { Logger } from '../../core/log.js';

export interface PlayOptions {
  session: Session;
  token: string;
  video: VideoInfo;
  headless: boolean;
  ipcPath?: string;
  startSeconds: number;
  /** `source`, a rendition such as `480p`, or `auto` (alone: the source). */
  quality?: string;
  onLine: (line: string) => void;
  onInfo: (message: string) => void;
  /** How long to wait for a video that is still arriving on the sub. */
  waitMs?: number;
  /** Aborting stops mpv (the CLI aborts on SIGINT/SIGTERM, the TUI when you play something else or quit). */
  signal?: AbortSignal;
  /** Called once mpv is playing. */
  onStarted?: () => void;
}

/** Where the relay fetches a session's bytes: its sub, pinned by the fingerprint central gave, with its token. */
export function upstreamOf(session: Pick<Session, 'subAddress' | 'subFingerprint'>, token: string): Upstream {
  return { address: session.subAddress, fingerprint: session.subFingerprint, token };
}

/** A loopback relay in front of the session's sub: mpv opens its URL, which holds no token. */
export function openRelay(session: Pick<Session, 'subAddress' | 'subFingerprint'>, token: string, log?: Logger): Promise<StreamRelay> {
  return StreamRelay.start(upstreamOf(session, token), log);
}

/**
 * Resolve once the sub can stream the video (HEAD 200), reporting "still arriving: N %" meanwhile;
 * with the video's size in bytes, when the sub says it.
 */
export async function waitUntilStreamable(url: string, onInfo: (m: string) => void, waitMs: number): Promise<number | undefined> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const res = await fetch(url, { method: 'HEAD' }).catch((err: Error) => {
      throw new WatchpartyError('UNREACHABLE', `cannot reach your sub for streaming: ${err.message}`);
    });
    if (res.ok) {
      const size = Number(res.headers.get('content-length'));
      return Number.isSafeInteger(size) && size > 0 ? size : undefined;
    }
    if (res.status === 401) throw new WatchpartyError('BAD_TOKEN');
    if (res.status !== 503 || Date.now() > deadline) {
      const body = await fetch(url, { headers: { range: 'bytes=0-0' } }).then((r) => r.text()).catch(() => '');
      throw new WatchpartyError('NOT_REPLICATED', `your sub cannot stream it yet (${res.status}${body ? ': ' + body.trim() : ''})`);
    }
    const body = await fetch(url, { headers: { range: 'bytes=0-0' } }).then((r) => r.text()).catch(() => '');
    onInfo(body.trim() || 'still arriving…');
    await sleep(1000);
  }
}

/** Play one video with no room, from `startSeconds`, until mpv exits or `signal` aborts. */
export async function playAlone(opts: PlayOptions): Promise<void> {
  const relay = await openRelay(opts.session, opts.token);
  try {
    await playThrough(relay, opts);
  } finally {
    await relay.close();
  }
}

async function playThrough(relay: StreamRelay, opts: PlayOptions): Promise<void> {
  // Alone, a chosen rendition plays as it is; auto (nobody to stay in sync with) plays the source.
  const rendition = opts.quality && opts.quality !== 'auto' && opts.quality !== 'source' ? opts.video.renditions?.find((r) => r.rung === opts.quality && r.replicas > 0) : undefined;
  if (opts.quality && !rendition && opts.quality !== 'auto' && opts.quality !== 'source') opts.onInfo(`no ${opts.quality} rendition of ${opts.video.name} yet: playing the source`);
  const url = rendition ? relay.url(rendition.id, 'renditions') : relay.url(opts.video.id);
  await waitUntilStreamable(url, opts.onInfo, opts.waitMs ?? 120_000);
  const mpv = await startMpv({
    url,
    headless: opts.headless,
    startSeconds: opts.startSeconds,
    title: opts.video.name,
    ...(opts.ipcPath ? { ipcPath: opts.ipcPath } : {}),
  });
  let stopping = false;
  const stop = () => {
    stopping = true;
    void mpv.stop();
  };
  if (opts.signal?.aborted) stop();
  opts.signal?.addEventListener('abort', stop, { once: true });
  opts.onStarted?.();
  let timer: NodeJS.Timeout | undefined;
  if (opts.headless) {
    const report = async () => {
      const [position, paused] = await Promise.all([
        mpv.ipc.getProperty<number | null>('playback-time').catch(() => null),
        mpv.ipc.getProperty<boolean>('pause').catch(() => false),
      ]);
      if (position !== null && !mpv.ipc.closed) {
        opts.onLine(JSON.stringify({ video: opts.video.name, position: Math.round(position * 1000) / 1000, duration: opts.video.durationMs / 1000, paused }));
      }
    };
    timer = setInterval(() => void report(), 1000);
    setTimeout(() => void report(), 200);
  }
  const code = await mpv.exited;
  clearInterval(timer);
  opts.signal?.removeEventListener('abort', stop);
  if (!stopping && code !== 0 && code !== null) throw new WatchpartyError('PLAYER_FAILED', `mpv exited with code ${code}`);
}
