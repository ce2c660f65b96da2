/**
 * The sub's side of its clients: hello, session.open (token checked with central, then cached),
 * relaying requests to central, and delivering central's notifications to every connection of a user.
 */
import type { Peer } from '../../net/peer.js';
import { CloseCode, PROTOCOL_VERSION, SubAcceptsFromClient } from '../../net/messages.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';

interface SubContext {
  subId: string | undefined;
  instanceId: string | undefined;
  central: Peer | undefined;
  changed(): void;
}

interface Attached {
  user: string;
  token: string;
  sinceMs: number;
}

/** A token checked with central stays trusted this long; logout revokes it at once through an event. */
const TOKEN_CACHE_MS = 60_000;

export class ClientSessions {
  private readonly attached = new Map<Peer, Attached>();
  private readonly tokenCache = new Map<string, { user: string; subId: string; subAddress: string; checkedAtMs: number }>();

  constructor(
    private readonly sub: SubContext,
    private readonly log: Logger,
  ) {}

  get count(): number {
    return this.attached.size;
  }

  /** Connected clients for the TUI: user, address, since. */
  list(): { user: string; address: string; sinceMs: number }[] {
    return [...this.attached].map(([peer, a]) => ({ user: a.user, address: String(peer.meta.address ?? ''), sinceMs: a.sinceMs }));
  }

  accept(peer: Peer): void {
    peer.meta.address = peer.name;
    peer.handle('hello', (p) => {
      if (p.protocol !== PROTOCOL_VERSION) {
        setTimeout(() => peer.close(CloseCode.protocolMismatch, 'protocol mismatch'), 50);
        throw new WatchpartyError('PROTOCOL_MISMATCH', `this sub speaks protocol ${PROTOCOL_VERSION}, you speak ${p.protocol}`);
      }
      if (p.role !== 'client') throw new WatchpartyError('BAD_MESSAGE', 'only clients connect to a sub');
      peer.setAccepts(SubAcceptsFromClient);
      return { protocol: PROTOCOL_VERSION, role: 'sub' as const, instanceId: this.sub.instanceId ?? '' };
    });
    peer.handle('session.open', async (p) => {
      const placement = await this.check(p.token);
      if (placement.subId !== this.sub.subId) {
        throw new WatchpartyError('WRONG_SUB', `${placement.user} is served by ${placement.subId} at ${placement.subAddress}, not by ${this.sub.subId}`, {
          details: { subId: placement.subId, subAddress: placement.subAddress },
        });
      }
      this.attached.set(peer, { user: placement.user, token: p.token, sinceMs: Date.now() });
      peer.name = `client ${placement.user}@${String(peer.meta.address)}`;
      peer.onceClosed(() => {
        if (this.attached.delete(peer)) {
          this.log.info(`${placement.user} disconnected`);
          this.sub.changed();
        }
      });
      this.log.info(`${placement.user} connected from ${String(peer.meta.address)}`);
      this.sub.changed();
      return placement;
    });
    peer.handle('users.list', async () => {
      this.sessionOf(peer);
      return this.centralPeer().request('users.list', {});
    });
    peer.handle('notify.list', async () => {
      const { user } = this.sessionOf(peer);
      return this.centralPeer().request('notify.pending', { user });
    });
    peer.handle('notify.ack', async (p) => {
      const { user } = this.sessionOf(peer);
      return this.centralPeer().request('notify.ack', { user, upToId: p.upToId });
    });
    // Video requests are relayed to central with the session's user attached: central never takes a
    // client's word for who it is.
    peer.handle('upload.begin', async (p) => this.centralPeer().request('upload.begin', { ...p, user: this.sessionOf(peer).user }));
    peer.handle('upload.chunk', async (p, ctx) =>
      this.centralPeer().request('upload.chunk', { ...p, user: this.sessionOf(peer).user }, ctx.payload ? { payload: ctx.payload } : {}),
    );
    // Finishing hashes and probes the whole file on central: allow it minutes, not seconds.
    peer.handle('upload.finish', async (p) => this.centralPeer().request('upload.finish', { ...p, user: this.sessionOf(peer).user }, { timeoutMs: 600_000 }));
    peer.handle('upload.cancel', async (p) => this.centralPeer().request('upload.cancel', { ...p, user: this.sessionOf(peer).user }));
    peer.handle('videos.list', async () => {
      this.sessionOf(peer);
      return this.centralPeer().request('videos.list', {});
    });
    // Rooms: relayed with the session's user; central decides who may do what.
    const relayRoom = <K extends 'room.create' | 'rooms.list' | 'room.get' | 'room.control'>(type: K) =>
      peer.handle(type, async (p) => this.centralPeer().request(type, { ...(p as object), user: this.sessionOf(peer).user } as never) as never);
    relayRoom('room.create');
    relayRoom('rooms.list');
    relayRoom('room.get');
    relayRoom('room.control');
    peer.handle('room.join', async (p) => {
      const { user } = this.sessionOf(peer);
      const r = await this.centralPeer().request('room.join', { roomId: p.roomId, user });
      peer.meta.watching = p.roomId;
      peer.meta.lastUser = user;
      return r;
    });
    peer.handle('room.leave', async (p) => {
      const { user } = this.sessionOf(peer);
      peer.meta.watching = undefined;
      return this.centralPeer().request('room.leave', { roomId: p.roomId, user });
    });
    peer.handle('time.sync', async () => {
      this.sessionOf(peer);
      return this.centralPeer().request('time.sync', {});
    });
    peer.on('room.heartbeat', (body) => {
      const a = this.attached.get(peer);
      if (a && this.sub.central) void this.sub.central.emit('room.heartbeat', { roomId: body.roomId, user: a.user });
    });
    peer.onceClosed(() => {
      // A player that vanished (crash, lost link) leaves its room; it rejoins on reconnect.
      const a = this.attached.get(peer) ?? (peer.meta.lastUser ? { user: String(peer.meta.lastUser) } : undefined);
      const roomId = peer.meta.watching;
      if (a && typeof roomId === 'string' && this.sub.central) void this.sub.central.request('room.leave', { roomId, user: a.user }).catch(() => {});
    });
    peer.handle('auth.logout', async () => {
      const { token, user } = this.sessionOf(peer);
      // Central's revocation event can overtake its reply; this connection must live to hear the reply.
      peer.meta.loggingOut = true;
      await this.centralPeer().request('auth.logout', { token });
      this.tokenCache.delete(token);
      this.attached.delete(peer);
      this.log.info(`${user} logged out`);
      this.sub.changed();
      return {};
    });
  }

