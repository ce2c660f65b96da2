/** The foundation's cluster behaviour with real processes: registration, kill -9, restarts, new instance. */
import { describe, expect, it } from 'vitest';
import { startCentral, startSub, status } from '../helpers/spawn-role.js';
import { waitFor } from '../helpers/wait-for.js';

describe('central + subs', () => {
  it('lists both subs alive within 3 s of their start', async () => {
    const central = await startCentral({ heartbeat: 1 });
    const started = Date.now();
    const [a, b] = await Promise.all([startSub(central.port, { waitRegistered: false }), startSub(central.port, { waitRegistered: false })]);
    const st = await waitFor(async () => {
      const s = await status(central.port);
      return s.subs.length === 2 && s.subs.every((x) => x.state === 'alive') ? s : undefined;
    }, { timeoutMs: 3000, what: 'two live subs' });
    expect(Date.now() - started).toBeLessThan(3000);
    expect(st.subs.map((s) => s.address).sort()).toEqual([a.address, b.address].sort());
    expect(st.subs.map((s) => s.pid).sort()).toEqual([a.child.pid, b.child.pid].sort());
    expect(st.subs[0]).toMatchObject({ users: 0, state: 'alive' });
    expect(st.instance).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('declares a kill -9ed sub dead after three misses, within 5 s', async () => {
    const central = await startCentral({ heartbeat: 1 });
    const a = await startSub(central.port);
    const b = await startSub(central.port);
    a.kill('SIGKILL');
    const killedAt = Date.now();
    await waitFor(async () => {
      const s = await status(central.port);
      return s.subs.length === 1 && s.subs[0]!.id === b.subId;
    }, { timeoutMs: 5000, what: `only ${b.subId} in status` });
    expect(Date.now() - killedAt).toBeLessThan(5000);
    const line = await central.waitFor(new RegExp(`${a.subId} \\(${a.address.replace(/\./g, '\\.')}, pid \\d+\\) declared dead after 3 missed probes`));
    expect(line).toBeTruthy();
    expect(central.output()).toMatch(new RegExp(`${a.subId} .* missed a probe \\(1/3\\), retrying in 500 ms`));
  });

  it('keeps its instance id across a restart, and the subs come back within 5 s', async () => {
    const central = await startCentral({ heartbeat: 1 });
    const before = await status(central.port);
    const a = await startSub(central.port);
    const b = await startSub(central.port);
    central.kill('SIGTERM');
    expect(await central.exited()).toBe(0);
    const again = await startCentral({ heartbeat: 1, dataDir: central.dataDir, port: central.port });
    const restartedAt = Date.now();
    const st = await waitFor(async () => {
      const s = await status(again.port);
      return s.subs.length === 2 ? s : undefined;
    }, { timeoutMs: 5000, what: 'both subs re-registered' });
    expect(Date.now() - restartedAt).toBeLessThan(5000);
    expect(st.instance).toBe(before.instance);
    // Same instance: the subs keep their ids and their data.
    expect(st.subs.map((s) => s.id).sort()).toEqual([a.subId, b.subId].sort());
    expect(a.output()).not.toMatch(/wiped/);
  });

  it('subs wipe their state and register afresh with a new central instance', async () => {
    const central = await startCentral({ heartbeat: 1 });
    const old = (await status(central.port)).instance;
    const a = await startSub(central.port);
    central.kill('SIGKILL');
    await central.exited();
    const fresh = await startCentral({ heartbeat: 1, port: central.port });
    const st = await waitFor(async () => {
      const s = await status(fresh.port);
      return s.subs.length === 1 ? s : undefined;
    }, { timeoutMs: 5000, what: 'the sub registered with the new central' });
    expect(st.instance).not.toBe(old);
    await a.waitFor(new RegExp(`central is a new instance \\(${st.instance}, was ${old}\\): wiped local state, registering afresh`));
  });

  it('refuses a sub with the wrong secret, which exits non-zero with a clear message', async () => {
    const central = await startCentral({ secret: 'right' });
    const wrong = await startSub(central.port, { secret: 'wrong', waitRegistered: false });
    expect(await wrong.exited()).not.toBe(0);
    expect(wrong.output()).toMatch(/wrong cluster secret/);
    await central.waitFor(/refused sub at 127\.0\.0\.1:\d+ \(pid \d+\): wrong cluster secret/);
    const right = await startSub(central.port, { secret: 'right' });
    expect(right.subId).toMatch(/^sub-\d+$/);
    expect((await status(central.port)).subs).toHaveLength(1);
  });
});
