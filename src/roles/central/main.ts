/**
 * Central while it leads: the single source of truth. Owns the clock, the detector's timer and the store;
 * the rules live in pure modules (registry, failure-detector, accounts, rate-limit); the socket, the
 * lease and the data-folder lock belong to the node that runs it (node.ts).
 */
import type { IncomingMessage } from 'node:http';
import { remoteHost } from '../../net/server.js';
import type { Peer } from '../../net/peer.js';
import { agreeProtocol, CloseCode, OLDEST_PROTOCOL, PROTOCOL_VERSION, type ClusterStatus } from '../../net/messages.js';
import { CentralAcceptsFromClient, CentralAcceptsFromUnregisteredSub } from '../../net/directions.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { detectorConfig, type DetectorConfig } from '../shared/failure-detector.js';
import { SubDetector } from './sub-detector.js';
import type { SubRecord } from '../shared/registry.js';
import { clusterStatus } from './status.js';
import { oncePerEpisode } from '../once-per-episode.js';
import { CentralStore } from './store.js';
import { describeStore } from './db.js';
import { AccountService } from './account-service.js';
import { VideoService } from './videos.js';
import { RoomService } from './rooms.js';
import { Delivery } from './delivery.js';
import { ROOM_RULES } from '../shared/room.js';
import { UserPlacement } from './placement.js';
import { drainSub, operatorDrain } from './drain.js';
import { serveSubAttach, type SubLinkDeps } from './handlers.js';
import { serveSubRegistration, type RegistrationDeps } from './sub-registration.js';
import type { TlsMaterial } from '../../net/tls.js';
import { policyFor, SESSION_POLICY, sweepEveryMs } from '../shared/session-policy.js';
import { setUpJobs } from './job-setup.js';
import { TalkService } from './talk.js';
import { VideoRestore } from './restore.js';
import type { JobService } from './jobs.js';
import { forgetVideo, jobList, processingOf, type JobAdminDeps } from './job-admin.js';

export interface CentralOptions {
  host: string;
  port: number;
  dataDir: string;
  /** `postgres://…`: central's state on PostgreSQL; otherwise SQLite in `dataDir`. */
  storeUrl?: string;
  /** The host others reach this central at, when centrals share PostgreSQL (default: the bind address, or the machine's name). */
  advertise?: string;
  heartbeatMs: number;
  /** The cluster secret every sub must present (never empty). */
  secret: string;
  /** Where the secret came from (a file path or WATCHPARTY_SECRET), for the start-up log line. */
  secretSource?: string;
  /** Multiplies every rate limit (registrations, logins, rooms, invitations); default 1. */
  rateScale?: number;
  /** Session lifetime without use (sliding); default 30 days. */
  sessionIdleMs?: number;
  /** Close rooms nobody has used for this long (default ROOM_RULES.idleCloseMs, 7 days). */
  roomIdleMs?: number;
  /** How long a name reservation lives without a chunk (default 30 s). */
  uploadLeaseMs?: number;
  /** Serve wss:// with this certificate; plain ws:// without (loopback or --insecure). */
  tls?: TlsMaterial;
  /** How long a media task's lease lasts without renewal (default 20 s). */
  jobLeaseMs?: number;
  /** Tries of a media task before it is marked failed (default 4). */
  jobAttempts?: number;
  log: Logger;
}

/** What a leading central asks of the node that runs it (node.ts). */
export interface NodeLink {
  /** Whether the lease still holds on the local clock (always, without a shared store). */
  mayLead(): boolean;
  /** The lease ran out: the node steps down. */
  lost(): void;
  /** Every central of the cluster (`host:port`), the leader first. */
  centrals(): string[];
  /** The certificates of the centrals that serve TLS: whoever trusts the leader may trust them. */
  pins(): { address: string; fingerprint: string }[];
  /** What `status` adds about the centrals. */
  status(): Pick<ClusterStatus, 'centrals'>;
}

