/**
 * One central process: the listening socket, the data-folder lock and, on a PostgreSQL store shared with
 * other centrals, the leadership lease. While it leads, a `Central` (main.ts) serves every connection;
 * while it stands by, every hello is answered with "the leader is at X" and the connection closed, and
 * clients and subs go there. The rules of who leads are pure (shared/leadership.ts); this file only asks
 * the database on a timer, feeds the answers in, and starts or drops the `Central` the state calls for.
 *
 * On SQLite there is no lease: the lock on the data folder already makes this central the only one.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import type { IncomingMessage } from 'node:http';
import { listen, type Listening } from '../../net/server.js';
import type { Peer } from '../../net/peer.js';
import { CloseCode } from '../../net/messages.js';
import { WatchpartyError } from '../../core/errors.js';
import { joinHostPort } from '../../net/tls.js';
import { lockDataDir } from '../data-dir.js';
import { expire, leaseTiming, mayClaim, mayLead, nextAskInMs, STANDBY, step, type Leadership, type LeadershipInput, type LeaseTiming } from '../shared/leadership.js';
import { checkFfprobe } from './probe-video.js';
import { Central, type CentralOptions, type NodeLink } from './main.js';
import { Lease, type CentralNodeRow } from './lease.js';
import { secretDigest } from './store.js';

/**
 * The lease's local times are on the monotonic clock: a wall clock stepped back by NTP must not stretch a
 * leader's trust in its lease. (The database's clock, which ends leases, must not step either: slewing is fine.)
 */
const now = (): number => performance.now();

/** How often a leader checks that its lease is still trusted, so that it stops soon after a freeze ends. */
const EXPIRY_CHECK_MS = 50;
/** How often the list of centrals is read again (for status, the TUI and what the leader hands out). */
const NODES_EVERY_MS = 1000;

export class CentralNode {
  private leadership: Leadership = STANDBY;
  private leader: Central | undefined;
  /** The centrals seen lately, from the last ask. */
  private nodes: CentralNodeRow[] = [];
  private askTimer: NodeJS.Timeout | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  /** A change of leadership under way (starting or dropping a Central): asks wait for it. */
  private turning: Promise<void> = Promise.resolve();
  private stopping = false;
  /** The claim or renewal under way (stop() waits for it before handing the lease back). */
  private asking: Promise<void> = Promise.resolve();
  private nodesAtMs = 0;
  private readonly listeners = new Set<() => void>();
  readonly timing: LeaseTiming;

  private constructor(
    readonly opts: CentralOptions,
    private readonly server: Listening,
    private readonly lock: { release(): void },
    private readonly lease: Lease | undefined,
    /** Where the others reach this central. */
    readonly address: string,
  ) {
    this.timing = leaseTiming(opts.heartbeatMs);
  }

