/**
 * `watchparty watch`: join a room, start mpv on the stream from our sub, and keep it in sync; survive
 * the loss of the sub (reconnect, rejoin at the room's current position) and give up after 5 tries.
 */
import type { Logger } from '../../core/log.js';
import { copyBook, type Profile } from './profile.js';
import { openSession, type Endpoint, type Session } from './connect.js';
import { formatChatLine } from './room-chat.js';
import { RoomWatch } from './room-watch.js';
import { CloseCode } from '../../net/messages.js';

export interface WatchOptions {
  profile: Profile;
  endpoint: Endpoint;
  log: Logger;
  roomId: string;
  headless: boolean;
  ipcPath?: string;
  mpvArgs: string[];
  /** `auto`, `source`, or a rendition such as `480p`. */
  quality?: string;
  /** This member's own tracks, over the room's. */
  tracks?: { audio?: number; subtitles?: number };
  /** Play this copy of the video from the disk (checked against the catalogue first). */
  ownFile?: string;
  /** Play a copy this profile knows (uploaded from here) from the disk, when there is one. */
  useKnownCopy?: boolean;
  onLine: (line: string) => void;
  onInfo: (message: string) => void;
}

export async function watchRoom(opts: WatchOptions): Promise<void> {
  const { profile, log } = opts;
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Closing the terminal: leave the room as Ctrl-C does, or the room lists us as watching for good.
  process.once('SIGHUP', onSignal);
  let watch: RoomWatch | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  let closedText: string | undefined;
  /** The session of this round: a room closing ends it, whichever reconnect it is. */
  let current: Session | undefined;
  const t0 = performance.now();
  const mark = (what: string) => log.debug(`watch: ${what} at +${(performance.now() - t0).toFixed(0)} ms`);
  /** The sub the last session lost (not one that moved us): central places us elsewhere first. */
  let lostSubId: string | undefined;
  try {
    while (!stop.signal.aborted && !closedText) {
      const session: Session = await openSession({ endpoint: opts.endpoint, profile, log, signal: stop.signal, onProgress: opts.onInfo, ...(lostSubId ? { lostSubId } : {}) });
      current = session;
      mark(`session open on ${session.subId}`);
      try {
        if (!watch) {
          const w = new RoomWatch(opts.roomId, { token: profile.data.token!, log, headless: opts.headless, ipcPath: opts.ipcPath, mpvArgs: opts.mpvArgs, onInfo: opts.onInfo, ...(opts.quality ? { quality: opts.quality } : {}), ...(opts.tracks ? { tracks: opts.tracks } : {}), copies: copyBook(profile), useKnownCopy: Boolean(opts.useKnownCopy), ...(opts.ownFile ? { ownFile: opts.ownFile } : {}) });
          watch = w;
          // The room's chat, in the terminal beside mpv (new lines also show on mpv's screen).
          w.chat.onLine((line) => opts.onInfo(formatChatLine(line, false)));
          w.onClosed((text) => {
            closedText = text;
            // Not `session`: after a reconnect that one is long gone, and closing it would leave this
            // loop waiting on the new one while mpv plays on (seen after two sub kills).
            current?.peer.close(1000, 'room closed');
          });
          await w.start(session);
          mark('following the room');
          const room = w.room!;
          opts.onInfo(`watching ${room.videoName} in room ${room.id} (${w.isAdmin ? 'you are the admin' : `admin: ${room.admin}`})`);
          statusTimer = setInterval(() => {
            const st = w.status();
            if (!st) return;
            if (opts.headless) opts.onLine(JSON.stringify({ ...st, rendition: w.rendition ?? 'source' }));
            profile.update({ lastRoom: { id: st.room, positionMs: Math.round(w.expectedMs()), atMs: Date.now() } });
          }, 1000);
          void w.exited.then(() => stop.abort());
        } else {
          await watch.attach(session);
          opts.onInfo(`back in room ${opts.roomId} on ${session.subId}`);
        }
      } catch (err) {
        // The session must not outlive a failed start: its open socket alone keeps this process alive.
        session.peer.close(1000, 'watch failed');
        throw err;
      }
      const closed = await new Promise<{ code: number; reason: string } | undefined>((resolve) => {
        session.peer.onceClosed((code, reason) => resolve({ code, reason }));
        stop.signal.addEventListener('abort', () => resolve(undefined), { once: true });
      });
      if (stop.signal.aborted || closedText) {
        await watch.stop();
        session.peer.close(1000, 'bye');
        break;
      }
      lostSubId = closed?.code === CloseCode.moved ? undefined : session.subId;
      opts.onInfo(closed?.code === CloseCode.moved ? `${closed.reason}; moving (mpv plays on)…` : `lost ${session.subId}; reconnecting…`);
    }
  } finally {
    clearInterval(statusTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    await watch?.stop(false);
  }
  if (closedText) opts.onInfo(closedText);
}
