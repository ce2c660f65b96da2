/**
 * A sub-server: keeps a link to central (reconnecting with backoff, wiping its state when central is a
 * new instance), and serves the clients central assigns to it.
 */
import path from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listen, type Listening } from '../../net/server.js';
import { MAX_CLIENT_FRAME_BYTES, UPLOAD_CHUNK_BYTES } from '../../net/frame.js';
import { dial, keepAlive, sleep, waitClosed } from '../../net/dial.js';
import { backoffMs, type BackoffPolicy } from '../../net/backoff.js';
import type { Peer } from '../../net/peer.js';
import { readSubState, wipeSubData, writeSubState } from './state-file.js';
import { serveCentralEvents } from './central-events.js';
import { ByteBudget, UNTRUSTED_LIMITS } from '../../net/flow.js';
import { agreeProtocol, CloseCode } from '../../net/messages.js';
import { SubAcceptsFromCentral } from '../../net/directions.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { lockDataDir } from '../data-dir.js';
import { ClientSessions } from './client-sessions.js';
import { Replicator } from './replicas.js';
import { RENDITION_REPLICAS } from './replica-kinds.js';
import type { RenditionInfo } from '../../net/job-messages.js';
import { SubDrain } from './drain.js';
import { Worker } from './worker.js';
import { serveStream } from './stream.js';
import type { TlsMaterial } from '../../net/tls.js';
import { adoptVouchedPins, filePinStore, resolveTrust, type PinStore, type TrustOptions } from '../trust.js';
import { afterFailure, centralList, learn, succeeded, type CentralList } from '../shared/central-list.js';

/**
 * Upload chunk bytes a sub relays for all its clients at once (two chunks): they share the sub's one link
 * to central with everyone's small requests, which must not wait behind a wall of chunks.
 */
const CLIENT_PAYLOAD_BUDGET_BYTES = 8 * UPLOAD_CHUNK_BYTES;
/**
 * Upload bytes a sub reads from all its clients together per second (512 Mbit/s, above a home uplink):
 * past it, chunks arrive faster than the sub's memory is recycled and garbage collection stalls everyone
 * else's requests (bench/abuse, chunks). Uploaders then wait their turn; nobody else does.
 */
const CLIENT_UPLOAD_BYTES_PER_SECOND = 64 * 1024 * 1024;

export interface SubOptions {
  /** `host:port` of central; several, comma-separated, for centrals that share a store (one leads). */
  central: string;
  bind: string;
  port: number;
  advertiseHost: string | undefined;
  dataDir: string;
  secret: string;
  /** Serve wss:// and https:// with this certificate; plain text without. */
  tls?: TlsMaterial;
  /** How to trust central's certificate on first contact (pinned in <data>/central-pin.json). */
  trust?: Omit<TrustOptions, 'store' | 'what' | 'ask'>;
  /** Media tasks run at once (0: a streaming-only sub). */
  jobs: number;
  /** How long a drain may take (SIGTERM, `watchparty drain`) before the clients left are told to go. */
  drainTimeoutMs?: number;
  log: Logger;
}

export type LinkState = 'connecting' | 'registered' | 'lost';

/** Reconnect quickly at first, never slower than every 2 s, so a restarted central sees its subs within seconds. */
const CENTRAL_BACKOFF: BackoffPolicy = { baseMs: 200, maxMs: 2000, jitter: 0.2 };
/** After "the leader is at X" from a standby: how soon to ask again (a standby polls its lease about this often). */
const STANDBY_RETRY_MS = 250;
/** With several centrals, a frozen one (accepts, never answers) must not hold the sub for long. */
const MULTI_CENTRAL_DIAL_MS = 2000;
const PIN_FILE = 'central-pin.json';
/** Kept when central is a new instance: the lock, this sub's own certificate and central's pin. */
const KEEP_ON_WIPE = new Set(['lock', 'tls', PIN_FILE]);
/** Refusals that retrying cannot fix. */
const FATAL = new Set(['BAD_SECRET', 'PROTOCOL_MISMATCH', 'CERT_CHANGED', 'CERT_UNKNOWN', 'CERT_MISMATCH', 'TLS_REQUIRED']);

