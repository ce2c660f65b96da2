/** The foundation's cluster behaviour with real processes: registration, kill -9, restarts, new instance. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToEnd, secretFileOf, startCentral, startSub, status, tempDir } from '../helpers/spawn-role.js';
import { waitFor } from '../helpers/wait-for.js';

describe('central + subs', () => {
  it('lists both subs alive within 3 s of their start', async () => {
    const central = await startCentral({ heartbeat: 1 });
    const started = Date.now();
    const [a, b] = await Promise.all([startSub(central, { waitRegistered: false }), startSub(central, { waitRegistered: false })]);
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
    const a = await startSub(central);
    const b = await startSub(central);
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
    const a = await startSub(central);
    const b = await startSub(central);
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
    const a = await startSub(central);
    central.kill('SIGKILL');
    await central.exited();
    // A new instance given the same secret (an operator restoring the secret file, not the database).
    const fresh = await startCentral({ heartbeat: 1, port: central.port, secretFile: secretFileOf(central) });
    const st = await waitFor(async () => {
      const s = await status(fresh.port);
      return s.subs.length === 1 ? s : undefined;
    }, { timeoutMs: 5000, what: 'the sub registered with the new central' });
    expect(st.instance).not.toBe(old);
    await a.waitFor(new RegExp(`central is a new instance \\(${st.instance}, was ${old}\\): wiped local state, registering afresh`));
  });

  it('refuses a sub with the wrong secret, which exits non-zero with a clear message', async () => {
    const central = await startCentral();
    const wrongFile = path.join(tempDir(), 'wrong-secret');
    fs.writeFileSync(wrongFile, 'not-the-secret\n', { mode: 0o600 });
    const wrong = await startSub(central, { secretFile: wrongFile, waitRegistered: false });
    expect(await wrong.exited()).not.toBe(0);
    expect(wrong.output()).toMatch(/wrong cluster secret/);
    await central.waitFor(/refused sub at 127\.0\.0\.1:\d+ \(pid \d+\): wrong cluster secret/);
    const right = await startSub(central);
    expect(right.subId).toMatch(/^sub-\d+$/);
    expect((await status(central.port)).subs).toHaveLength(1);
  });

  it('central creates a 0600 secret on first start, keeps it across restarts and never prints it', async () => {
    const central = await startCentral();
    const file = secretFileOf(central);
    const secret = fs.readFileSync(file, 'utf8').trim();
    expect(secret.length).toBeGreaterThanOrEqual(40);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(central.output()).toContain(`cluster secret from ${file}`);
    expect(central.output()).not.toContain(secret);
    central.kill('SIGTERM');
    await central.exited();
    const again = await startCentral({ dataDir: central.dataDir });
    expect(fs.readFileSync(file, 'utf8').trim()).toBe(secret);
    const sub = await startSub(again);
    expect(sub.output()).not.toContain(secret);
  });

  it('a sub with no secret at all exits at once naming the two ways to give one', async () => {
    const central = await startCentral();
    const home = tempDir();
    const r = await runToEnd(['sub', '--headless', '--host', '127.0.0.1', '--port', String(central.port), '--data', tempDir()], { env: { WATCHPARTY_HOME: home, WATCHPARTY_SECRET: '' } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no cluster secret given/);
    expect(r.stderr).toMatch(/--secret-file/);
    expect(r.stderr).toMatch(/WATCHPARTY_SECRET/);
  });

  it('refuses --secret on the command line, where ps would show it', async () => {
    const r = await runToEnd(['central', '--headless', '--secret', 'hunter2', '--data', tempDir(), '--port', '0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--secret-file FILE or the WATCHPARTY_SECRET/);
  });

  it('a sub takes the secret from WATCHPARTY_SECRET too', async () => {
    const central = await startCentral();
    const secret = fs.readFileSync(secretFileOf(central), 'utf8').trim();
    const r = await import('../helpers/spawn-role.js').then((m) =>
      m.run(['sub', '--headless', '--host', '127.0.0.1', '--port', String(central.port), '--bind', '127.0.0.1', '--data', tempDir()], { env: { WATCHPARTY_SECRET: secret } }),
    );
    await r.waitFor(/registered with central \S+ as sub-\d+/);
  });
});
