/**
 * Talking, with real processes: room chat between members on different subs in the room's one order,
 * history on joining, mute, rate limits and clean text; direct messages stored for an offline user and
 * delivered exactly once per device after their sub is killed and central restarted; blocking.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { fileScope, startCentral, tempDir } from '../helpers/spawn-role.js';
import { makeClip } from '../helpers/make-clip.js';
import { rawHello, type RawPeer } from '../helpers/raw-peer.js';
import { waitFor } from '../helpers/wait-for.js';

let clip: string;
beforeAll(async () => {
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  clip = makeClip(dir, { seconds: 30, width: 64, height: 48, name: 'movie.mkv' });
}, 60_000);

/** Another device of `user`: a raw client logged in on its own and holding a session on its sub. */
async function device(c: Cluster, user: string): Promise<RawPeer> {
  const central = await rawHello(c.central.port, 'client');
  const r = await central.request('auth.login', { user, password: `pw-${user}` });
  central.ws.close();
  if (r.error) throw new Error(`login ${user}: ${r.error.message}`);
  const { token, subAddress } = r.result as { token: string; subAddress: string };
  const p = await rawHello(Number(subAddress.split(':').at(-1)), 'client');
  const s = await p.request('session.open', { token });
  if (s.error) throw new Error(`session.open: ${s.error.message}`);
  return p;
}

interface Line {
  seq: number;
  user: string;
  text: string;
}

const jsonLines = <T,>(out: string): T[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as T);

describe('room chat', () => {
  it('members on different subs see every line in the room\'s one order; history on joining; mute; rate limit; clean text', async () => {
    const c = await startCluster({ subs: 2 });
    const subs = [await c.register('ann'), await c.register('bob'), await c.register('cat')];
    expect(subs[0]).not.toBe(subs[1]);
    expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
    const created = await c.cli('ann', ['room', 'create', 'movie.mkv', '--invite', 'bob', '--json']);
    const roomId = (JSON.parse(created.stdout) as { id: string }).id;

    const follow = c.spawn('bob', ['chat', roomId, '--follow', '--json']);
    await follow.waitFor(/following the chat of/);
    const annDevice = await device(c, 'ann');
    const bobDevice = await device(c, 'bob');
    // Both write at once, from two subs: central numbers the lines, everyone sees that one order.
    const said = await Promise.all(Array.from({ length: 8 }, (_, i) => (i % 2 ? bobDevice : annDevice).request('chat.send', { roomId, text: `line ${i}` })));
    for (const r of said) expect(r.error, JSON.stringify(r.error)).toBeUndefined();
    const seqs = said.map((r) => (r.result as { line: Line }).line.seq).sort((a, b) => a - b);
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const followed = await waitFor(() => {
      const lines = jsonLines<Line>(follow.stdout());
      return lines.length >= 8 ? lines : undefined;
    }, { timeoutMs: 10_000, what: "bob's follower to print 8 lines" });
    expect(followed.map((l) => l.seq)).toEqual(seqs);
    // The pushes to ann's own device came in the same order (bob's lines reach her through the other sub:
    // wait for all of them, as for the follower).
    const pushed = await waitFor(() => {
      const got = annDevice.events.filter((e) => e.type === 'room.chat').map((e) => (e.line as Line).seq);
      return got.length >= 8 ? got : undefined;
    }, { timeoutMs: 10_000, what: "ann's device to get 8 pushed lines" });
    expect(pushed).toEqual(seqs);

    // History on joining: the last lines, oldest first; not for someone outside the room.
    const last = await c.cli('bob', ['chat', roomId, '--last', '3', '--json']);
    expect(jsonLines<Line>(last.stdout).map((l) => l.seq)).toEqual([6, 7, 8]);
    const outsider = await c.cli('cat', ['chat', roomId]);
    expect(outsider.code).toBe(1);
    expect(outsider.stderr).toMatch(/not a member/);
    // A player opening the room gets the history too, and new lines in its terminal (and on mpv's OSD).
    const watcher = c.spawn('bob', ['watch', roomId, '--headless']);
    await watcher.waitFor(/ann: line 6/, 20_000);
    expect((await c.cli('ann', ['say', roomId, 'this part!'])).code).toBe(0);
    await watcher.waitFor(/ann: this part!/, 10_000);

    // Mute: bob may watch but not write, until unmuted; only the admin mutes.
    expect((await c.cli('bob', ['room', 'mute', roomId, 'ann'])).stderr).toMatch(/only the admin/);
    expect((await c.cli('ann', ['room', 'mute', roomId, 'bob'])).stdout).toMatch(/muted bob/);
    const muted = await c.cli('bob', ['say', roomId, 'let me talk']);
    expect(muted.code).toBe(1);
    expect(muted.stderr).toMatch(/ann muted you/);
    expect((await c.cli('ann', ['room', 'unmute', roomId, 'bob'])).code).toBe(0);
    expect((await c.cli('bob', ['say', roomId, 'thanks'])).code).toBe(0);
    await follow.waitFor(/"text":"thanks"/);

    // Clean text: one line, no bidi overrides or controls; too long is refused with the limit.
    const dirty = await annDevice.request('chat.send', { roomId, text: 'evil\u202Egnp.exe\u0007\nnext line' });
    expect((dirty.result as { line: Line }).line.text).toBe('evilgnp.exe next line');
    const long = await annDevice.request('chat.send', { roomId, text: 'x'.repeat(501) });
    expect(long.error?.message).toMatch(/501 characters long \(at most 500\)/);

    // A flood: the first ten go, the rest are told to wait; nothing a member writes is in central's log.
    const flood = await Promise.all(Array.from({ length: 20 }, (_, i) => bobDevice.request('chat.send', { roomId, text: `flood ${i}` })));
    const refused = flood.filter((r) => r.error);
    expect(refused.length).toBeGreaterThanOrEqual(9);
    expect(refused[0]!.error!.code).toBe('RATE_LIMITED');
    expect(refused[0]!.error!.message).toMatch(/wait \d+ s/);
    expect(c.central.output()).not.toMatch(/this part!|line 3|flood 1/);
    follow.kill('SIGTERM');
    watcher.kill('SIGTERM');
  }, 120_000);
});