export class Sub {
  link: LinkState = 'connecting';
  subId: string | undefined;
  instanceId: string | undefined;
  central: Peer | undefined;
  /** The second connection to central for upload and replica chunks (undefined: use `central`). */
  private bulk: Peer | undefined;
  readonly sessions: ClientSessions;
  readonly replicas: Replicator;
  readonly renditions: Replicator<RenditionInfo>;
  readonly worker: Worker;
  readonly drain: SubDrain;
  private drainedWhy: ((why: 'empty' | 'deadline') => void) | undefined;
  /** Resolves once a drain has finished (every client moved, or the deadline passed). */
  readonly drained = new Promise<'empty' | 'deadline'>((resolve) => (this.drainedWhy = resolve));
  private readonly stopper = new AbortController();
  private readonly listeners = new Set<() => void>();
  private loop: Promise<void> | undefined;
  /** The centrals this sub knows and the one it uses now (shared/central-list.ts). */
  private centrals: CentralList;

  private constructor(
    readonly opts: SubOptions,
    private readonly server: Listening,
    private readonly lock: { release(): void },
  ) {
    this.centrals = centralList(opts.central.split(','));
    this.sessions = new ClientSessions(this, opts.log.child('clients'));
    this.drain = new SubDrain({
      clients: () => this.sessions.count,
      moveAll: (reason, untilMs) => this.sessions.moveAll(reason, untilMs),
      evictAll: (reason) => this.sessions.evictAll(reason),
      central: () => (this.link === 'registered' ? this.central : undefined),
      subId: () => this.subId ?? 'this sub',
      log: opts.log.child('drain'),
      changed: () => this.changed(),
      onDrained: (why) => this.drainedWhy?.(why),
    });
    this.replicas = new Replicator(opts.dataDir, opts.log.child('replicas'), () => this.bulkCentral, () => this.changed());
    this.renditions = new Replicator(opts.dataDir, opts.log.child('renditions'), () => this.bulkCentral, () => this.changed(), RENDITION_REPLICAS);
    this.worker = new Worker({
      slots: opts.jobs,
      dataDir: opts.dataDir,
      log: opts.log.child('worker'),
      central: () => (this.link === 'registered' ? this.central : undefined),
      bulk: () => this.bulkCentral,
      source: (id) => this.replicas.file(id),
      have: () => this.replicas.replicas(),
      changed: () => this.changed(),
    });
    // New videos arrive by event; this periodic pass catches anything an outage made us miss.
    const timer = setInterval(() => {
      void this.replicas.sync();
      void this.renditions.sync();
    }, 30_000);
    timer.unref();
    this.stopper.signal.addEventListener('abort', () => clearInterval(timer));
  }

  /**
   * Listen, then connect to central in the background. `onFatal` is called when central refuses this
   * sub for good (wrong secret, other protocol): retrying would not help.
   */
  static async start(opts: SubOptions, onFatal: (err: WatchpartyError) => void): Promise<Sub> {
    const lock = lockDataDir(opts.dataDir);
    let sub: Sub | undefined;
    const server = await listen({
      host: opts.bind,
      port: opts.port,
      log: opts.log.child('net'),
      ...(opts.tls ? { tls: opts.tls } : {}),
      onPeer: (peer) => sub?.sessions.accept(peer),
      onHttp: (req, res) => sub?.serveHttp(req, res),
      // Upload chunks from all clients together: each is copied while relayed, so this bounds memory.
      limits: { ...UNTRUSTED_LIMITS, payloadBudget: new ByteBudget(CLIENT_PAYLOAD_BUDGET_BYTES, CLIENT_UPLOAD_BYTES_PER_SECOND) },
      // Clients send at most one upload chunk per frame; anything larger is refused before it is buffered.
      maxMessageBytes: MAX_CLIENT_FRAME_BYTES,
    });
    sub = new Sub(opts, server, lock);
    opts.log.info(opts.tls ? `TLS on: certificate ${opts.tls.fingerprint} (${opts.tls.certFile}); central hands it to clients` : 'TLS off: plain text (loopback or --insecure)');
    opts.log.info(`ready sub ${opts.bind}:${server.port}`);
    sub.loop = sub.runCentralLink(onFatal);
    return sub;
  }

  get port(): number {
    return this.server.port;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    // Set up in the constructor: replicas found at start call this before the worker exists.
    (this.worker as Worker | undefined)?.noticeReplicas();
    for (const l of this.listeners) l();
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    this.drain.stop();
    this.worker.stop();
    this.replicas.stop();
    this.renditions.stop();
    this.central?.close(CloseCode.shutdown, 'sub shutting down');
    this.bulk?.close(CloseCode.shutdown, 'sub shutting down');
    await this.server.close();
    await this.loop;
    this.lock.release();
  }

