/**
 * Central's failure detector at work: probes every sub on the pure rule's schedule
 * (shared/failure-detector.ts), counts misses, and declares a sub dead after three in a row, moving its
 * users to the others. Central's registry and the subs' links are reached through `SubDetectorDeps`.
 */
import type { Logger } from '../../core/log.js';
import type { WatchpartyError } from '../../core/errors.js';
import type { Peer } from '../../net/peer.js';
import { CloseCode, type Params } from '../../net/messages.js';
import { onReply, onSendFailed, tick, type DetectorConfig } from '../shared/failure-detector.js';
import { removeSub, updateSub, type Registry, type SubRecord } from '../shared/registry.js';

export interface SubDetectorDeps {
  registry(): Registry;
  setRegistry(next: Map<string, SubRecord>): void;
  subPeers: Map<string, Peer>;
  /** Ids declared dead in this run: a sub that comes back with one registers as new. */
  deadIds: Set<string>;
  cfg: DetectorConfig;
  log: Logger;
  /** The dead sub's users' players went with it: they leave their rooms. */
  leaveRooms(subId: string): void;
  reassignUsersOf(subId: string): void;
  changed(): void;
  /** Whether this central still leads: a probe that failed while it was frozen is no news about the sub. */
  mayLead(): boolean;
  /** What each probe tells the sub about the cluster's centrals (nothing for a lone central). */
  cluster(): Params<'sub.probe'>;
}

export class SubDetector {
  constructor(private readonly d: SubDetectorDeps) {}

  /** One look at every sub (central's timer calls it often). */
  run(nowMs: number): void {
    for (const sub of [...this.d.registry().values()]) {
      const { state, actions } = tick(sub.probe, nowMs, this.d.cfg);
      if (state !== sub.probe) this.d.setRegistry(updateSub(this.d.registry(), sub.id, (s) => ({ ...s, probe: state })));
      for (const action of actions) this.applyDetectorAction(sub.id, action, nowMs);
    }
  }

  private applyDetectorAction(id: string, action: ReturnType<typeof tick>['actions'][number], nowMs: number): void {
    const sub = this.d.registry().get(id);
    if (!sub) return;
    switch (action.kind) {
      case 'probe': {
        const peer = this.d.subPeers.get(id);
        if (!peer) {
          this.probeFailed(id, action.probeId, nowMs);
          return;
        }
        peer
          .request('sub.probe', this.d.cluster(), { timeoutMs: this.d.cfg.timeoutMs + 1000 })
          .then((r) => {
            const at = Date.now();
            this.d.setRegistry(updateSub(this.d.registry(), id, (s) => ({
              ...s,
              probe: onReply(s.probe, action.probeId, at, this.d.cfg),
              clients: r.clients,
              replicas: r.replicas,
              ...(r.renditions ? { renditions: r.renditions } : {}),
              transfers: r.transfers,
              lastSeenMs: at,
            })));
            this.d.changed();
          })
          .catch((err: WatchpartyError) => {
            // A timeout is counted by tick(); a send failure is a miss right away.
            if (err.code === 'DISCONNECTED') this.probeFailed(id, action.probeId, Date.now());
          });
        return;
      }
      case 'miss':
        this.d.log.warn(`${id} (${sub.address}) missed a probe (${action.misses}/${this.d.cfg.maxMisses})${action.misses < this.d.cfg.maxMisses ? `, retrying in ${this.d.cfg.retryMs} ms` : ''}`);
        this.d.changed();
        return;
      case 'dead':
        this.declareDead(id, action.misses);
        return;
    }
  }

  private probeFailed(id: string, probeId: number, nowMs: number): void {
    const sub = this.d.registry().get(id);
    if (!sub || !this.d.mayLead()) return;
    const { state, actions } = onSendFailed(sub.probe, probeId, nowMs, this.d.cfg);
    this.d.setRegistry(updateSub(this.d.registry(), id, (s) => ({ ...s, probe: state })));
    for (const a of actions) this.applyDetectorAction(id, a, nowMs);
  }

  private declareDead(id: string, misses: number): void {
    const sub = this.d.registry().get(id);
    if (!sub || !this.d.mayLead()) return;
    this.d.setRegistry(removeSub(this.d.registry(), id));
    this.d.deadIds.add(id);
    this.d.subPeers.get(id)?.close(CloseCode.declaredDead, 'declared dead by the failure detector');
    this.d.subPeers.delete(id);
    this.d.log.error(`${id} (${sub.address}, pid ${sub.pid}) declared dead after ${misses} missed probes in a row`);
    // Its users' players went with it (no room.leave will come); a user who moved on already is on
    // another sub by now, and one who comes back joins again.
    this.d.leaveRooms(id);
    this.d.reassignUsersOf(id);
    this.d.changed();
  }

  /** A draining sub stopped on purpose: it leaves the registry (not dead), its users who stayed move on. */
  retire(id: string): void {
    const sub = this.d.registry().get(id);
    if (!sub) return;
    this.d.setRegistry(removeSub(this.d.registry(), id));
    this.d.log.info(`${id} (${sub.address}) drained and left the cluster`);
    this.d.leaveRooms(id);
    this.d.reassignUsersOf(id);
    this.d.changed();
  }
}