  /** Central's events for our clients. */
  listenToCentral(central: Peer): void {
    central.on('notify.push', (body) => {
      if (!body.user) return;
      const key = body.user.toLowerCase();
      for (const [peer, a] of this.attached) {
        if (a.user.toLowerCase() === key) void peer.emit('notify.push', { items: body.items });
      }
    });
    central.on('room.event', (body) => {
      const to = new Set((body.to ?? []).map((u) => u.toLowerCase()));
      for (const [peer, a] of this.attached) {
        if (to.has(a.user.toLowerCase())) void peer.emit('room.event', { event: body.event, room: body.room });
      }
    });
    central.on('session.revoked', (body) => {
      this.tokenCache.delete(body.token);
      for (const [peer, a] of this.attached) {
        if (a.token === body.token && !peer.meta.loggingOut) peer.close(CloseCode.loggedOut, 'logged out');
      }
    });
  }

  centralLost(): void {
    // Cached tokens may have been revoked while we could not hear about it.
    this.tokenCache.clear();
  }

  /** After (re)registering: drop sessions that central has since moved elsewhere or revoked. */
  centralBack(): void {
    for (const [peer, a] of [...this.attached]) {
      this.check(a.token)
        .then((placement) => {
          if (placement.subId !== this.sub.subId) peer.close(CloseCode.moved, `you now belong to ${placement.subId}`);
        })
        .catch((err: WatchpartyError) => {
          if (err.code === 'BAD_TOKEN') peer.close(CloseCode.loggedOut, 'session no longer valid');
        });
    }
  }

  /** For HTTP streaming: the user of a valid token, undefined for an invalid one. */
  async userOfToken(token: string): Promise<string | undefined> {
    if (token.length < 16 || token.length > 128) return undefined;
    try {
      return (await this.check(token)).user;
    } catch (err) {
      if ((err as WatchpartyError).code === 'BAD_TOKEN') return undefined;
      throw err;
    }
  }

  private centralPeer(): Peer {
    const central = this.sub.central;
    if (!central || central.closed) throw new WatchpartyError('DISCONNECTED', `${this.sub.subId ?? 'this sub'} has lost central; try again in a few seconds`);
    return central;
  }

  private sessionOf(peer: Peer): Attached {
    const a = this.attached.get(peer);
    if (!a) throw new WatchpartyError('NOT_LOGGED_IN', 'open a session first (session.open with your token)');
    return a;
  }

  private async check(token: string) {
    const cached = this.tokenCache.get(token);
    if (cached && Date.now() - cached.checkedAtMs < TOKEN_CACHE_MS) return cached;
    const result = await this.centralPeer().request('session.check', { token });
    this.tokenCache.set(token, { ...result, checkedAtMs: Date.now() });
    return result;
  }
}
