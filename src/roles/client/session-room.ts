/**
 * The TUI's room, part of LiveClientSession: watching one room through RoomWatch (the same as
 * `watchparty watch`), the live line its view renders, and the controls of the room being watched.
 * Central enforces who may control a room; the admin check here only saves a round trip and says why.
 */
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Peer } from '../../net/peer.js';
import type { ClientSnapshot, QueueEdit } from '../../tui/client-session.js';
import { roomSpeed } from '../shared/room.js';
import type { Session } from './connect.js';
import { copyBook, type Profile } from './profile.js';
import { RoomWatch } from './room-watch.js';

type Tone = 'info' | 'warn' | 'error';
type Watching = ClientSnapshot['watching'];

/** What the session lends its room. */
export interface RoomHost {
  profile: Profile;
  log: Logger;
  headless: boolean;
  session(): Session | undefined;
  /** The open link to the sub (throws DISCONNECTED without one). */
  peer(): Peer;
  watching(): Watching;
  show(watching: Watching): void;
  toast(text: string, tone?: Tone): void;
}

/** What a toast says about a failure. */
export function failureText(err: unknown): string {
  // A missing player is fixed by the person at the keyboard: say how, as the CLI does.
  if (err instanceof WatchpartyError && err.code === 'PLAYER_NOT_FOUND') return `${err.message} — ${err.hint}`;
  return err instanceof Error ? err.message : String(err);
}

export class TuiRoom {
  private watch: RoomWatch | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly host: RoomHost) {}

  /** Watch `roomId` in mpv (leaving the room watched before); `ownCopy`: from the copy on this disk. */
  async open(roomId: string, ownCopy = false): Promise<void> {
    const { host } = this;
    if (host.watching()?.room.id === roomId && !ownCopy) return;
    await this.stop();
    const watch = new RoomWatch(roomId, { token: host.profile.data.token!, log: host.log, headless: host.headless, onInfo: (m) => host.toast(m), copies: copyBook(host.profile), useKnownCopy: ownCopy });
    this.watch = watch;
    watch.onClosed((text) => {
      host.toast(text, 'warn');
      void this.stop();
    });
    try {
      const session = host.session();
      if (!session || session.peer.closed) throw new WatchpartyError('DISCONNECTED', 'not connected to a sub-server right now');
      await watch.start(session);
      if (this.watch !== watch) return;
      host.profile.update({ lastRoom: { id: roomId, positionMs: watch.expectedMs(), atMs: Date.now() } });
      if (watch.offersOwnCopy) host.toast(`you have this video on disk (${watch.offersOwnCopy}): press f to play it from there`);
      const update = () => {
        const room = watch.room;
        if (this.watch !== watch || !room) return;
        const st = watch.status();
        host.show({ room, isAdmin: watch.isAdmin, expectedMs: watch.expectedMs(), errorMs: st?.error_ms ?? 0, speed: st?.speed ?? 1, health: watch.health, chat: [...watch.chat.all] });
      };
      // A chat line shows at once, not at the next tick.
      watch.chat.onLine(() => update());
      update();
      this.timer = setInterval(update, 250);
      void watch.exited.then(() => {
        if (this.watch === watch) void this.stop();
      });
    } catch (err) {
      if (this.watch === watch) {
        host.toast(failureText(err), 'error');
        await this.stop();
      }
    }
  }

  /** The room being watched (or starting), if any. */
  get roomId(): string | undefined {
    return this.watch?.roomId;
  }

  /** After a failover: the same mpv follows the room through the new session. */
  async attach(session: Session): Promise<void> {
    await this.watch?.attach(session);
  }

  /** Stop watching (mpv closes, the room hears we left). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    const watch = this.watch;
    this.watch = undefined;
    this.host.show(undefined);
    await watch?.stop();
  }

  control(action: 'play' | 'pause' | 'seek', positionMs?: number): Promise<void> {
    return this.request(true, (w) => {
      const clamped = positionMs === undefined ? undefined : Math.max(0, Math.min(w.room.durationMs, Math.round(positionMs)));
      return { action, ...(clamped !== undefined ? { positionMs: clamped } : {}) };
    });
  }

  setSpeed(rate: number): Promise<void> {
    return this.request(true, () => ({ action: 'speed', rate: roomSpeed(rate) }));
  }

  /** Go on without the members the room waits for (central says whether we may). */
  goOn(): Promise<void> {
    return this.request(false, () => ({ action: 'go' }));
  }

  /** Play the watched room from the copy of its video on this disk (restarts mpv on the room's frame). */
  async playOwnCopy(): Promise<void> {
    const roomId = this.host.watching()?.room.id;
    if (!roomId || !this.watch?.offersOwnCopy) {
      this.host.toast('there is no copy of this video on this disk that this profile knows (upload it from here, or watch --file once)', 'warn');
      return;
    }
    await this.open(roomId, true);
  }

  setAutoRelease(on: boolean): Promise<void> {
    return this.request(true, () => ({ action: 'auto-release', on }));
  }

  async manage(action: 'invite' | 'remove' | 'handover' | 'mute' | 'unmute', users: string[]): Promise<void> {
    const roomId = this.host.watching()?.room.id;
    if (!roomId || users.length === 0) return;
    try {
      const { room } = await this.host.peer().request('room.members', { roomId, action, users });
      const said = { invite: `invited ${users.join(', ')}`, remove: `removed ${users[0]}`, handover: `${room.admin} is the admin now`, mute: `muted ${users.join(', ')} in the chat`, unmute: `${users.join(', ')} may write in the chat again` };
      this.host.toast(said[action]);
    } catch (err) {
      this.host.toast(failureText(err), 'error');
    }
  }

  /** Write in the watched room's chat (central says if we are muted or too quick). */
  async say(text: string): Promise<void> {
    const roomId = this.host.watching()?.room.id;
    if (!roomId || !text.trim()) return;
    try {
      await this.host.peer().request('chat.send', { roomId, text });
    } catch (err) {
      this.host.toast(failureText(err), 'error');
    }
  }

  /** An edit of the watched room's queue (central checks who may; a guest's add is a suggestion). */
  async editQueue(change: QueueEdit): Promise<void> {
    const roomId = this.host.watching()?.room.id;
    if (!roomId) {
      this.host.toast('open a room first: its queue is what plays after its video', 'warn');
      return;
    }
    try {
      const { room } = await this.host.peer().request('room.queue', { roomId, ...change });
      if (change.op === 'add' || change.op === 'suggest') this.host.toast(room.admin.toLowerCase() === this.host.session()?.user.toLowerCase() ? `queued (${room.queue.length} in the queue)` : `suggested to ${room.admin}`);
    } catch (err) {
      this.host.toast(failureText(err), 'error');
    }
  }

  /** One `room.control` on the watched room; failures become a toast. */
  private async request(adminOnly: boolean, body: (w: NonNullable<Watching>) => { action: 'play' | 'pause' | 'seek' | 'speed' | 'go' | 'auto-release'; positionMs?: number; rate?: number; on?: boolean }): Promise<void> {
    const w = this.host.watching();
    if (!w) return;
    if (adminOnly && !w.isAdmin) {
      this.host.toast(`only the admin (${w.room.admin}) controls this room`, 'warn');
      return;
    }
    try {
      await this.host.peer().request('room.control', { roomId: w.room.id, ...body(w) });
    } catch (err) {
      this.host.toast(failureText(err), 'error');
    }
  }
}