  private serveHttp(req: IncomingMessage, res: ServerResponse): void {
    serveStream(req, res, {
      authenticate: (token) => this.sessions.userOfToken(token),
      videos: this.replicas,
      renditions: this.renditions,
      log: this.opts.log.child('http'),
    }).catch((err: Error) => {
      this.opts.log.error(`HTTP ${req.method} ${req.url?.split('?')[0]} failed: ${err.message}`);
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    });
  }

  private setLink(state: LinkState): void {
    this.link = state;
    this.changed();
  }

  /** Where this sub reaches central now (the leader, when centrals share a store). */
  get centralAddress(): string {
    return this.centrals.current;
  }

  private async runCentralLink(onFatal: (err: WatchpartyError) => void): Promise<void> {
    const { log } = this.opts;
    let failures = 0;
    let standbyAnswers = 0;
    while (!this.stopper.signal.aborted) {
      try {
        await this.connectOnce();
        failures = 0;
        standbyAnswers = 0;
        const { code, reason } = await waitClosed(this.central!);
        this.central = undefined;
        if (this.stopper.signal.aborted) break;
        this.setLink('lost');
        const lostAt = this.centrals.current;
        // A central that stopped leading closes with notLeader: it is healthy, the leader is elsewhere.
        this.centrals = afterFailure(this.centrals, { code: code === CloseCode.notLeader ? 'NOT_LEADER' : 'DISCONNECTED' }, Date.now());
        log.warn(`lost central at ${lostAt} (${code}${reason ? ': ' + reason : ''}); reconnecting${this.centrals.current !== lostAt ? ` to ${this.centrals.current}` : ''}`);
        this.sessions.centralLost();
      } catch (err) {
        const e = err instanceof WatchpartyError ? err : new WatchpartyError('INTERNAL', String(err));
        // Another central nobody vouched for yet: not fatal while others remain (the leader vouches for it).
        const unvouched = e.code === 'CERT_UNKNOWN' && this.centrals.addresses.length > 1;
        if (FATAL.has(e.code) && !unvouched) {
          log.error(`${e.message}. ${e.hint}`);
          onFatal(e);
          return;
        }
        this.setLink(this.subId ? 'lost' : 'connecting');
        const from = this.centrals.current;
        this.centrals = afterFailure(this.centrals, e, Date.now());
        // A standby answered: the cluster is there and a leader is coming; ask again soon, not slower and slower.
        const standby = e.code === 'NOT_LEADER';
        const delay = standby ? STANDBY_RETRY_MS : backoffMs(failures, CENTRAL_BACKOFF);
        // Log the first failure and then every tenth (every twentieth standby answer), so a long outage does not flood the log.
        const count = standby ? standbyAnswers++ : failures;
        if (count % (standby ? 20 : 10) === 0) log.warn(`${e.message}${this.centrals.current !== from ? ` Trying ${this.centrals.current}.` : ''} Retrying every ≤${CENTRAL_BACKOFF.maxMs / 1000} s.`);
        if (!standby) failures += 1;
        await sleep(delay, this.stopper.signal);
        continue;
      }
      await sleep(backoffMs(0, CENTRAL_BACKOFF), this.stopper.signal);
    }
  }

  /** What a probe answers: this sub's load and what it holds. */
  private load() {
    return { clients: this.sessions.count, replicas: this.replicas.replicas(), renditions: this.renditions.replicas(), transfers: this.replicas.transfers() };
  }

  /**
   * The leader names the cluster's centrals (in hello and every probe): remember them for the next
   * failover, and pin the certificates it vouches for when this link is itself pinned TLS.
   */
  private learnCentrals(news: { centrals?: string[] | undefined; pins?: { address: string; fingerprint: string }[] | undefined }, pins: PinStore, overPinnedTls: boolean, from: string): void {
    this.centrals = learn(this.centrals, news.centrals);
    const vouched = adoptVouchedPins(pins, overPinnedTls, news.pins, Date.now());
    if (vouched.length) this.opts.log.info(`pinned the certificates of ${vouched.join(', ')}, vouched for by central ${from}`);
  }

  /** Where chunks go: the bulk link while it is open, else the control link. */
  get bulkCentral(): Peer | undefined {
    return this.bulk && !this.bulk.closed ? this.bulk : this.central;
  }

