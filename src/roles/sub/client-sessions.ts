/**
 * The sub's side of its clients: hello, session.open (token checked with central, then cached),
 * relaying requests to central for the session's user (generated from the relay table), and delivering
 * central's notifications and room events to every connection of a user.
 */
import type { Peer, RequestContext } from '../../net/peer.js';
import { agreeProtocol, CloseCode, OLDEST_PROTOCOL, PROTOCOL_VERSION, type Params, type RequestName } from '../../net/messages.js';
import { RELAYED, RELAYED_NAMES, SubAcceptsFromClient, type RelayedName } from '../../net/directions.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { tokenDigest } from '../shared/token-digest.js';

interface SubContext {
  subId: string | undefined;
  instanceId: string | undefined;
  central: Peer | undefined;
  /** The link for chunks (a second connection to central, or `central` itself). */
  bulkCentral: Peer | undefined;
  changed(): void;
}

/** Everything the sub knows about one client connection. */
interface ClientConn {
  /** The client's address as the socket saw it, for logs and the TUI. */
  address: string;
  /** Set once session.open succeeded; cleared on logout. */
  session?: { user: string; token: string; tokenSha: string; sinceMs: number };
  /** The room this connection's player has joined, left for it when the connection drops. */
  watching?: { roomId: string; user: string };
  /** Logout in progress: central's revocation must not close this connection before the reply. */
  loggingOut: boolean;
  /** Sent to another sub (a drain): its player goes on there, so closing this connection leaves no room. */
  moved?: boolean;
}

/** A token checked with central stays trusted this long; logout revokes it at once through an event. */
const TOKEN_CACHE_MS = 60_000;
/** Most tokens a sub remembers; the oldest check is dropped first (it is re-checked when needed). */
const TOKEN_CACHE_MAX = 10_000;

/** Central's send time travels on to the client, which measures how late the room's news reaches it. */
const stamp = (body: { sentAtMs?: number }) => (body.sentAtMs !== undefined ? { sentAtMs: body.sentAtMs } : {});

type Placement = { user: string; subId: string; subAddress: string; subFingerprint?: string };

export class ClientSessions {
  private readonly conns = new Map<Peer, ClientConn>();
  /** Connections with a session, by lower-cased user: central's news for a user finds them without a scan. */
  private readonly byUser = new Map<string, Set<Peer>>();
  private readonly tokenCache = new Map<string, Placement & { checkedAtMs: number }>();
  /** Sessions moved off this draining sub: their streams may go on here until the drain's deadline. */
  private readonly movedAway = new Map<string, { user: string; untilMs: number }>();

  constructor(
    private readonly sub: SubContext,
    private readonly log: Logger,
  ) {}

  /** Connections with an open session. */
  get count(): number {
    let n = 0;
    for (const c of this.conns.values()) if (c.session) n++;
    return n;
  }

  /** Connected clients for the TUI: user, address, since. */
  list(): { user: string; address: string; sinceMs: number }[] {
    return [...this.conns.values()].flatMap((c) => (c.session ? [{ user: c.session.user, address: c.address, sinceMs: c.session.sinceMs }] : []));
  }

  accept(peer: Peer): void {
    const conn: ClientConn = { address: peer.name, loggingOut: false };
    this.conns.set(peer, conn);
    peer.handle('hello', (p) => {
      const agreed = agreeProtocol(p);
      if (agreed === undefined) {
        setTimeout(() => peer.close(CloseCode.protocolMismatch, 'protocol mismatch'), 50);
        throw new WatchpartyError('PROTOCOL_MISMATCH', `this sub speaks protocols ${OLDEST_PROTOCOL}-${PROTOCOL_VERSION}, you speak ${p.oldest ?? p.protocol}-${p.protocol}`);
      }
      if (p.role !== 'client') throw new WatchpartyError('BAD_MESSAGE', 'only clients connect to a sub');
      peer.setAccepts(SubAcceptsFromClient);
      return { protocol: agreed, role: 'sub' as const, instanceId: this.sub.instanceId ?? '' };
    });
    peer.handle('session.open', async (p) => {
      const placement = await this.check(p.token);
      if (placement.subId !== this.sub.subId) {
        throw new WatchpartyError('WRONG_SUB', `${placement.user} is served by ${placement.subId} at ${placement.subAddress}, not by ${this.sub.subId}`, {
          details: { subId: placement.subId, subAddress: placement.subAddress, ...(placement.subFingerprint ? { subFingerprint: placement.subFingerprint } : {}) },
        });
      }
      this.setSession(peer, conn, { user: placement.user, token: p.token, tokenSha: tokenDigest(p.token), sinceMs: Date.now() });
      peer.markReady();
      peer.name = `client ${placement.user}@${conn.address}`;
      this.log.info(`${placement.user} connected from ${conn.address}`);
      this.sub.changed();
      return placement;
    });
    for (const type of RELAYED_NAMES) {
      peer.handle(type, (p, ctx) => this.relay(conn, type, p, ctx) as never);
    }
    peer.on('room.heartbeat', (body) => {
      if (conn.session && this.sub.central) void this.sub.central.emit('room.heartbeat', { ...body, user: conn.session.user } as never);
    });
    peer.on('room.presence', (body) => {
      if (conn.session && this.sub.central) void this.sub.central.emit('room.presence', { ...body, user: conn.session.user } as never);
    });
    peer.handle('auth.logout', async () => {
      const { token, user } = this.sessionOf(conn);
      conn.loggingOut = true;
      await this.centralPeer().request('session.end', { token });
      this.tokenCache.delete(tokenDigest(token));
      this.setSession(peer, conn, undefined);
      this.log.info(`${user} logged out`);
      this.sub.changed();
      return {};
    });
    peer.onceClosed(() => {
      this.conns.delete(peer);
      this.unindex(peer, conn);
      // A player that vanished (crash, lost link) leaves its room; it rejoins on reconnect. One that
      // moved to another sub is watching there (a leave from here could even arrive after its join).
      const w = conn.watching;
      if (w && this.sub.central && !conn.moved) void this.relayToCentral('room.leave', w.user, { roomId: w.roomId }).catch(() => {});
      if (conn.session) {
        this.log.info(`${conn.session.user} disconnected`);
        this.sub.changed();
      }
    });
  }

