import { describe, expect, it } from 'vitest';
import { detectorConfig, tick } from '../../src/roles/shared/failure-detector.js';
import { compareIds, leastLoaded, registerSub, removeSub, spreadUsers, startDraining, updateSub, type Registry, type SubRecord } from '../../src/roles/shared/registry.js';

const CFG = detectorConfig(1000);

/** A registry with these subs registered at t=0, in this order; `down` are disconnected, `suspect` have a miss. */
function registry(ids: string[], opts: { down?: string[]; suspect?: string[] } = {}): Map<string, SubRecord> {
  let reg = new Map<string, SubRecord>();
  for (const [i, id] of ids.entries()) reg = registerSub(reg, { id, address: `127.0.0.1:${7001 + i}`, pid: 100 + i }, 0, CFG);
  for (const id of opts.down ?? []) reg = updateSub(reg, id, (s) => ({ ...s, connected: false }));
  for (const id of opts.suspect ?? []) reg = updateSub(reg, id, (s) => ({ ...s, probe: { ...s.probe, misses: 1 } }));
  return reg;
}

const load = (o: Record<string, number>) => new Map(Object.entries(o));

describe('compareIds', () => {
  it.each([
    ['sub-2', 'sub-10', -1],
    ['sub-10', 'sub-2', 1],
    ['sub-9', 'sub-9', 0],
    ['sub-1', 'sub-100', -1],
    ['sub-999999999', 'sub-1000', 1],
  ])('%s vs %s → sign %i', (a, b, sign) => {
    expect(Math.sign(compareIds(a, b))).toBe(sign);
  });

  it('sorts numerically', () => {
    expect(['sub-10', 'sub-2', 'sub-1', 'sub-21', 'sub-3'].sort(compareIds)).toEqual(['sub-1', 'sub-2', 'sub-3', 'sub-10', 'sub-21']);
  });
});

describe('leastLoaded', () => {
  it.each<{ name: string; ids: string[]; assigned: Record<string, number>; down?: string[]; suspect?: string[]; expected: string | undefined }>([
    { name: 'fewest assigned wins', ids: ['sub-1', 'sub-2', 'sub-3'], assigned: { 'sub-1': 2, 'sub-2': 1, 'sub-3': 3 }, expected: 'sub-2' },
    { name: 'a sub missing from the counts has 0', ids: ['sub-1', 'sub-2'], assigned: { 'sub-1': 1 }, expected: 'sub-2' },
    { name: 'ties by numeric id: sub-2 before sub-10', ids: ['sub-10', 'sub-2'], assigned: { 'sub-10': 1, 'sub-2': 1 }, expected: 'sub-2' },
    { name: 'ties by numeric id whatever the insertion order', ids: ['sub-2', 'sub-10'], assigned: {}, expected: 'sub-2' },
    { name: 'lower load beats lower id', ids: ['sub-2', 'sub-10'], assigned: { 'sub-2': 1, 'sub-10': 0 }, expected: 'sub-10' },
    { name: 'skips a disconnected sub even when it is emptiest', ids: ['sub-1', 'sub-2'], assigned: { 'sub-1': 5 }, down: ['sub-2'], expected: 'sub-1' },
    { name: 'skips a suspect sub (misses > 0)', ids: ['sub-1', 'sub-2', 'sub-3'], assigned: { 'sub-2': 9 }, suspect: ['sub-1', 'sub-3'], expected: 'sub-2' },
    { name: 'skips a disconnected first entry', ids: ['sub-1', 'sub-2', 'sub-3'], assigned: { 'sub-1': 0, 'sub-2': 4, 'sub-3': 3 }, down: ['sub-1'], expected: 'sub-3' },
    { name: 'no live sub → undefined', ids: ['sub-1', 'sub-2'], assigned: {}, down: ['sub-1'], suspect: ['sub-2'], expected: undefined },
    { name: 'empty registry → undefined', ids: [], assigned: {}, expected: undefined },
  ])('$name', ({ ids, assigned, down, suspect, expected }) => {
    expect(leastLoaded(registry(ids, { down, suspect }), load(assigned))?.id).toBe(expected);
  });
});