  /**
   * Open the bulk link beside the control link. Probes and small requests then never queue behind chunks;
   * without it (an older central, a refusal) chunks share the control link as before.
   */
  private async openBulkLink(trust: object, subId: string, control: Peer): Promise<void> {
    const { log } = this.opts;
    try {
      const { peer } = await dial({ address: this.centrals.current, name: 'central (bulk)', role: 'sub', accepts: { requests: [], events: [] }, log: log.child('bulk'), ...trust });
      await peer.request('sub.attach', { secret: this.opts.secret, subId });
      this.bulk = peer;
      control.onceClosed(() => peer.close(1000, 'control link closed'));
      keepAlive(peer, 5000);
    } catch (err) {
      log.warn(`no bulk link to central (${(err as Error).message}); chunks share the control link`);
    }
  }

  private async connectOnce(): Promise<void> {
    const { log } = this.opts;
    const address = this.centrals.current;
    const several = this.centrals.addresses.length > 1;
    const pins = filePinStore(path.join(this.opts.dataDir, PIN_FILE));
    const trust = await resolveTrust(address, {
      envTrust: false,
      insecure: false,
      ...this.opts.trust,
      // --fingerprint names the first central's certificate; the others' are vouched for by the leader.
      fingerprint: address === this.centrals.addresses[0] ? this.opts.trust?.fingerprint : undefined,
      store: pins,
      what: 'central',
    });
    const { peer, hello } = await dial({ address, name: 'central', role: 'sub', accepts: SubAcceptsFromCentral, log: log.child('link'), ...(several ? { timeoutMs: MULTI_CENTRAL_DIAL_MS } : {}), ...trust });
    try {
      if (agreeProtocol({ protocol: hello.protocol }) === undefined) throw new WatchpartyError('PROTOCOL_MISMATCH');
      const known = readSubState(this.opts.dataDir).instanceId;
      let resumeId = this.subId;
      if (known && known !== hello.instanceId) {
        log.warn(`central is a new instance (${hello.instanceId}, was ${known}): wiped local state, registering afresh`);
        wipeSubData(this.opts.dataDir, KEEP_ON_WIPE);
        this.replicas.rescan();
        this.renditions.rescan();
        resumeId = undefined;
        this.subId = undefined;
      } else if (this.instanceId && this.instanceId !== hello.instanceId) {
        resumeId = undefined;
      }
      // Only write on a change: a sub on a full disk must still be able to re-register.
      if (known !== hello.instanceId) writeSubState(this.opts.dataDir, { instanceId: hello.instanceId });
      this.instanceId = hello.instanceId;
      peer.handle('sub.probe', (p) => {
        this.learnCentrals(p, pins, Boolean(trust.fingerprint), address);
        return this.load();
      });
      this.sessions.listenToCentral(peer);
      serveCentralEvents(peer, { name: () => this.subId ?? 'this sub', replicas: this.replicas, renditions: this.renditions, worker: this.worker, drain: this.drain });
      const reg = await peer.request('sub.register', {
        secret: this.opts.secret,
        port: this.server.port,
        pid: process.pid,
        ...(this.opts.tls ? { fingerprint: this.opts.tls.fingerprint } : {}),
        ...(this.opts.advertiseHost ? { advertiseHost: this.opts.advertiseHost } : {}),
        ...(resumeId ? { resumeId } : {}),
      });
      const rejoined = reg.subId === this.subId;
      this.subId = reg.subId;
      this.central = peer;
      peer.name = 'central';
      // With a standby ready to take over, notice a frozen leader within about two heartbeats.
      if (several) keepAlive(peer, Math.max(500, reg.heartbeatMs), 2);
      else keepAlive(peer, Math.max(2000, reg.heartbeatMs * 2));
      this.centrals = succeeded(this.centrals);
      this.learnCentrals(hello, pins, Boolean(trust.fingerprint), address);
      log.info(`${rejoined ? 're-registered' : 'registered'} with central ${address} as ${reg.subId} (instance ${reg.instanceId})`);
      this.setLink('registered');
      this.sessions.centralBack();
      await this.openBulkLink(trust, reg.subId, peer);
      void this.replicas.sync();
      void this.renditions.sync();
      if (!this.drain.draining) this.worker.start();
      // Mid-drain when the link came back (or central restarted): central must know, or it places users here.
      else void this.drain.renew();
    } catch (err) {
      peer.close(1000, 'registration failed');
      throw err;
    }
  }
}
