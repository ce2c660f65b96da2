/** The cluster as `watchparty status` shows it, from the registry and the store. */
import type { ClusterStatus } from '../../net/messages.js';
import { compareIds, type SubRecord } from '../shared/registry.js';
import type { CentralStore } from './store.js';

export function clusterStatus(c: { store: CentralStore; registry: Map<string, SubRecord>; startedAtMs: number; heartbeatMs: number }, nowMs: number): ClusterStatus {
  const assigned = c.store.assignedCounts();
  const subs = [...c.registry.values()].sort((a, b) => compareIds(a.id, b.id));
  return {
    instance: c.store.instanceId,
    startedAtMs: c.startedAtMs,
    uptimeMs: Math.max(0, nowMs - c.startedAtMs),
    heartbeatMs: c.heartbeatMs,
    users: c.store.userCount(),
    videos: c.store.videos().length,
    store: { kind: c.store.db.kind, rowsWritten: c.store.rowsWritten() },
    subs: subs.map((s) => ({
      id: s.id,
      address: s.address,
      pid: s.pid,
      users: assigned.get(s.id) ?? 0,
      clients: s.clients,
      state: s.probe.misses === 0 && s.connected ? ('alive' as const) : ('suspect' as const),
      misses: s.probe.misses,
      lastSeenMs: s.lastSeenMs,
      videos: s.replicas.length,
      transfers: [...s.transfers],
      ...(s.draining ? { draining: { ...s.draining } } : {}),
    })),
  };
}
