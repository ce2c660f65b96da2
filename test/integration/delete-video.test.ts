/**
 * Deleting a video everywhere, with real processes: central enforces who may (the uploader, or an
 * operator with the cluster secret), the video leaves the catalogue, central's disk and every sub, a
 * room on it closes with a message, a sub that was down drops its replica when it returns, and the
 * TUI's `d` does the same as the CLI.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, fileScope, secretFileOf, startSub, tempDir } from '../helpers/spawn-role.js';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';
import { openTerminal } from '../helpers/tmux.js';

let clip: string;
beforeAll(async () => {
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  clip = makeClip(dir, { seconds: 20, width: 64, height: 48, name: 'movie.mkv' });
}, 120_000);

async function videos(c: Cluster, user: string): Promise<{ id: number; name: string; replicas: number }[]> {
  const r = await c.cli(user, ['videos', '--json']);
  expect(r.code, r.output).toBe(0);
  return JSON.parse(r.stdout);
}

/** ann uploads movie.mkv and waits until every sub holds it; returns its id. */
async function uploaded(c: Cluster): Promise<number> {
  const up = await c.cli('ann', ['upload', clip, '--json']);
  expect(up.code, up.output).toBe(0);
  const id = (JSON.parse(up.stdout) as { id: number }).id;
  await waitFor(async () => (await videos(c, 'ann')).find((v) => v.id === id)?.replicas === c.subs.length, { timeoutMs: 15_000, what: 'replicas on every sub' });
  return id;
}

const replicaOn = (sub: { dataDir: string }, id: number) => fs.existsSync(path.join(sub.dataDir, 'replicas', String(id)));