describe('spreadUsers', () => {
  it('spreads the 4 users of a dead sub 2/2 over two live subs with equal load', () => {
    const reg = registry(['sub-1', 'sub-2', 'sub-3'], { down: ['sub-3'] });
    const placement = spreadUsers(reg, load({ 'sub-1': 3, 'sub-2': 3, 'sub-3': 4 }), ['u1', 'u2', 'u3', 'u4']);
    expect([...placement]).toEqual([
      ['u1', 'sub-1'],
      ['u2', 'sub-2'],
      ['u3', 'sub-1'],
      ['u4', 'sub-2'],
    ]);
  });

  it('fills the emptier sub first given unequal load', () => {
    const reg = registry(['sub-1', 'sub-2', 'sub-3'], { down: ['sub-3'] });
    const placement = spreadUsers(reg, load({ 'sub-1': 3, 'sub-2': 1 }), ['u1', 'u2', 'u3', 'u4']);
    expect([...placement]).toEqual([
      ['u1', 'sub-2'],
      ['u2', 'sub-2'],
      ['u3', 'sub-1'], // 3/3 tie → lower id
      ['u4', 'sub-2'],
    ]);
  });

  it('leaves everyone unplaced when no sub is live', () => {
    const reg = registry(['sub-1'], { down: ['sub-1'] });
    expect(spreadUsers(reg, load({}), ['u1', 'u2']).size).toBe(0);
  });

  it('does not change the counts it is given', () => {
    const assigned = load({ 'sub-1': 1 });
    spreadUsers(registry(['sub-1']), assigned, ['a', 'b']);
    expect([...assigned]).toEqual([['sub-1', 1]]);
  });
});

describe('registerSub', () => {
  it('a new sub: connected, no clients, no replicas or transfers, first probe one interval later', () => {
    const reg = registerSub(new Map(), { id: 'sub-1', address: '10.0.0.2:7001', pid: 42 }, 5000, CFG);
    expect(reg.get('sub-1')).toEqual({
      id: 'sub-1',
      address: '10.0.0.2:7001',
      pid: 42,
      clients: 0,
      registeredAtMs: 5000,
      lastSeenMs: 5000,
      connected: true,
      probe: { misses: 0, nextProbeAtMs: 6000, outstanding: null, nextProbeId: 1, dead: false },
      replicas: [],
      transfers: [],
    });
  });

  it("a new sub does not inherit another sub's replicas or transfers", () => {
    let reg = registry(['sub-1']);
    reg = updateSub(reg, 'sub-1', (s) => ({ ...s, replicas: [1, 2], transfers: [{ videoId: 3, offset: 0, size: 10 }] }));
    const sub2 = registerSub(reg, { id: 'sub-2', address: 'b', pid: 2 }, 10, CFG).get('sub-2')!;
    expect(sub2.replicas).toEqual([]);
    expect(sub2.transfers).toEqual([]);
  });

  it('a known id keeps registeredAtMs, clients, replicas and transfers, takes the new address and pid, and resets the probe', () => {
    let reg = registry(['sub-1']);
    // the sub missed two probes and has one outstanding, then drops off
    reg = updateSub(reg, 'sub-1', (s) => ({
      ...s,
      clients: 4,
      connected: false,
      probe: { misses: 2, nextProbeAtMs: 3000, outstanding: { probeId: 3, sentAtMs: 3000 }, nextProbeId: 4, dead: false },
      replicas: [1, 3],
      transfers: [{ videoId: 2, offset: 4096, size: 8192 }],
    }));
    const after = registerSub(reg, { id: 'sub-1', address: '10.0.0.9:7005', pid: 777 }, 3200, CFG).get('sub-1');
    expect(after).toEqual({
      id: 'sub-1',
      address: '10.0.0.9:7005',
      pid: 777,
      clients: 4,
      registeredAtMs: 0,
      lastSeenMs: 3200,
      connected: true,
      probe: { misses: 0, nextProbeAtMs: 4200, outstanding: null, nextProbeId: 4, dead: false },
      replicas: [1, 3],
      transfers: [{ videoId: 2, offset: 4096, size: 8192 }],
    });
  });

  it('a re-registered sub is probed on the fresh schedule', () => {
    let reg = registry(['sub-1']);
    reg = updateSub(reg, 'sub-1', (s) => ({ ...s, probe: tick(s.probe, 1000, CFG).state })); // probe 1 out
    reg = registerSub(reg, { id: 'sub-1', address: 'a', pid: 1 }, 1100, CFG);
    const probe = reg.get('sub-1')!.probe;
    expect(tick(probe, 2090, CFG).actions).toEqual([]);
    expect(tick(probe, 2100, CFG).actions).toEqual([{ kind: 'probe', probeId: 2 }]);
  });

  it('does not mutate the input registry', () => {
    const reg = registry(['sub-1']);
    const before = new Map(reg);
    const next = registerSub(reg, { id: 'sub-2', address: 'b', pid: 2 }, 10, CFG);
    expect([...reg.keys()]).toEqual(['sub-1']);
    expect(reg.get('sub-1')).toBe(before.get('sub-1'));
    expect([...next.keys()]).toEqual(['sub-1', 'sub-2']);
  });
});

