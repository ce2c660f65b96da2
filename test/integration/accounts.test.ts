/** Accounts, sub assignment, failover and store-and-forward notifications, end to end with real processes. */
import { describe, expect, it } from 'vitest';
import { startSub, status } from '../helpers/spawn-role.js';
import { startCluster } from '../helpers/cluster.js';
import { waitFor } from '../helpers/wait-for.js';
import { dial } from '../../src/net/dial.js';
import { ClientAcceptsFromServer } from '../../src/net/directions.js';
import { createLogger } from '../../src/core/log.js';
import type { WatchpartyError } from '../../src/core/errors.js';

const quiet = createLogger('test', () => {}, 'error');

/** Present `token` to the sub at `address` the way a client does; resolves with the error code or 'ok'. */
async function presentToken(address: string, token: string): Promise<{ code: string; message: string; details?: Record<string, unknown> }> {
  const { peer } = await dial({ address, name: 'sub', role: 'client', accepts: ClientAcceptsFromServer, log: quiet });
  try {
    await peer.request('session.open', { token });
    return { code: 'ok', message: '' };
  } catch (err) {
    const e = err as WatchpartyError;
    return { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) };
  } finally {
    peer.close(1000, 'done');
  }
}

describe('accounts and subs', () => {
  it('names a stopped central as the problem, not the sub, and exits 3', async () => {
    const c = await startCluster({ subs: 1 });
    await c.register('ann');
    c.central.kill('SIGKILL');
    await c.central.exited();
    const r = await c.cli('ann', ['videos']);
    expect(r.code, r.output).toBe(3);
    expect(r.stderr).toMatch(/central at 127\.0\.0\.1:\d+ is not reachable/);
    expect(r.stderr).toMatch(/Is "watchparty central" running there\?/);
    // It used to blame the sub and say to start one.
    expect(r.stderr).not.toMatch(/no sub-server is reachable|Start a sub/);
  });

  it('spreads 4 users 2/2, names each refusal, and keeps accounts across a central restart', async () => {
    const c = await startCluster({ subs: 2 });
    for (const u of ['ann', 'ben', 'cat', 'dan']) await c.register(u);
    const counts = (await status(c.central.port)).subs.map((s) => s.users).sort();
    expect(counts).toEqual([2, 2]);

    // Refusals exit 1; values that could never work (README "Exit codes": bad value) exit 2.
    const cases: [string[], string | undefined, RegExp, number][] = [
      [['login', 'ann', '--password-stdin'], 'nope\n', /wrong password for "ann"/, 1],
      [['register', 'ann', '--password-stdin'], 'pw\n', /the user name "ann" is taken/, 1],
      [['register', 'eve', '--password-stdin'], 'pw1\npw2\n', /the two passwords differ/, 2],
      [['register', '../x', '--password-stdin'], 'pw\n', /invalid user name "\.\.\/x"/, 2],
      [['login', 'zed', '--password-stdin'], 'pw\n', /no user named "zed"/, 1],
    ];
    for (const [args, input, message, code] of cases) {
      const r = await c.cli('x', args, input);
      expect(r.code, r.output).toBe(code);
      expect(r.stderr).toMatch(message);
    }

    c.central.kill('SIGKILL');
    await c.central.exited();
    const { startCentral } = await import('../helpers/spawn-role.js');
    await startCentral({ dataDir: c.central.dataDir, port: c.central.port, heartbeat: 1 });
    await waitFor(async () => (await status(c.central.port)).subs.length === 2, { timeoutMs: 5000, what: 'subs back' });
    for (const u of ['ann', 'ben', 'cat', 'dan']) {
      const r = await c.cli(u, ['login', u, '--password-stdin'], `pw-${u}\n`);
      expect(r.code, r.output).toBe(0);
    }
    expect((await status(c.central.port)).subs.map((s) => s.users)).toEqual([2, 2]);
  });

  it('moves a follower off a killed sub within 6 s without a new login, and tells them', async () => {
    const c = await startCluster({ subs: 2 });
    const subOfA = await c.register('amy');
    const follower = c.spawn('amy', ['notifications', '--follow', '--json']);
    await follower.waitFor(/following notifications for amy on sub-\d+/);
    const victim = c.subs.find((s) => s.subId === subOfA)!;
    const other = c.subs.find((s) => s.subId !== subOfA)!;
    victim.kill('SIGKILL');
    const killedAt = Date.now();
    const who = await waitFor(async () => {
      const r = await c.cli('amy', ['whoami', '--json']);
      return r.code === 0 && (JSON.parse(r.stdout) as { subId: string }).subId === other.subId ? JSON.parse(r.stdout) : undefined;
    }, { timeoutMs: 6000, what: 'whoami on the other sub' });
    expect(Date.now() - killedAt).toBeLessThan(6000);
    expect(who).toEqual({ user: 'amy', sub: other.address, subId: other.subId });
    const moved = await follower.waitFor(new RegExp(`"text":"you were moved to another server \\(${other.subId}\\)[^"]*"`));
    expect(moved).toBeTruthy();
    expect(follower.child.exitCode).toBeNull();
    expect(follower.stderr()).toMatch(new RegExp(`following notifications for amy on ${other.subId}`));
  });

  it('exits 3 after 5 attempts when every sub is dead, and a new sub lets login succeed', async () => {
    const c = await startCluster({ subs: 2 });
    await c.register('bob');
    for (const s of c.subs) s.kill('SIGKILL');
    const r = await c.cli('bob', ['whoami']);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/no sub-server is reachable after 5 attempts/);
    expect(r.stderr.match(/attempt \d\/5/g)).toEqual(['attempt 2/5', 'attempt 3/5', 'attempt 4/5', 'attempt 5/5']);
    const login = await c.cli('bob', ['login', 'bob', '--password-stdin'], 'pw-bob\n');
    expect(login.code).toBe(3);
    expect(login.stderr).toMatch(/no sub-server is available, try again shortly/);
    const fresh = await startSub(c.central);
    const again = await c.cli('bob', ['login', 'bob', '--password-stdin', '--json'], 'pw-bob\n');
    expect(again.code, again.output).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ user: 'bob', subId: fresh.subId });
  });

  it('delivers notifications missed while offline, once each and in order, even after a kill -9 mid-delivery', async () => {
    const c = await startCluster({ subs: 1 });
    await c.register('cam');
    const others = Array.from({ length: 12 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    for (const u of others) await c.register(u);
    const expected = others.map((u) => `user ${u} registered`);

    const first = c.spawn('cam', ['notifications', '--json']);
    await first.waitFor(/user u00 registered/);
    first.kill('SIGKILL');
    await first.exited();
    const second = await c.cli('cam', ['notifications', '--json']);
    expect(second.code, second.output).toBe(0);
    const shown = (first.stdout() + second.stdout).trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
    expect(shown).toEqual(expected);
    const third = await c.cli('cam', ['notifications', '--json']);
    expect(third.stdout).toBe('');
  });

  it('refuses logged-out and forged tokens on every sub, and names the right sub for a misplaced one', async () => {
    const c = await startCluster({ subs: 2 });
    const subOfDee = await c.register('dee');
    const profile = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(`${c.home}/profiles/dee.json`, 'utf8'))) as { token: string };
    const own = c.subs.find((s) => s.subId === subOfDee)!;
    const other = c.subs.find((s) => s.subId !== subOfDee)!;

    const misplaced = await presentToken(other.address, profile.token);
    expect(misplaced.code).toBe('WRONG_SUB');
    expect(misplaced.message).toBe(`dee is served by ${own.subId} at ${own.address}, not by ${other.subId}`);
    expect(misplaced.details).toEqual({ subId: own.subId, subAddress: own.address });
    expect((await presentToken(own.address, profile.token)).code).toBe('ok');

    const forged = 'A'.repeat(43);
    for (const s of c.subs) expect(await presentToken(s.address, forged)).toMatchObject({ code: 'BAD_TOKEN', message: /not valid/ });

    const out = await c.cli('dee', ['logout']);
    expect(out.code, out.output).toBe(0);
    for (const s of c.subs) expect((await presentToken(s.address, profile.token)).code).toBe('BAD_TOKEN');
    const who = await c.cli('dee', ['whoami']);
    expect(who.code).toBe(1);
    expect(who.stderr).toMatch(/not logged in|no session/);
  });

  it('slows down repeated wrong passwords for one name without locking out others', async () => {
    const c = await startCluster({ subs: 1 });
    await c.register('fay');
    await c.register('gus');
    // Three free failures, then each attempt must wait (1 s, 2 s, …) after the last failure.
    for (let i = 0; i < 3; i++) {
      const r = await c.cli('x', ['login', 'fay', '--password-stdin'], 'wrong\n');
      expect(r.stderr).toMatch(/wrong password for "fay"/);
    }
    const limited = await c.cli('x', ['login', 'fay', '--password-stdin'], 'pw-fay\n');
    expect(limited.code).toBe(1);
    expect(limited.stderr).toMatch(/too many failed logins for "fay" from your address: try again in 1 s/);
    const other = await c.cli('gus', ['login', 'gus', '--password-stdin'], 'pw-gus\n');
    expect(other.code, other.output).toBe(0);
    await new Promise((r) => setTimeout(r, 1100));
    const after = await c.cli('fay', ['login', 'fay', '--password-stdin'], 'pw-fay\n');
    expect(after.code, after.output).toBe(0);
  });
});