describe('direct messages', () => {
  it('wait for an offline user through a sub kill -9 and a central restart, then reach each of their devices exactly once', async () => {
    const c = await startCluster({ subs: 2 });
    const annSub = await c.register('ann');
    const bobSub = await c.register('bob');
    expect(annSub).not.toBe(bobSub);
    // bob is away; ann writes three times.
    for (const text of ['movie at 9?', 'bring snacks', 'see you']) {
      const r = await c.cli('ann', ['msg', 'bob', text]);
      expect(r.code, r.output).toBe(0);
      expect(r.stdout).toMatch(/^sent to bob \(#\d+\)/);
    }
    // bob's sub dies; central restarts: the messages are in central's store, not in any memory.
    c.subs.find((s) => s.subId === bobSub)!.kill('SIGKILL');
    c.central.kill('SIGKILL');
    await c.central.exited();
    const central = await startCentral({ dataDir: c.central.dataDir, port: c.central.port });

    const inbox = await waitFor(async () => {
      const r = await c.cli('bob', ['inbox', '--json']);
      return r.code === 0 ? r : undefined;
    }, { timeoutMs: 30_000, intervalMs: 500, what: 'bob reconnected to the other sub' });
    const got = jsonLines<{ id: number; from: string; text: string }>(inbox.stdout);
    expect(got.map((m) => [m.from, m.text])).toEqual([['ann', 'movie at 9?'], ['ann', 'bring snacks'], ['ann', 'see you']]);
    // Shown once on this device: again, nothing.
    expect(jsonLines((await c.cli('bob', ['inbox', '--json'])).stdout)).toEqual([]);
    // bob's second device (a new profile) gets each of them once too; they count as read already.
    expect((await c.cli('bob-laptop', ['login', 'bob', '--password-stdin'], 'pw-bob\n')).code).toBe(0);
    const laptop = jsonLines<{ id: number; read: boolean }>((await c.cli('bob-laptop', ['inbox', '--json'])).stdout);
    expect(laptop.map((m) => m.id)).toEqual(got.map((m) => m.id));
    expect(laptop.every((m) => m.read)).toBe(true);

    // Following: a new message arrives once, in order after the rest.
    const follow = c.spawn('bob', ['inbox', '--follow', '--json']);
    await follow.waitFor(/following messages for bob/);
    expect((await c.cli('ann', ['msg', 'bob', 'one more'])).code).toBe(0);
    await follow.waitFor(/"text":"one more"/);
    expect(jsonLines(follow.stdout())).toHaveLength(1);

    // Blocking, then allowing again; nobody can message a user who does not exist.
    const block = await c.cli('bob', ['block', 'ann']);
    expect(block.stdout, block.output + central.output().slice(-3000)).toMatch(/you block ann/);
    const blocked = await c.cli('ann', ['msg', 'bob', 'hello?']);
    expect(blocked.code).toBe(1);
    expect(blocked.stderr).toMatch(/bob does not take messages from you/);
    expect((await c.cli('bob', ['unblock', 'ann'])).stdout).toMatch(/you block nobody/);
    expect((await c.cli('ann', ['msg', 'bob', 'hello again'])).code).toBe(0);
    await follow.waitFor(/"text":"hello again"/);
    expect(jsonLines(follow.stdout()).map((m) => (m as { text: string }).text)).toEqual(['one more', 'hello again']);
    const nobody = await c.cli('ann', ['msg', 'nobody', 'hi']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/no user named "nobody"/);
    expect(central.output()).not.toMatch(/movie at 9|hello again/);
    follow.kill('SIGTERM');
  }, 120_000);
});
