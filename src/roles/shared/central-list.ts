/**
 * The centrals a sub or a client knows (`--host a,b`, and what the leader hands out), and which one to
 * try next: the leader a standby named, else the next one in the list. Pure; the callers dial.
 */

/** Most addresses remembered (the leader's list is capped the same way on the wire). */
export const MAX_CENTRALS = 16;

/** How long a central that failed (unreachable, frozen, its link lost) is tried only when no other can be. */
export const SUSPECT_MS = 10_000;

export interface CentralList {
  /** Every address, in the order given, then the ones learned. */
  addresses: readonly string[];
  /** The one to try now. */
  current: string;
  /** Centrals that failed lately, until when (local clock). */
  suspectUntil: Readonly<Record<string, number>>;
}

export function centralList(addresses: readonly string[], current = addresses[0], suspectUntil: Readonly<Record<string, number>> = {}): CentralList {
  const unique = [...new Set(addresses)].slice(0, MAX_CENTRALS);
  if (unique.length === 0) throw new Error('centralList needs at least one address');
  return { addresses: unique, current: current && unique.includes(current) ? current : unique[0]!, suspectUntil };
}

/** Add the centrals a leader named (a standby that joined later, say); the ones given first keep their place. */
export function learn(list: CentralList, centrals: readonly string[] | undefined): CentralList {
  if (!centrals?.length) return list;
  return centralList([...list.addresses, ...centrals], list.current, list.suspectUntil);
}

/** The current central answered as leader: nothing against it any more. */
export function succeeded(list: CentralList): CentralList {
  if (!(list.current in list.suspectUntil)) return list;
  const { [list.current]: _, ...rest } = list.suspectUntil;
  return { ...list, suspectUntil: rest };
}

/**
 * Where to go after `current` failed. A standby that answered (NOT_LEADER) is healthy: go to the leader
 * it names, unless that one failed lately (a standby names a dead leader until it takes over itself), in
 * which case go on round the centrals that have not failed (with two, that is this standby again). Any
 * other failure makes `current` suspect: go to the next central that is not, round the list; when all
 * are, to the one whose failure is oldest.
 */
export function afterFailure(list: CentralList, err: { code?: string; details?: Record<string, unknown> | undefined }, nowMs: number): CentralList {
  const standby = err.code === 'NOT_LEADER';
  const details = err.details ?? {};
  const named = standby && Array.isArray(details.centrals) ? details.centrals.filter((c): c is string => typeof c === 'string') : [];
  const leader = standby && typeof details.leader === 'string' ? details.leader : undefined;
  const known = learn(list, leader ? [...named, leader] : named);
  const suspectUntil = standby ? known.suspectUntil : { ...known.suspectUntil, [list.current]: nowMs + SUSPECT_MS };
  const trusted = (a: string) => (suspectUntil[a] ?? 0) <= nowMs;
  const go = (current: string): CentralList => ({ addresses: known.addresses, current, suspectUntil });
  if (leader && leader !== list.current && known.addresses.includes(leader) && trusted(leader)) return go(leader);
  const n = known.addresses.length;
  const i = known.addresses.indexOf(list.current);
  for (let k = 1; k <= n; k++) {
    const a = known.addresses[(i + k) % n]!;
    if (trusted(a)) return go(a);
  }
  return go([...known.addresses].sort((a, b) => (suspectUntil[a] ?? 0) - (suspectUntil[b] ?? 0))[0]!);
}

/** `a,b:9000,[::1]` → `['a:8000', 'b:9000', '[::1]:8000']` with `port` for the ones without. */
export function parseCentralHosts(value: string, port: number): string[] {
  return value
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h.length > 0)
    .map((h) => (/^\[.*\]:\d+$/.test(h) || /^[^:\]]+:\d+$/.test(h) ? h : h.includes(':') && !h.startsWith('[') ? `[${h}]:${port}` : `${h}:${port}`));
}