export class Central {
  private registry = new Map<string, SubRecord>();
  private readonly subPeers = new Map<string, Peer>();
  /** Ids declared dead in this run: a sub that comes back with one registers as new. */
  private readonly deadIds = new Set<string>();
  /** Which sub serves each user, and the moves in progress. */
  private readonly placement: UserPlacement;
  private readonly listeners = new Set<() => void>();
  private timer: NodeJS.Timeout | undefined;
  readonly cfg: DetectorConfig;
  readonly startedAtMs = Date.now();
  readonly accounts: AccountService;
  readonly videos: VideoService;
  readonly rooms: RoomService;
  readonly jobs: JobService;
  private readonly jobAdmin: JobAdminDeps;
  private readonly talk: TalkService;
  /** Videos this central lacks (it took over on another machine), copied back from the subs. */
  readonly restore: VideoRestore;
  private readonly delivery: Delivery;
  private readonly detector: SubDetector;
  /** Every connection accepted while leading: closed when the leadership ends. */
  private readonly peers = new Set<Peer>();
  private constructor(
    readonly opts: CentralOptions,
    readonly store: CentralStore,
    private readonly node: NodeLink,
  ) {
    this.cfg = detectorConfig(opts.heartbeatMs);
    this.delivery = new Delivery(store, opts.log, this.subPeers);
    this.detector = new SubDetector({
      registry: () => this.registry,
      setRegistry: (next) => (this.registry = next),
      subPeers: this.subPeers,
      deadIds: this.deadIds,
      cfg: this.cfg,
      log: opts.log,
      leaveRooms: (id) => this.rooms.leaveAll(this.store.usersOfSub(id)),
      reassignUsersOf: (id) => this.placement.reassignUsersOf(id),
      changed: () => this.changed(),
      mayLead: () => node.mayLead(),
      cluster: () => this.clusterNews(),
    });
    this.placement = new UserPlacement({
      store,
      log: opts.log,
      registry: () => this.registry,
      notify: (users, n) => this.delivery.notify(users, n),
      changed: () => this.changed(),
    });
    this.accounts = new AccountService(store, opts.log.child('accounts'), {
      placeUser: (user, current, unreachable) => this.placement.placeUser(user, current, unreachable),
      notify: (users, n) => this.delivery.notify(users, n),
      revoke: (tokenShas) => {
        for (const tokenSha of tokenShas) this.delivery.toSubs('session.revoked', { tokenSha });
      },
    }, { rateScale: opts.rateScale });
    ({ service: this.jobs, admin: this.jobAdmin } = setUpJobs({
      dataDir: opts.dataDir,
      store,
      log: opts.log.child('jobs'),
      toSubs: (type, body) => this.delivery.toSubs(type, body),
      renditionReplicas: (id) => [...this.registry.values()].filter((s) => s.renditions?.includes(id)).length,
      secretMatches: (given) => this.accounts.secretMatches(given, this.opts.secret),
      secretTry: (user) => this.accounts.quotas.take('operatorSecret', user, Date.now()),
      changed: () => this.changed(),
      leaseMs: opts.jobLeaseMs,
      attempts: opts.jobAttempts,
    }));
    this.videos = new VideoService(opts.dataDir, store, opts.log.child('videos'), {
      replicaCount: (id) => [...this.registry.values()].filter((s) => s.replicas.includes(id)).length,
      extras: (id) => {
        const processing = processingOf(store.jobs, id);
        return { renditions: this.jobs.renditionInfos(id), ...(processing ? { processing } : {}) };
      },
      published: (video) => {
        this.delivery.notify(this.store.userNames(), { kind: 'video.new', text: `new video: ${video.name} by ${video.uploader}` });
        this.delivery.toSubs('video.added', { video });
        const row = this.store.video(video.id);
        if (row) this.jobs.plan(row);
        this.changed();
      },
    }, opts.uploadLeaseMs);
    this.restore = new VideoRestore({
      items: () => [
        ...store.videos().map((v) => ({ kind: 'video' as const, id: v.id, name: v.name, size: v.size, sha256: v.sha256, path: this.videos.videoPath(v.id) })),
        ...this.jobs.renditionInfos().map((r) => ({ kind: 'rendition' as const, id: r.id, name: r.name, size: r.size, sha256: r.sha256, path: this.jobs.renditionPath(r.id) })),
      ],
      holders: (kind, id) =>
        [...this.registry.values()].filter((s) => s.connected && (kind === 'video' ? s.replicas : (s.renditions ?? [])).includes(id)).flatMap((s) => this.subPeers.get(s.id) ?? []),
      log: opts.log.child('videos'),
    });
    this.talk = new TalkService(store.talk, this.accounts.quotas, opts.log.child('talk'), {
      room: (roomId, user) => this.rooms.snapshot(roomId, user),
      knownUser: (name) => store.canonicalUser(name),
      chat: (users, line) => this.delivery.chat(users, line),
      dm: (user, message, prevId) => this.delivery.dm(user, message, prevId),
    });
    this.rooms = new RoomService(store, opts.log.child('rooms'), {
      deliver: (users, event, room) => this.delivery.roomEvent(users, event, room),
      health: (users, body) => this.delivery.roomHealth(users, body),
      invite: (users, text) => this.delivery.notify(users, { kind: 'room.invite', text }),
      closed: (roomId) => void store.talk.forgetChat(roomId).catch((err: Error) => opts.log.warn(`could not delete the chat of room ${roomId}: ${err.message}`)),
    }, { ...ROOM_RULES, idleCloseMs: opts.roomIdleMs ?? ROOM_RULES.idleCloseMs });
  }

