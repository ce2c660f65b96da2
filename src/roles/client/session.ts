/**
 * The live ClientSession behind the TUI: one object holding the snapshot the views render and the
 * actions they call. It owns the connection (with failover and the 5-attempt rule), keeps videos,
 * users, rooms and notifications fresh, runs uploads, and lends its room view to TuiRoom (session-room.ts).
 */
import { CloseCode, type Notification, type RoomState } from '../../net/messages.js';
import { emptySnapshot, type ClientActions, type ClientSession, type ClientSnapshot } from '../../tui/client-session.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Profile } from './profile.js';
import { MAX_SUB_ATTEMPTS, centralAddress, openSession, withCentral, type Endpoint, type Session } from './connect.js';
import { playAlone } from './play.js';
import { TuiRoom, failureText as message } from './session-room.js';
import { TuiMessages } from './session-messages.js';
import { TuiUpload } from './session-upload.js';
import { completePath } from './complete-path.js';
import { deletedText, deleteVideo, operatorSecret } from './delete-video.js';

/** The original design's client compares videos, users and rooms with its sub periodically. */
const REFRESH_MS = 5000;
const TOAST_MS = 4000;

export interface LiveSessionOptions {
  profile: Profile;
  endpoint: Endpoint;
  log: Logger;
  /** mpv without a window or sound (tests, machines without a display). */
  headlessPlayer: boolean;
}

export class LiveClientSession implements ClientSession {
  private snap: ClientSnapshot;
  private readonly listeners = new Set<() => void>();
  private session: Session | undefined;
  private readonly room: TuiRoom;
  private readonly messages: TuiMessages;
  private readonly uploads: TuiUpload;
  /** Stops the video playing alone, if one is. */
  private solo: AbortController | undefined;
  private refreshTimer: NodeJS.Timeout | undefined;
  private connectAbort = new AbortController();
  private stopped = false;
  readonly actions: ClientActions;

  constructor(private readonly opts: LiveSessionOptions) {
    const d = opts.profile.data;
    this.snap = { ...emptySnapshot(centralAddress(opts.endpoint)), screen: d.token ? 'main' : 'login', user: d.user };
    this.room = new TuiRoom({
      profile: opts.profile,
      log: opts.log,
      headless: opts.headlessPlayer,
      session: () => this.session,
      peer: () => this.requirePeer(),
      watching: () => this.snap.watching,
      show: (watching) => this.set({ watching }),
      toast: (text, tone) => this.toast(text, tone),
    });
    this.messages = new TuiMessages({
      peer: () => this.requirePeer(),
      snapshot: () => this.snap,
      set: (change) => this.set(change),
      toast: (text, tone) => this.toast(text, tone),
    });
    this.uploads = new TuiUpload({
      peer: () => this.session?.peer,
      snapshot: () => this.snap,
      set: (change) => this.set(change),
      toast: (text) => this.toast(text),
      refresh: () => void this.refresh(),
      stopped: () => this.stopped,
      profile: opts.profile,
    });
    this.actions = {
      submitLogin: (u, p, r) => this.submitLogin(u, p, r),
      logout: () => this.logout(),
      markNotificationsRead: () => this.markRead(),
      markMessagesRead: () => this.messages.markRead(),
      sendMessage: (to, text) => this.messages.send(to, text),
      blockUser: (user, on) => this.messages.block(user, on),
      say: (text) => this.room.say(text),
      editQueue: (change) => this.room.editQueue(change),
      upload: (file, name) => void this.uploads.start(file, name),
      cancelUpload: () => this.uploads.cancel(),
      completePath: (partial) => completePath(partial),
      playAlone: (id) => this.playAlone(id),
      createRoom: (id, invite) => this.createRoom(id, invite),
      openRoom: (id) => this.openRoom(id),
      leaveRoom: () => this.room.stop(),
      control: (a, ms) => this.room.control(a, ms),
      setSpeed: (rate) => this.room.setSpeed(rate),
      goOn: () => this.room.goOn(),
      setAutoRelease: (on) => this.room.setAutoRelease(on),
      playOwnCopy: () => this.room.playOwnCopy(),
      closeRoom: (id) => this.closeRoom(id),
      manageRoom: (action, users) => this.room.manage(action, users),
      deleteVideo: (id) => this.deleteVideo(id),
      quit: () => this.quit(),
    };
  }