  /** Forward one client request to central, acting for the connection's user. */
  private async relay<K extends RelayedName>(conn: ClientConn, type: K, params: Params<K>, ctx: RequestContext) {
    const { user } = this.sessionOf(conn);
    const result = await this.relayToCentral(type, user, params, ctx.payload);
    // Remember the room the player joined, so that a dropped connection leaves it.
    if (type === 'room.join') conn.watching = { roomId: (params as Params<'room.join'>).roomId, user };
    if (type === 'room.leave') conn.watching = undefined;
    return result;
  }

  private relayToCentral<K extends RelayedName>(type: K, user: string, params: Params<K>, payload?: Buffer) {
    const timeoutMs = (RELAYED[type] as { timeoutMs?: number }).timeoutMs;
    // On this link every relayed request carries the acting user; central checks it against its assignment.
    const acting = { ...params, user } as unknown as Params<RequestName & K>;
    // Chunks take the bulk link, so that nobody's small requests (or central's probes) wait behind them.
    const link = type === 'upload.chunk' && this.sub.bulkCentral && !this.sub.bulkCentral.closed ? this.sub.bulkCentral : this.centralPeer();
    return link.request(type, acting, { ...(payload ? { payload } : {}), ...(timeoutMs ? { timeoutMs } : {}) }).catch((err: WatchpartyError) => {
      // The link to central broke under the request (central died, froze, or stopped leading): the client
      // hears that it is central that is gone, not this sub, and waits for the next leader.
      if (err.code === 'DISCONNECTED' || err.code === 'NOT_LEADER') {
        throw new WatchpartyError('DISCONNECTED', `${this.sub.subId ?? 'this sub'} lost central during ${type}; try again in a few seconds`, { details: { centralLost: true } });
      }
      throw err;
    });
  }

  /** Central's events for our clients. */
  listenToCentral(central: Peer): void {
    central.on('notify.push', (body) => {
      if (!body.user) return;
      for (const [peer] of this.connsOf(body.user)) void peer.emit('notify.push', { items: body.items });
    });
    central.on('msg.push', (body) => {
      if (!body.user) return;
      for (const [peer] of this.connsOf(body.user)) void peer.emit('msg.push', { messages: body.messages, ...(body.prevId !== undefined ? { prevId: body.prevId } : {}) });
    });
    central.on('room.chat', (body) => {
      for (const peer of this.peersOf(body.to)) void peer.emit('room.chat', { line: body.line });
    });
    central.on('room.event', (body) => {
      for (const peer of this.peersOf(body.to)) void peer.emit('room.event', { event: body.event, room: body.room, ...stamp(body) });
    });
    central.on('room.health', (body) => {
      for (const peer of this.peersOf(body.to)) void peer.emit('room.health', { roomId: body.roomId, members: body.members, ...stamp(body) });
    });
    central.on('session.revoked', (body) => {
      this.tokenCache.delete(body.tokenSha);
      this.movedAway.delete(body.tokenSha);
      for (const [peer, c] of this.conns) {
        if (c.session?.tokenSha === body.tokenSha && !c.loggingOut) peer.close(CloseCode.loggedOut, 'session ended');
      }
    });
  }

  private *connsOf(user: string): Generator<[Peer, ClientConn]> {
    for (const peer of this.byUser.get(user.toLowerCase()) ?? []) yield [peer, this.conns.get(peer)!];
  }

  /** The connections with a session of any of `users`. */
  private *peersOf(users: readonly string[] | undefined): Generator<Peer> {
    for (const u of new Set((users ?? []).map((x) => x.toLowerCase()))) yield* this.byUser.get(u) ?? [];
  }