  /**
   * Lead: open the store (fenced by the lease's epoch when centrals share PostgreSQL), and start the
   * failure detector and the room clock. The node (node.ts) owns the socket, the lease and the lock.
   */
  static async lead(opts: CentralOptions, node: NodeLink, fence?: { epoch: number; holdMs: number; onFenced: () => void }): Promise<Central> {
    const sessionPolicy = policyFor(opts.sessionIdleMs ?? SESSION_POLICY.idleExpiryMs);
    const store = await CentralStore.open({ dataDir: opts.dataDir, ...(opts.storeUrl ? { url: opts.storeUrl } : {}), sessionPolicy, log: opts.log.child('store'), ...(fence ? { fence } : {}) });
    let central: Central;
    try {
      await store.adoptSecret(opts.secret);
      central = new Central(opts, store, node);
    } catch (err) {
      // Not closed (which would wait for writes): a store that could not start is dropped with its pool.
      await store.abandon(err as Error);
      throw err;
    }
    const guard = oncePerEpisode(opts.log);
    let lastSweepMs = 0;
    central.timer = setInterval(() => {
      const now = Date.now();
      // A leader frozen past its lease (SIGSTOP, a long pause) must not act on what it remembers.
      if (!node.mayLead()) return node.lost();
      // One failing duty (a full disk, say) must neither kill central nor starve the others.
      guard('failure detector', () => central.detector.run(now));
      guard('upload-lease sweep', () => central.videos.sweep(now));
      guard('room clock', () => central.rooms.tick(now));
      guard('move expiry', () => central.placement.pruneMoves(now));
      guard('video restore', () => central.restore.poke());
      if (now - lastSweepMs >= sweepEveryMs(sessionPolicy)) {
        lastSweepMs = now;
        guard('session expiry', () => central.accounts.sweep());
      }
    }, Math.max(20, Math.min(100, Math.floor(opts.heartbeatMs / 10))));
    opts.log.info(`instance ${store.instanceId}, data in ${opts.dataDir}, state in ${opts.storeUrl ? `PostgreSQL at ${describeStore(opts.storeUrl)}` : 'SQLite there'}, heartbeat ${opts.heartbeatMs} ms`);
    return central;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Stop leading on purpose: everything written, connections closed. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    for (const peer of this.peers) peer.close(CloseCode.shutdown, 'central is stopping');
    await this.store.close();
  }

  /**
   * The leadership is gone (another central holds the lease, or ours ran out): drop every connection at
   * once, so that nothing more is answered from this central's memory, and write nothing more.
   */
  async abandon(why: string): Promise<void> {
    clearInterval(this.timer);
    for (const peer of this.peers) peer.close(CloseCode.notLeader, why);
    await this.store.abandon(new WatchpartyError('NOT_LEADER', why));
  }

  private statusCache: { atMs: number; value: ClusterStatus } | undefined;
  /** status() at most every 200 ms: anyone may ask, and a flood of asks must not become a flood of queries. */
  private cachedStatus(): ClusterStatus {
    const now = Date.now();
    if (!this.statusCache || now - this.statusCache.atMs >= 200) this.statusCache = { atMs: now, value: this.status(now) };
    return this.statusCache.value;
  }

  /** The centrals sharing this store and their certificates, for hello and every probe (nothing for a lone central). */
  private clusterNews(): { centrals?: string[]; pins?: { address: string; fingerprint: string }[] } {
    const centrals = this.node.centrals();
    if (centrals.length < 2) return {};
    const pins = this.node.pins();
    return { centrals, ...(pins.length ? { pins } : {}) };
  }

  /** The media-job list (for the TUI). */
  jobLines(nowMs = Date.now()) {
    return jobList(this.jobAdmin, undefined, nowMs);
  }

  /** The cluster as `status` shows it. */
  status(nowMs = Date.now()): ClusterStatus {
    return { ...clusterStatus({ store: this.store, registry: this.registry, startedAtMs: this.startedAtMs, heartbeatMs: this.opts.heartbeatMs }, nowMs), ...this.node.status() };
  }

  // ---- connections -------------------------------------------------------------------------