  static async start(opts: CentralOptions): Promise<CentralNode> {
    if (!opts.secret) throw new WatchpartyError('NO_SECRET', 'central needs a cluster secret');
    await checkFfprobe();
    const lock = lockDataDir(opts.dataDir);
    let lease: Lease | undefined;
    let node: CentralNode | undefined;
    try {
      const server = await listen({
        host: opts.host,
        port: opts.port,
        log: opts.log.child('net'),
        ...(opts.tls ? { tls: opts.tls } : {}),
        onPeer: (peer, req) => node?.accept(peer, req),
      }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') throw new WatchpartyError('BAD_INPUT', `port ${opts.port} on ${opts.host} is already in use`, { hint: 'Is another central running? Pick another with --port.' });
        throw err;
      });
      const address = joinHostPort(opts.advertise ?? advertisedHost(opts.host), server.port);
      try {
        if (opts.storeUrl) {
          lease = await Lease.open(opts.storeUrl, crypto.randomUUID(), address, leaseTiming(opts.heartbeatMs).ttlMs, opts.tls?.fingerprint, (err) => opts.log.warn(`PostgreSQL (lease): ${err.message}`));
          await checkSecret(lease, opts.secret);
        }
        node = new CentralNode(opts, server, lock, lease, address);
        await node.begin();
      } catch (err) {
        await lease?.close(true);
        await server.close();
        throw err;
      }
    } catch (err) {
      lock.release();
      throw err;
    }
    opts.log.info(`cluster secret from ${opts.secretSource ?? 'the command'}: subs present it with --secret-file FILE or WATCHPARTY_SECRET`);
    opts.log.info(opts.tls ? `TLS on: certificate ${opts.tls.fingerprint} (${opts.tls.certFile}); clients and subs pin it on first use` : 'TLS off: plain text (loopback or --insecure)');
    opts.log.info(`ready central ${opts.host}:${node.server.port}${node.lease ? ` (${node.leading ? 'leading' : 'standing by'}; others reach it at ${node.address})` : ''}`);
    return node;
  }

  get port(): number {
    return this.server.port;
  }

  /** The Central while this node leads. */
  get central(): Central | undefined {
    return this.leader;
  }

  get leading(): boolean {
    return this.leader !== undefined;
  }

  /** The leader's address as this node last heard it (itself while leading). */
  get leaderAddress(): string | undefined {
    if (this.leading) return this.address;
    return this.leadership.state === 'standby' ? this.leadership.leader?.address : undefined;
  }

  /** The centrals seen lately (PostgreSQL), the leader first. */
  centrals(): readonly CentralNodeRow[] {
    return this.nodes;
  }

  /** Changes of the leadership and of the leading Central's state (for the TUI). */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stop: no new connections, the leader's state written (renewals go on meanwhile, so the lease does
   * not run out under a long flush), then the lease handed back so a standby takes over at once.
   */
  async stop(): Promise<void> {
    try {
      await this.server.close();
      await this.turning;
      await this.leader?.stop().catch((err: Error) => this.opts.log.error(`could not write everything before stopping: ${err.message}`));
      this.leader = undefined;
    } finally {
      this.stopping = true;
      clearTimeout(this.askTimer);
      clearInterval(this.expiryTimer);
      await this.asking;
      const epoch = this.leadership.state === 'leading' ? this.leadership.epoch : undefined;
      this.leadership = step(this.leadership, { type: 'stop' }, now(), this.timing).next;
      if (this.lease) {
        if (epoch !== undefined) await this.lease.release(epoch);
        await this.lease.close(true);
      }
      this.lock.release();
    }
  }

  /** Lead at once on SQLite; on PostgreSQL, claim the lease once and then keep asking on a timer. */
  private async begin(): Promise<void> {
    if (!this.lease) {
      // The lock on the data folder is the lease: nobody else can open this store.
      this.leadership = { state: 'leading', epoch: 0, trustedUntilMs: Infinity, since: now() };
      this.leader = await Central.lead(this.opts, this.link());
      this.leader.subscribe(() => this.changed());
      return;
    }
    await this.ask();
    await this.turning;
    // (Who leads was logged as the answer came in.)
    if (!this.leading) this.opts.log.info(`standing by${this.leaderAddress ? '' : ' (no central leads yet)'}: takes over within ${Math.round((this.timing.ttlMs + this.timing.pollEveryMs) / 100) / 10} s of the leader's last renewal`);
    this.expiryTimer = setInterval(() => this.apply(expire(this.leadership, now())), EXPIRY_CHECK_MS);
  }

  /** One claim or renewal, then the next one on the timer (whatever happened to this one). */
  private ask(): Promise<void> {
    this.asking = this.askOnce();
    return this.asking;
  }

  private async askOnce(): Promise<void> {
    const lease = this.lease!;
    if (this.stopping) return;
    const sentAtMs = now();
    try {
      const s = this.leadership;
      const answer = s.state === 'leading' ? await lease.renew(s.epoch) : mayClaim(s, sentAtMs) ? await lease.claim() : undefined;
      // Renewals go on while a Central starts (loading the store takes time); the changes themselves queue in turn().
      const before = this.leadership.state;
      if (answer) this.apply(step(this.leadership, { type: 'answer', answer, sentAtMs } satisfies LeadershipInput, now(), this.timing));
      // Read the list again at once when the leadership changed: status must not name the old leader.
      if (sentAtMs - this.nodesAtMs >= NODES_EVERY_MS || this.nodes.length === 0 || this.leadership.state !== before) {
        this.nodesAtMs = sentAtMs;
        this.nodes = await lease.nodes().catch((err: Error) => {
          this.opts.log.debug(`cannot list the centrals: ${err.message}`);
          return this.nodes;
        });
      }
    } catch (err) {
      this.opts.log.error(`lease check failed: ${(err as Error).message}`);
    } finally {
      // Counted from when this ask was sent: a slow answer must not stretch the time between renewals.
      if (!this.stopping) this.askTimer = setTimeout(() => void this.ask(), Math.max(0, sentAtMs + nextAskInMs(this.leadership, this.timing) - now()));
    }
  }

  private apply({ next, effect }: ReturnType<typeof step>): void {
    const before = this.leadership;
    this.leadership = next;
    if (effect === 'start-leading' && next.state === 'leading') this.turn(() => this.startLeading(next.epoch));
    else if (effect === 'stop-leading') this.turn(() => this.stopLeading(next.state === 'standby' && next.leader ? `${next.leader.address} leads now` : 'the lease ran out'));
    else if (before.state === 'standby' && next.state === 'standby' && before.leader?.address !== next.leader?.address) this.opts.log.info(`standing by: the leader is at ${next.leader?.address ?? 'nowhere yet'}`);
    if (effect !== 'none') this.changed();
  }

  private turn(fn: () => Promise<void>): void {
    this.turning = this.turning.then(fn).catch((err: Error) => this.opts.log.error(`leadership change failed: ${err.message}`));
  }

  private async startLeading(epoch: number): Promise<void> {
    const startedMs = now();
    let central: Central;
    try {
      central = await Central.lead(this.opts, this.link(), {
        epoch,
        holdMs: this.timing.ttlMs,
        onFenced: () => this.apply(step(this.leadership, { type: 'fenced', epoch }, now(), this.timing)),
      });
    } catch (err) {
      this.opts.log.error(`cannot lead: ${(err as Error).message}; standing by, and letting the other centrals try first`);
      this.apply(step(this.leadership, { type: 'failed', epoch }, now(), this.timing));
      await this.lease!.release(epoch);
      return;
    }
    // The lease may have run out (or been taken and won again) while the store loaded: then this Central never serves.
    const s = this.leadership;
    if (s.state !== 'leading' || s.epoch !== epoch || !mayLead(s, now()) || this.stopping) {
      await central.abandon('the lease ran out while central loaded its state');
      return;
    }
    this.leader = central;
    central.subscribe(() => this.changed());
    this.opts.log.info(`leading (epoch ${epoch}); state loaded in ${Math.round(now() - startedMs)} ms`);
  }

  private async stopLeading(why: string): Promise<void> {
    const central = this.leader;
    this.leader = undefined;
    if (!central) return;
    this.opts.log.warn(`stopped leading: ${why}; every connection is closed and nothing more is written`);
    await central.abandon(`this central stopped leading: ${why}`);
  }

  /** A connection: served by the Central while leading, told where the leader is otherwise. */
  private accept(peer: Peer, req: IncomingMessage): void {
    if (this.leader && mayLead(this.leadership, now())) return this.leader.accept(peer, req);
    peer.handle('hello', () => {
      setTimeout(() => peer.close(CloseCode.notLeader, 'standing by'), 50);
      const leader = this.leaderAddress;
      throw new WatchpartyError('NOT_LEADER', leader ? `this central stands by; the leader is at ${leader}` : 'this central stands by and no central leads yet', {
        details: { ...(leader ? { leader } : {}), centrals: this.nodes.map((n) => n.address) },
      });
    });
  }

  private link(): NodeLink {
    return {
      mayLead: () => mayLead(this.leadership, now()),
      lost: () => this.apply(expire(this.leadership, now())),
      centrals: () => this.nodes.map((n) => n.address),
      pins: () => this.nodes.flatMap((n) => (n.fingerprint ? [{ address: n.address, fingerprint: n.fingerprint }] : [])),
      status: () => (this.lease ? { centrals: this.nodes.map((n) => ({ address: n.address, leading: n.leading, seenAgoMs: n.seenAgoMs })) } : {}),
    };
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

/** A central bound to every address advertises the machine's name; one bound to an address, that address. */
function advertisedHost(bind: string): string {
  return bind === '0.0.0.0' || bind === '::' ? os.hostname() : bind;
}

/** Centrals sharing a store must accept the same subs: refuse to stand by with another secret than the running ones. */
async function checkSecret(lease: Lease, secret: string): Promise<void> {
  const recorded = await lease.secretDigest();
  if (!recorded || recorded === secretDigest(secret)) return;
  const others = (await lease.nodes()).filter((n) => n.holder !== lease.holder);
  if (others.length === 0) return;
  throw new WatchpartyError('BAD_SECRET', `this central's cluster secret differs from the one the centrals at ${others.map((n) => n.address).join(', ')} share`, {
    hint: "Give every central the same secret: copy the leader's <data>/secret (or its --secret-file) and pass it with --secret-file or WATCHPARTY_SECRET.",
  });
}