  private setSession(peer: Peer, conn: ClientConn, session: ClientConn['session']): void {
    this.unindex(peer, conn);
    conn.session = session;
    if (!session) return;
    const key = session.user.toLowerCase();
    const peers = this.byUser.get(key);
    if (peers) peers.add(peer);
    else this.byUser.set(key, new Set([peer]));
  }

  private unindex(peer: Peer, conn: ClientConn): void {
    if (!conn.session) return;
    const key = conn.session.user.toLowerCase();
    const peers = this.byUser.get(key);
    peers?.delete(peer);
    if (peers?.size === 0) this.byUser.delete(key);
  }

  centralLost(): void {
    // Cached tokens may have been revoked while we could not hear about it.
    this.tokenCache.clear();
  }

  /** After (re)registering: drop sessions that central has since moved elsewhere or revoked. */
  centralBack(): void {
    for (const [peer, c] of [...this.conns]) {
      if (!c.session) continue;
      this.check(c.session.token)
        .then((placement) => {
          if (placement.subId !== this.sub.subId) peer.close(CloseCode.moved, `you now belong to ${placement.subId}`);
          // Pushes sent while we were away from central are lost: the client lists messages and chat again.
          else void peer.emit('talk.resync', {});
        })
        .catch((err: WatchpartyError) => {
          if (err.code === 'BAD_TOKEN') peer.close(CloseCode.loggedOut, 'session no longer valid');
        });
    }
  }

  /**
   * This sub drains: ask central afresh where each session belongs now, and send each one that moved
   * to its new sub (a `session.move` it reconnects by, then the close). Its player keeps streaming from
   * here until its relay has moved (at most until `untilMs`).
   */
  moveAll(reason: string, untilMs: number): void {
    // Every placement cached before the drain is stale: a session opened here now is sent on at once.
    this.tokenCache.clear();
    const now = Date.now();
    for (const [sha, m] of this.movedAway) if (m.untilMs <= now) this.movedAway.delete(sha);
    for (const [peer, c] of [...this.conns]) {
      const s = c.session;
      if (!s || c.moved) continue;
      this.check(s.token)
        .then((placement) => {
          if (placement.subId === this.sub.subId || peer.closed) return;
          this.movedAway.set(s.tokenSha, { user: s.user, untilMs });
          c.moved = true;
          this.log.info(`moving ${s.user} to ${placement.subId} (${reason})`);
          void peer.emit('session.move', { subId: placement.subId, subAddress: placement.subAddress, ...(placement.subFingerprint ? { subFingerprint: placement.subFingerprint } : {}), reason });
          peer.close(CloseCode.moved, `moved to ${placement.subId}: ${reason}`.slice(0, 120));
        })
        .catch((err: Error) => this.log.warn(`could not move ${s.user}: ${err.message}`));
    }
  }

  /** The drain's deadline: every client still here is told why and let go. */
  evictAll(reason: string): void {
    for (const [peer, c] of [...this.conns]) if (c.session) peer.close(CloseCode.shutdown, reason.slice(0, 120));
  }

  /** For HTTP streaming: the user of a valid token assigned to this sub; undefined otherwise. */
  async userOfToken(token: string): Promise<string | undefined> {
    if (token.length < 16 || token.length > 128) return undefined;
    const moved = this.movedAway.get(tokenDigest(token));
    if (moved && Date.now() < moved.untilMs) return moved.user;
    try {
      const placement = await this.check(token);
      return placement.subId === this.sub.subId ? placement.user : undefined;
    } catch (err) {
      if ((err as WatchpartyError).code === 'BAD_TOKEN') return undefined;
      throw err;
    }
  }

  private centralPeer(): Peer {
    const central = this.sub.central;
    if (!central || central.closed) throw new WatchpartyError('DISCONNECTED', `${this.sub.subId ?? 'this sub'} has lost central; try again in a few seconds`, { details: { centralLost: true } });
    return central;
  }

  private sessionOf(conn: ClientConn): NonNullable<ClientConn['session']> {
    if (!conn.session) throw new WatchpartyError('NOT_LOGGED_IN', 'open a session first (session.open with your token)');
    return conn.session;
  }

  /** Who owns `token` (cached by digest for a minute; revocations clear the cache at once). */
  private async check(token: string): Promise<Placement> {
    const sha = tokenDigest(token);
    const cached = this.tokenCache.get(sha);
    if (cached && Date.now() - cached.checkedAtMs < TOKEN_CACHE_MS) return cached;
    const result = await this.centralPeer().request('session.check', { token });
    this.tokenCache.delete(sha);
    if (this.tokenCache.size >= TOKEN_CACHE_MAX) this.tokenCache.delete(this.tokenCache.keys().next().value!);
    this.tokenCache.set(sha, { ...result, checkedAtMs: Date.now() });
    return result;
  }
}