  /** A new connection while this central leads. */
  accept(peer: Peer, req: IncomingMessage): void {
    const log = this.opts.log;
    const from = remoteHost(req);
    this.peers.add(peer);
    peer.onceClosed(() => this.peers.delete(peer));
    // Checked per message, not only per connection: after a freeze, what queued up is read before any timer runs.
    peer.setAdmission(() => {
      if (this.node.mayLead()) return undefined;
      this.node.lost();
      return { code: CloseCode.notLeader, reason: 'this central no longer leads' };
    });
    peer.handle('hello', (p) => {
      const agreed = agreeProtocol(p);
      if (agreed === undefined) {
        setTimeout(() => peer.close(CloseCode.protocolMismatch, `protocol ${p.protocol} is not ${PROTOCOL_VERSION}`), 50);
        throw new WatchpartyError('PROTOCOL_MISMATCH', `central speaks protocols ${OLDEST_PROTOCOL}-${PROTOCOL_VERSION}, you speak ${p.oldest ?? p.protocol}-${p.protocol} (watchparty ${p.version})`);
      }
      peer.handle('status.get', () => this.cachedStatus());
      if (p.role === 'sub') {
        peer.setAccepts(CentralAcceptsFromUnregisteredSub);
        serveSubRegistration(peer, from, this.registration());
        serveSubAttach(peer, from, {
          secretMatches: (given) => this.accounts.secretMatches(given, this.opts.secret),
          control: (subId) => this.subPeers.get(subId),
          log: this.opts.log,
          linkDeps: () => this.subLinkDeps(),
        });
      } else {
        peer.setAccepts(CentralAcceptsFromClient);
        peer.markReady();
        this.accounts.serveClient(peer, from);
        peer.handle('sub.drain', (d) => operatorDrain(this.drainDeps(), from, d));
      }
      return { protocol: agreed, role: 'central' as const, instanceId: this.store.instanceId, ...this.clusterNews() };
    });
    log.debug(`connection from ${peer.name}`);
  }

  /** What the sub-registration handshake (sub-registration.ts) reads and changes. */
  private registration(): RegistrationDeps {
    return {
      secretMatches: (given) => this.accounts.secretMatches(given, this.opts.secret),
      registry: () => this.registry,
      setRegistry: (next) => (this.registry = next),
      subPeers: this.subPeers,
      deadIds: this.deadIds,
      store: this.store,
      cfg: this.cfg,
      tls: Boolean(this.opts.tls),
      heartbeatMs: this.opts.heartbeatMs,
      log: this.opts.log,
      retire: (id) => this.detector.retire(id),
      notifyAll: (n) => this.delivery.notify(this.store.userNames(), n),
      linkDeps: () => this.subLinkDeps(),
      drainDeps: () => this.drainDeps(),
      changed: () => this.changed(),
    };
  }

  private drainDeps() {
    return {
      registry: () => this.registry,
      setRegistry: (next: Map<string, SubRecord>) => {
        this.registry = next;
        this.changed();
      },
      placement: this.placement,
      subPeer: (id: string) => this.subPeers.get(id),
      log: this.opts.log.child('subs'),
      secretMatches: (given: string) => this.accounts.secretMatches(given, this.opts.secret),
      secretTry: (key: string) => this.accounts.quotas.take('operatorSecret', key, Date.now()),
    };
  }

  /** The TUI's drain key: like `watchparty drain`, from the operator at central's terminal. */
  drain(subId: string): void {
    try {
      drainSub(this.drainDeps(), subId);
    } catch (err) {
      this.opts.log.warn(`cannot drain ${subId}: ${(err as Error).message}`);
    }
  }

  /** What a registered sub's links (control and bulk) need to serve relayed requests. */
  private subLinkDeps(): SubLinkDeps {
    return {
      store: this.store,
      accounts: this.accounts,
      videos: this.videos,
      rooms: this.rooms,
      log: this.opts.log.child('subs'),
      quotas: this.accounts.quotas,
      mayActFor: (user, subId) => this.placement.mayActFor(user, subId),
      jobs: this.jobs,
      jobAdmin: this.jobAdmin,
      talk: this.talk,
      deletion: {
        store: this.store,
        log: this.opts.log.child('videos'),
        secretMatches: (given) => this.accounts.secretMatches(given, this.opts.secret),
        secretTry: (user) => this.accounts.quotas.take('operatorSecret', user, Date.now()),
        closeRooms: (videoId, by) => this.rooms.closeForVideo(videoId, by),
        videoPath: (videoId) => this.videos.videoPath(videoId),
        removed: (video, by) => {
          forgetVideo(this.jobAdmin, video.id);
          this.delivery.notify(this.store.userNames(), { kind: 'video.deleted', text: `${by} deleted the video ${video.name}` });
          this.delivery.toSubs('video.removed', { videoId: video.id });
          this.changed();
        },
      },
    };
  }
}
