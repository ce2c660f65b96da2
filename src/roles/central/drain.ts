/**
 * Draining a sub, enforced on central: an operator presents the cluster secret (or the sub asks for
 * itself on its own link); central stops placing users on the sub, moves its users to the others, and
 * tells the sub, which tells each client where to go. A drained sub that leaves is not "dead".
 */
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { Peer } from '../../net/peer.js';
import type { Params, Result } from '../../net/messages.js';
import { startDraining, takesUsers, type Registry, type SubRecord } from '../shared/registry.js';
import { DEFAULT_DRAIN_MS } from '../shared/drain.js';
import type { UserPlacement } from './placement.js';


export interface DrainDeps {
  registry(): Registry;
  setRegistry(next: Map<string, SubRecord>): void;
  placement: UserPlacement;
  subPeer(subId: string): Peer | undefined;
  log: Logger;
}

/** Start (or tighten) the drain of `subId`; answers what happened. */
export function drainSub(d: DrainDeps, subId: string, timeoutMs = DEFAULT_DRAIN_MS, nowMs = Date.now()): Result<'sub.drain'> {
  const sub = d.registry().get(subId);
  if (!sub) throw new WatchpartyError('UNKNOWN_SUB', `no sub-server ${subId} in this cluster`);
  d.setRegistry(startDraining(d.registry(), subId, nowMs, nowMs + timeoutMs));
  const { deadlineMs } = d.registry().get(subId)!.draining!;
  const otherSubs = [...d.registry().values()].filter(takesUsers).length;
  const { moved, staying } = d.placement.moveUsersOff(subId, deadlineMs, nowMs);
  void d.subPeer(subId)?.emit('sub.draining', { timeoutMs: Math.max(1000, deadlineMs - nowMs), otherSubs });
  d.log.info(`draining ${subId} until ${new Date(deadlineMs).toISOString().slice(11, 19)}: ${otherSubs === 0 ? 'no other sub takes users, so its users stay until then' : `${moved} user${moved === 1 ? '' : 's'} moved`}`);
  return { subId, deadlineMs, moved, staying, otherSubs };
}

/** An operator's drain over a client connection: the cluster secret, tries rate-limited per address. */
export function operatorDrain(
  d: DrainDeps & { secretMatches(given: string): boolean; secretTry(key: string): number },
  from: string,
  p: Params<'sub.drain'>,
): Result<'sub.drain'> {
  if (!p.subId) throw new WatchpartyError('BAD_INPUT', 'name the sub to drain, e.g. sub-2 (see watchparty status)');
  const waitMs = d.secretTry(`drain@${from}`);
  if (waitMs > 0) throw new WatchpartyError('RATE_LIMITED', `too many tries with a cluster secret: try again in ${Math.ceil(waitMs / 1000)} s`);
  if (!p.secret || !d.secretMatches(p.secret)) {
    d.log.warn(`refused to drain ${p.subId} for ${from}: ${p.secret ? 'wrong' : 'no'} cluster secret`);
    throw new WatchpartyError('BAD_SECRET', 'draining a sub takes the cluster secret', { hint: 'Pass --secret-file FILE (the file central created in its data folder) or set WATCHPARTY_SECRET.' });
  }
  return drainSub(d, p.subId, p.timeoutMs);
}
