/**
 * `watchparty watch`: join a room, start mpv on the stream from our sub, and keep it in sync; survive
 * the loss of the sub (reconnect, rejoin at the room's current position) and give up after 5 tries.
 */
import type { Logger } from '../../core/log.js';
import { WatchpartyError } from '../../core/errors.js';
import { positionAt } from '../shared/room.js';
import { startMpv } from '../../player/mpv-process.js';
import type { Profile } from './profile.js';
import { openSession, type Endpoint, type Session } from './connect.js';
import { openRelay, upstreamOf, waitUntilStreamable } from './play.js';
import type { StreamRelay } from '../../player/stream-relay.js';
import { RoomPlayer } from './room-player.js';
import { measureClock } from './clock-sync.js';

export interface WatchOptions {
  profile: Profile;
  endpoint: Endpoint;
  log: Logger;
  roomId: string;
  headless: boolean;
  ipcPath?: string;
  mpvArgs: string[];
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
  let player: RoomPlayer | undefined;
  let relay: StreamRelay | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  let closedText: string | undefined;
  /** The session of this round: a room closing ends it, whichever reconnect it is. */
  let current: Session | undefined;
  const t0 = performance.now();
  const mark = (what: string) => log.debug(`watch: ${what} at +${(performance.now() - t0).toFixed(0)} ms`);
  try {
    while (!stop.signal.aborted && !closedText) {
      const session: Session = await openSession({ endpoint: opts.endpoint, profile, log, signal: stop.signal, onProgress: opts.onInfo });
      current = session;
      // Listen before joining: events sent between the join and a ready player are queued, not lost.
      const early: { event: Parameters<RoomPlayer['onEvent']>[0]; room: Parameters<RoomPlayer['onEvent']>[1] }[] = [];
      let deliver = (event: (typeof early)[number]['event'], room: (typeof early)[number]['room']) => void early.push({ event, room });
      session.peer.on('room.event', (body) => deliver(body.event, body.room));
      mark(`session open on ${session.subId}`);
      // Measure the clock from now on, alongside joining and starting mpv: on a slow link each
      // exchange is a round trip, and these are what a late joiner waits for.
      const clockPromise = player ? undefined : measureClock(session.peer, 4);
      clockPromise?.catch(() => {});
      let room;
      try {
        ({ room } = await session.peer.request('room.join', { roomId: opts.roomId }));
        if (room.closed) throw new WatchpartyError('ROOM_CLOSED', `room ${room.id} was closed by ${room.admin}`);
      } catch (err) {
        session.peer.close(1000, 'join refused');
        throw err;
      }
      if (!player) {
        mark('joined');
        try {
          relay = await openRelay(session, profile.data.token!, log);
          const url = relay.url(room.videoId);
          const mpvOptions = {
            url,
            headless: opts.headless,
            paused: true,
            title: `${room.videoName} · room ${room.id}`,
            extraArgs: ['--keep-open=yes', '--hr-seek=yes', ...opts.mpvArgs],
            ...(opts.ipcPath ? { ipcPath: opts.ipcPath } : {}),
          };
          // Open mpv while checking that the sub has the replica: on a slow link that saves a round
          // trip. If the replica is still arriving mpv fails to open; it is started again once it is there.
          const streamable = waitUntilStreamable(url, opts.onInfo, 120_000);
          streamable.catch(() => {});
          let mpv;
          try {
            mpv = await startMpv({ ...mpvOptions, startSeconds: positionAt(room, Date.now()) / 1000 });
          } catch (err) {
            // Waiting for the replica cannot help a player that is not there.
            if (err instanceof WatchpartyError && err.code === 'PLAYER_NOT_FOUND') throw err;
            await streamable;
            mpv = await startMpv({ ...mpvOptions, startSeconds: positionAt(room, Date.now()) / 1000 });
          }
          await streamable.catch(async (err) => {
            await mpv.stop();
            throw err;
          });
          mark('stream and mpv ready');
          player = new RoomPlayer(session.peer, room, mpv, session.user, log);
          player.onClosed((text) => {
            closedText = text;
            // Not `session`: after a reconnect that one is long gone, and closing it would leave this
            // loop waiting on the new one while mpv plays on (seen after two sub kills).
            current?.peer.close(1000, 'room closed');
          });
          player.useClock(await clockPromise!);
          mark('clock measured');
          await player.start();
          mark('following the room');
          opts.onInfo(`watching ${room.videoName} in room ${room.id} (${player.isAdmin ? 'you are the admin' : `admin: ${room.admin}`})`);
          const p = player;
          statusTimer = setInterval(() => {
            const st = p.status();
            if (opts.headless) opts.onLine(JSON.stringify(st));
            profile.update({ lastRoom: { id: st.room, positionMs: Math.round(st.expected * 1000), atMs: Date.now() } });
          }, 1000);
          void mpv.exited.then(() => stop.abort());
        } catch (err) {
          // The session must not outlive a failed start: its open socket alone keeps this process alive.
          session.peer.close(1000, 'watch failed');
          throw err;
        }
      } else {
        // Same URL for mpv; the relay now fetches from the sub this session is on.
        relay?.setUpstream(upstreamOf(session, profile.data.token!));
        await player.rebind(session.peer, room);
        opts.onInfo(`back in room ${room.id} on ${session.subId}`);
      }
      const p = player;
      deliver = (event, r) => void p.onEvent(event, r).catch((err: Error) => log.warn(`room event: ${err.message}`));
      for (const e of early.splice(0)) deliver(e.event, e.room);
      await new Promise<void>((resolve) => {
        session.peer.onceClosed(() => resolve());
        stop.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      if (stop.signal.aborted || closedText) {
        // Stop the player first: a player that heard its own leave would join again.
        await player.stop();
        await session.peer.request('room.leave', { roomId: opts.roomId }, { timeoutMs: 1000 }).catch(() => {});
        session.peer.close(1000, 'bye');
        break;
      }
      opts.onInfo(`lost ${session.subId}; reconnecting…`);
    }
  } finally {
    clearInterval(statusTimer);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    await player?.stop();
    await relay?.close();
  }
  if (closedText) opts.onInfo(closedText);
}