describe('deleting a video', () => {
  it('lets only the uploader delete it; it leaves central and every sub, and its room closes with a message', async () => {
    const c = await startCluster({ subs: 2 });
    for (const u of ['ann', 'bob', 'cat']) await c.register(u);
    const id = await uploaded(c);
    const room = await c.cli('ann', ['room', 'create', 'movie.mkv', '--invite', 'bob', '--json']);
    expect(room.code, room.output).toBe(0);
    const bob = c.spawn('bob', ['watch', (JSON.parse(room.stdout) as { id: string }).id, '--headless']);
    await bob.waitFor(/"paused":true/, 15_000);

    const notMine = await c.cli('bob', ['delete', 'movie.mkv', '--yes']);
    expect(notMine.code).toBe(1);
    expect(notMine.stderr).toMatch(/only ann, who uploaded "movie\.mkv", or an operator can delete it/);
    const wrongSecret = await c.cli('bob', ['delete', 'movie.mkv', '--yes'], undefined, { WATCHPARTY_SECRET: 'not-the-secret' });
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stderr).toMatch(/only ann, who uploaded/);
    // Guessing is slow: five tries, then one a minute.
    for (let i = 0; i < 4; i++) expect((await c.cli('bob', ['delete', 'movie.mkv', '--yes'], undefined, { WATCHPARTY_SECRET: `guess-${i}` })).code).toBe(1);
    const sixth = await c.cli('bob', ['delete', 'movie.mkv', '--yes'], undefined, { WATCHPARTY_SECRET: 'guess-5' });
    expect(sixth.stderr).toMatch(/too many tries with a cluster secret: try again in \d+ s/);
    expect(c.central.output()).not.toContain('guess-');
    // Without a terminal to ask on, nothing is deleted unless --yes says so.
    const unasked = await c.cli('ann', ['delete', 'movie.mkv']);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(/no terminal to ask on[\s\S]*--yes/);
    expect((await videos(c, 'cat')).map((v) => v.id)).toEqual([id]);

    const del = await c.cli('ann', ['delete', 'movie.mkv', '--yes', '--json']);
    expect(del.code, del.output).toBe(0);
    expect(JSON.parse(del.stdout)).toEqual({ name: 'movie.mkv', closedRooms: 1 });
    await bob.waitFor(/ann deleted "movie\.mkv": the room is closed/, 10_000);
    expect(await bob.exited()).toBe(0);
    expect(await videos(c, 'cat')).toEqual([]);
    expect(JSON.parse((await c.cli('ann', ['rooms', '--json'])).stdout)).toEqual([]);
    await waitFor(() => c.subs.every((s) => !replicaOn(s, id)), { timeoutMs: 5000, what: 'replicas gone from every sub' });
    expect(fs.existsSync(path.join(c.central.dataDir, 'videos', String(id)))).toBe(false);
    expect((await c.cli('cat', ['notifications'])).stdout).toMatch(/ann deleted the video movie\.mkv/);
    const again = await c.cli('ann', ['delete', 'movie.mkv', '--yes']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/no video named "movie\.mkv"/);

    // The name is free again, and the new upload gets a new id (a sub never mistakes it for the old one).
    const newId = await uploaded(c);
    expect(newId).toBeGreaterThan(id);
  }, 120_000);

  it('lets an operator with the cluster secret delete anyone\'s video; a sub that was down drops its replica on return', async () => {
    const c = await startCluster({ subs: 2 });
    await c.register('ann');
    await c.register('op');
    const id = await uploaded(c);
    const away = c.subs[1]!;
    away.kill('SIGTERM');
    await away.exited();

    const del = await c.cli('op', ['delete', 'movie.mkv', '--yes', '--secret-file', secretFileOf(c.central)]);
    expect(del.code, del.output).toBe(0);
    expect(del.stdout).toMatch(/deleted "movie\.mkv" everywhere/);
    expect(c.central.output()).toMatch(/op deleted "movie\.mkv" \(#\d+\) as an operator/);
    await waitFor(() => !replicaOn(c.subs[0]!, id), { timeoutMs: 5000, what: 'replica gone from the running sub' });
    expect(replicaOn(away, id)).toBe(true);

    const back = await startSub(c.central, { dataDir: away.dataDir });
    await waitFor(() => !replicaOn(back, id), { timeoutMs: 10_000, what: 'replica gone from the returning sub' });
    // Said as it goes (its log line may reach us a moment after the file is gone).
    await back.waitFor(/no longer in the catalogue/, 10_000);
  }, 90_000);

  it('deletes from the TUI with d and y, and refuses a video that is not yours', async () => {
    const c = await startCluster({ subs: 1 });
    await c.register('ann');
    await c.register('bob');
    await uploaded(c);
    const tui = (profile: string) => openTerminal(`node ${CLI} client --profile ${profile} --mpv-headless --host 127.0.0.1 --port ${c.central.port}`, { cols: 120, rows: 24, env: { WATCHPARTY_HOME: c.home } });

    const bob = tui('bob');
    await bob.waitForScreen(/movie\.mkv\s+0:20/);
    bob.press('d');
    await bob.waitForScreen(/delete "movie\.mkv" for everyone\? rooms on it close · y\/n/);
    bob.press('y');
    await bob.waitForScreen(/only ann, who uploaded "movie\.mkv", or an operator can delete it/);

    const ann = tui('ann');
    await ann.waitForScreen(/movie\.mkv\s+0:20/);
    ann.press('d');
    await ann.waitForScreen(/for everyone\? rooms on it close · y\/n/);
    ann.press('n');
    await ann.waitForScreen(/d delete/);
    expect((await videos(c, 'ann')).length).toBe(1);
    ann.press('d');
    await ann.waitForScreen(/y\/n/);
    ann.press('y');
    await ann.waitForScreen(/deleted "movie\.mkv" everywhere/);
    await ann.waitForScreen(/No videos yet/);
    expect(await videos(c, 'ann')).toEqual([]);
    // bob's list follows through the notification.
    await bob.waitForScreen(/No videos yet/, 10_000);
  }, 90_000);
});
