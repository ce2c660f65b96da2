/**
 * A sub joins the cluster: it must present the cluster secret, and then keeps the id it had whenever it
 * can (a reconnect, a central restarted or taken over by a standby), so its users stay where they are.
 * Once registered, its link may relay for the users assigned to it (handlers.ts) and drain itself.
 */
import type { Peer } from '../../net/peer.js';
import { CLUSTER_LIMITS } from '../../net/flow.js';
import { CloseCode, type Notification } from '../../net/messages.js';
import { CentralAcceptsFromSub } from '../../net/directions.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { DetectorConfig } from '../shared/failure-detector.js';
import { registerSub, updateSub, type SubRecord } from '../shared/registry.js';
import { serveSubLink, type SubLinkDeps } from './handlers.js';
import { drainSub, type DrainDeps } from './drain.js';
import type { CentralStore } from './store.js';

export interface RegistrationDeps {
  secretMatches(given: string): boolean;
  registry(): Map<string, SubRecord>;
  setRegistry(next: Map<string, SubRecord>): void;
  subPeers: Map<string, Peer>;
  /** Ids declared dead in this run: a sub that comes back with one registers as new. */
  deadIds: ReadonlySet<string>;
  store: CentralStore;
  cfg: DetectorConfig;
  /** Central serves TLS (then a plain-text sub is worth a warning). */
  tls: boolean;
  heartbeatMs: number;
  log: Logger;
  /** A draining sub that stopped on purpose leaves the registry. */
  retire(id: string): void;
  notifyAll(n: { kind: Notification['kind']; text: string }): void;
  linkDeps(): SubLinkDeps;
  drainDeps(): DrainDeps;
  changed(): void;
}

export function serveSubRegistration(peer: Peer, remoteHost: string, d: RegistrationDeps): void {
  peer.handle('sub.register', (p) => {
    if (!d.secretMatches(p.secret)) {
      d.log.warn(`refused sub at ${remoteHost}:${p.port} (pid ${p.pid}): wrong cluster secret`);
      setTimeout(() => peer.close(CloseCode.badSecret, 'wrong cluster secret'), 50);
      throw new WatchpartyError('BAD_SECRET', 'central refused this sub: wrong cluster secret');
    }
    const id = pickSubId(d, p.resumeId);
    const address = `${p.advertiseHost ?? remoteHost}:${p.port}`;
    const previous = d.subPeers.get(id);
    if (previous && previous !== peer) previous.close(CloseCode.replaced, 'replaced by a newer connection of the same sub');
    // Known: in this central's registry, or an id this cluster gave it before (a central that took over).
    const known = d.registry().has(id) || id === p.resumeId;
    d.setRegistry(registerSub(d.registry(), { id, address, pid: p.pid, ...(p.fingerprint ? { fingerprint: p.fingerprint } : {}) }, Date.now(), d.cfg));
    if (d.tls && !p.fingerprint) d.log.warn(`${id} at ${address} serves plain text: clients that reach central over TLS will refuse it`);
    d.subPeers.set(id, peer);
    peer.name = id;
    peer.setAccepts(CentralAcceptsFromSub);
    peer.setLimits(CLUSTER_LIMITS);
    peer.markReady();
    serveSubLink(peer, id, d.linkDeps());
    // The sub drains itself (SIGTERM): the same as an operator's drain, on its own authenticated link.
    peer.handle('sub.drain', (q) => drainSub(d.drainDeps(), id, q.timeoutMs));
    peer.onceClosed((code, reason) => {
      if (d.subPeers.get(id) !== peer) return;
      d.subPeers.delete(id);
      // A draining sub that stops on purpose has left; a blip of its link is only a lost connection.
      if (d.registry().get(id)?.draining && code === CloseCode.shutdown) {
        d.retire(id);
        return;
      }
      d.setRegistry(updateSub(d.registry(), id, (s) => ({ ...s, connected: false })));
      d.log.warn(`lost connection to ${id} (${address}): ${code}${reason ? ' ' + reason : ''}; probing continues`);
      d.changed();
    });
    d.log.info(`${known ? 're-attached' : 'registered'} ${id} at ${address} (pid ${p.pid})`);
    if (!known) d.notifyAll({ kind: 'sub.joined', text: `sub-server ${id} joined the cluster` });
    d.changed();
    return { subId: id, instanceId: d.store.instanceId, heartbeatMs: d.heartbeatMs };
  });
}

/** Reuse a sub's id across a reconnect to this instance, unless it was declared dead or is taken. */
function pickSubId(d: RegistrationDeps, resumeId: string | undefined): string {
  if (resumeId && !d.deadIds.has(resumeId) && d.store.issuedSubId(resumeId)) {
    const live = d.registry().get(resumeId);
    if (!live || !live.connected) return resumeId;
  }
  return d.store.nextSubId();
}