describe('updateSub / removeSub', () => {
  it('updateSub returns a new map with the change and leaves the input alone', () => {
    const reg: Registry = registry(['sub-1', 'sub-2']);
    const original = reg.get('sub-1')!;
    const next = updateSub(reg, 'sub-1', (s) => ({ ...s, clients: 9 }));
    expect(next).not.toBe(reg);
    expect(next.get('sub-1')!.clients).toBe(9);
    expect(reg.get('sub-1')).toBe(original);
    expect(reg.get('sub-1')!.clients).toBe(0);
    expect(next.get('sub-2')).toBe(reg.get('sub-2'));
  });

  it('updateSub of an unknown id changes nothing and does not call the change', () => {
    const reg = registry(['sub-1']);
    let called = false;
    const next = updateSub(reg, 'sub-9', (s) => {
      called = true;
      return s;
    });
    expect(called).toBe(false);
    expect([...next]).toEqual([...reg]);
  });

  it('removeSub returns a new map without the id and leaves the input alone', () => {
    const reg = registry(['sub-1', 'sub-2']);
    const next = removeSub(reg, 'sub-1');
    expect([...next.keys()]).toEqual(['sub-2']);
    expect([...reg.keys()]).toEqual(['sub-1', 'sub-2']);
    expect([...removeSub(reg, 'sub-7').keys()]).toEqual(['sub-1', 'sub-2']);
  });
});

describe('draining subs', () => {
  it('take no new users: least-loaded and the spread of a dead sub skip them', () => {
    const reg = startDraining(registry(['sub-1', 'sub-2', 'sub-3']), 'sub-1', 0, 60_000);
    expect(leastLoaded(reg, load({ 'sub-2': 5, 'sub-3': 9 }))?.id).toBe('sub-2');
    expect([...spreadUsers(reg, load({}), ['a', 'b', 'c', 'd']).values()]).toEqual(['sub-2', 'sub-3', 'sub-2', 'sub-3']);
    expect(leastLoaded(startDraining(reg, 'sub-2', 0, 1), load({}))?.id).toBe('sub-3');
  });

  it('a second drain keeps the first start and the earlier deadline', () => {
    let reg = startDraining(registry(['sub-1']), 'sub-1', 1000, 61_000);
    reg = startDraining(reg, 'sub-1', 5000, 90_000);
    expect(reg.get('sub-1')!.draining).toEqual({ sinceMs: 1000, deadlineMs: 61_000 });
    reg = startDraining(reg, 'sub-1', 6000, 20_000);
    expect(reg.get('sub-1')!.draining).toEqual({ sinceMs: 1000, deadlineMs: 20_000 });
  });

  it('a link blip keeps the drain; the sub restarted (a new pid) takes users again', () => {
    const reg = startDraining(registry(['sub-1']), 'sub-1', 0, 60_000);
    expect(registerSub(reg, { id: 'sub-1', address: '127.0.0.1:7001', pid: 100 }, 10, CFG).get('sub-1')!.draining).toBeDefined();
    expect(registerSub(reg, { id: 'sub-1', address: '127.0.0.1:7001', pid: 999 }, 10, CFG).get('sub-1')!.draining).toBeUndefined();
  });
});