  snapshot(): ClientSnapshot {
    return this.snap;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private set(change: Partial<ClientSnapshot>): void {
    this.snap = { ...this.snap, ...change };
    for (const l of this.listeners) l();
  }

  private toast(text: string, tone: 'info' | 'warn' | 'error' = 'info'): void {
    const atMs = Date.now();
    this.set({ toast: { text, tone, atMs } });
    setTimeout(() => {
      if (this.snap.toast?.atMs === atMs) this.set({ toast: undefined });
    }, TOAST_MS).unref();
  }

  /** With a remembered session, connect at once (the login view is skipped). */
  start(): void {
    if (this.snap.screen === 'main') void this.connectLoop();
  }

  // ---- connection ------------------------------------------------------------------------

  private async connectLoop(): Promise<void> {
    const { profile, log } = this.opts;
    this.connectAbort = new AbortController();
    const signal = this.connectAbort.signal;
    /** The sub the last session lost (not one that moved us): central places us elsewhere first. */
    let lostSubId: string | undefined;
    while (!this.stopped && !signal.aborted) {
      let attempt = 1;
      if (this.snap.link.kind !== 'reconnecting') this.set({ link: { kind: 'connecting', message: `connecting to ${this.snap.central}…` } });
      let session: Session;
      try {
        session = await openSession({
          endpoint: this.opts.endpoint,
          profile,
          log,
          signal,
          ...(lostSubId ? { lostSubId } : {}),
          onProgress: (m) => {
            attempt += /attempt/.test(m) ? 1 : 0;
            this.set({ link: { kind: 'reconnecting', message: m, attempt: Math.min(attempt, MAX_SUB_ATTEMPTS), maxAttempts: MAX_SUB_ATTEMPTS } });
          },
        });
      } catch (err) {
        if (this.stopped || signal.aborted) return;
        await this.room.stop();
        const why = err instanceof WatchpartyError && err.code === 'BAD_TOKEN' ? 'your session is no longer valid: log in again' : `${message(err)} — log in again`;
        this.session = undefined;
        this.set({ screen: 'login', link: { kind: 'offline' }, loggedOutReason: why, busy: undefined });
        return;
      }
      this.session = session;
      this.set({ link: { kind: 'online', subId: session.subId, subAddress: session.subAddress }, user: session.user, screen: 'main', loggedOutReason: undefined });
      session.peer.on('notify.push', (body) => this.addNotifications(body.items));
      session.peer.on('room.event', (body) => this.onRoomEvent(body.event, body.room));
      await this.refresh();
      await this.messages.attach(session).catch((err: Error) => this.opts.log.warn(`listing messages: ${message(err)}`));
      // Back after a failover: the watch moves to the new session and rejoins where the room is now.
      await this.room.attach(session).catch((err: Error) => this.toast(`could not rejoin the room: ${message(err)}`, 'warn'));
      clearInterval(this.refreshTimer);
      this.refreshTimer = setInterval(() => void this.refresh(), REFRESH_MS);
      const code = await new Promise<number | undefined>((resolve) => {
        session.peer.onceClosed((c) => resolve(c));
        signal.addEventListener('abort', () => resolve(undefined), { once: true });
      });
      clearInterval(this.refreshTimer);
      if (this.stopped || signal.aborted) return;
      const moved = code === CloseCode.moved;
      lostSubId = moved ? undefined : session.subId;
      this.set({ link: { kind: 'reconnecting', message: moved ? `${session.subId} is draining: moving to another sub-server…` : `${session.subId} lost, finding another sub-server…`, attempt: 1, maxAttempts: MAX_SUB_ATTEMPTS } });
    }
  }

  private async refresh(): Promise<void> {
    const peer = this.session?.peer;
    if (!peer || peer.closed) return;
    try {
      const [videos, users, rooms, pending] = await Promise.all([
        peer.request('videos.list', {}),
        peer.request('users.list', {}),
        peer.request('rooms.list', {}),
        peer.request('notify.list', {}),
      ]);
      this.set({ videos: videos.videos, users: users.users, rooms: rooms.rooms });
      this.addNotifications(pending.items);
      this.markCentral(false);
    } catch (err) {
      this.opts.log.debug(`refresh failed: ${message(err)}`);
      if (err instanceof WatchpartyError && err.details?.centralLost === true) this.markCentral(true);
    }
  }

  /** Whether our sub has lost central (the status line turns yellow and says so). */
  private markCentral(lost: boolean): void {
    const link = this.snap.link;
    if (link.kind === 'online' && Boolean(link.centralLost) !== lost) this.set({ link: { ...link, centralLost: lost } });
  }

  private readKey(): string {
    return `${this.session?.instanceId ?? ''}:${this.snap.user ?? ''}`;
  }

  private addNotifications(items: Notification[]): void {
    const known = new Set(this.snap.notifications.map((n) => n.id));
    const fresh = items.filter((n) => !known.has(n.id));
    if (fresh.length === 0) return;
    const all = [...this.snap.notifications, ...fresh].sort((a, b) => a.id - b.id).slice(-500);
    const lastRead = this.opts.profile.lastShown(this.readKey());
    this.set({ notifications: all, unread: all.filter((n) => n.id > lastRead).length });
    // New videos and invites change what the other tabs show.
    if (fresh.some((n) => n.kind === 'video.new' || n.kind === 'video.deleted' || n.kind === 'room.invite' || n.kind === 'user.registered')) void this.refresh();
  }

  /** Everything shown is read: remember it and let central forget it. */
  private markRead(): void {
    const last = this.snap.notifications.at(-1);
    if (!last) return;
    this.opts.profile.setLastShown(this.readKey(), last.id);
    this.set({ unread: 0 });
    void this.session?.peer.request('notify.ack', { upToId: last.id }).catch(() => {});
  }

  private onRoomEvent(event: { seq: number; text: string; change: string }, room: RoomState): void {
    const others = this.snap.rooms.filter((r) => r.id !== room.id);
    this.set({ rooms: room.closed ? others : [room, ...others].sort((a, b) => b.createdMs - a.createdMs) });
    // The room view follows it through its own RoomWatch; say what happened.
    if (this.room.roomId === room.id) this.toast(event.text);
  }

  // ---- account ---------------------------------------------------------------------------

  private async submitLogin(user: string, password: string, repeat: string): Promise<void> {
    const register = repeat.length > 0;
    this.set({ busy: register ? 'registering…' : 'logging in…', loginError: undefined });
    try {
      const r = await withCentral(this.opts.endpoint, this.opts.log, (c) =>
        register ? c.request('auth.register', { user, password, repeat }) : c.request('auth.login', { user, password }),
      );
      this.opts.profile.update({ host: this.opts.endpoint.host, port: this.opts.endpoint.port, user: r.user, token: r.token });
      this.opts.profile.setPlacement(r);
      this.set({ busy: undefined, user: r.user, screen: 'main', loggedOutReason: undefined, notifications: [], unread: 0, messages: [], unreadMessages: 0 });
      void this.connectLoop();
    } catch (err) {
      this.set({ busy: undefined, loginError: message(err) });
    }
  }

  private async logout(): Promise<void> {
    await this.room.stop();
    await this.session?.peer.request('auth.logout', {}).catch(() => {});
    this.connectAbort.abort();
    this.session?.peer.close(1000, 'logout');
    this.session = undefined;
    this.opts.profile.clearSession();
    this.set({ screen: 'login', link: { kind: 'offline' }, loggedOutReason: undefined, videos: [], rooms: [], notifications: [], unread: 0, messages: [], unreadMessages: 0 });
  }

  // ---- rooms -----------------------------------------------------------------------------

  private async createRoom(videoId: number, invite: string[]): Promise<RoomState | undefined> {
    try {
      const { room } = await this.requirePeer().request('room.create', { videoId, invite });
      this.set({ rooms: [room, ...this.snap.rooms.filter((r) => r.id !== room.id)] });
      this.toast(invite.length ? `room ${room.id} created; invited ${invite.join(', ')}` : `room ${room.id} created`);
      return room;
    } catch (err) {
      this.toast(message(err), 'error');
      return undefined;
    }
  }

  /** Play a video at once with no room, as `watchparty play` does (the same implementation). */
  private async playAlone(videoId: number): Promise<void> {
    const video = this.snap.videos.find((v) => v.id === videoId);
    if (!video || !this.session) return;
    await this.room.stop();
    this.solo?.abort();
    const stop = new AbortController();
    this.solo = stop;
    try {
      await playAlone({
        session: this.session,
        token: this.opts.profile.data.token!,
        video,
        headless: this.opts.headlessPlayer,
        startSeconds: 0,
        signal: stop.signal,
        onLine: () => {},
        onInfo: (m) => this.toast(m),
        onStarted: () => this.toast(`playing ${video.name} alone (no room)`),
      });
      if (!stop.signal.aborted) this.toast(`finished playing ${video.name}`);
    } catch (err) {
      if (!stop.signal.aborted) this.toast(message(err), 'error');
    } finally {
      if (this.solo === stop) this.solo = undefined;
    }
  }

  private requirePeer() {
    const peer = this.session?.peer;
    if (!peer || peer.closed) throw new WatchpartyError('DISCONNECTED', 'not connected to a sub-server right now');
    return peer;
  }

  private async openRoom(roomId: string): Promise<void> {
    if (this.snap.watching?.room.id !== roomId) this.solo?.abort();
    await this.room.open(roomId);
  }

  private async closeRoom(roomId: string): Promise<void> {
    try {
      await this.requirePeer().request('room.control', { roomId, action: 'close' });
      this.set({ rooms: this.snap.rooms.filter((r) => r.id !== roomId) });
      this.toast(`closed room ${roomId}`);
    } catch (err) {
      this.toast(message(err), 'error');
    }
  }

  private async deleteVideo(videoId: number): Promise<void> {
    const video = this.snap.videos.find((v) => v.id === videoId);
    if (!video) return;
    try {
      const r = await deleteVideo(this.requirePeer(), video, operatorSecret({ env: process.env.WATCHPARTY_SECRET }));
      this.set({ videos: this.snap.videos.filter((v) => v.id !== videoId) });
      this.toast(deletedText(r));
    } catch (err) {
      this.toast(message(err), 'error');
    }
  }

  private async quit(): Promise<void> {
    this.stopped = true;
    this.uploads.cancel();
    clearInterval(this.refreshTimer);
    this.solo?.abort();
    await this.room.stop();
    this.connectAbort.abort();
    this.session?.peer.close(1000, 'bye');
  }
}
