/**
 * Rooms end to end with real processes and real headless mpv: membership and admin rules, sync of
 * play/pause/seek across subs, admin silence, crash resume, close, and a restarted central.
 * Tolerances here are loose (CI machines are busy); bench/sync measures the real figures.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileScope, startCentral, status, tempDir } from '../helpers/spawn-role.js';
import { startParty } from '../helpers/party.js';
import { startCluster } from '../helpers/cluster.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';
import { withMpv } from '../helpers/mpv-ipc-client.js';
import { lastStatus as last, statusLines as lines } from '../helpers/watch-status.js';

let clip: string;
beforeAll(async () => {
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  clip = makeClip(dir, { seconds: 120, width: 64, height: 48, name: 'movie.mkv' });
}, 120_000);

const party = () => startParty(clip);

describe('rooms', () => {
  it('enforces membership and admin rights on the server, and invites by notification', async () => {
    const { c, roomId } = await party();
    expect((await c.cli('bob', ['notifications'])).stdout).toMatch(new RegExp(`ann invited you to watch "movie\\.mkv" \\(room ${roomId}\\)`));
    const listed = JSON.parse((await c.cli('bob', ['rooms', '--json'])).stdout) as { id: string; admin: string; members: string[]; paused: boolean; position: number; video: string }[];
    expect(listed).toEqual([expect.objectContaining({ id: roomId, video: 'movie.mkv', admin: 'ann', members: ['ann', 'bob'], paused: true, position: 0 })]);
    expect(JSON.parse((await c.cli('cat', ['rooms', '--json'])).stdout)).toEqual([]);

    const guest = await c.cli('bob', ['control', roomId, 'play']);
    expect(guest.code).toBe(1);
    expect(guest.stderr).toMatch(/only the admin \(ann\) controls this room/);
    const stranger = await c.cli('cat', ['watch', roomId, '--headless']);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toMatch(new RegExp(`cat is not a member of room ${roomId}`));
    const closeByGuest = await c.cli('bob', ['room', 'close', roomId]);
    expect(closeByGuest.code).toBe(1);
    const nobody = await c.cli('ann', ['room', 'create', 'movie.mkv', '--invite', 'zed']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/cannot invite "zed": no such user/);
    const badSeek = await c.cli('ann', ['control', roomId, 'seek']);
    expect(badSeek.code).toBe(2);
    expect(badSeek.stderr).toMatch(/seek needs a time: seconds, a clock or a step/);
    // A step is taken from the room's position (paused here, so exact); it used to crash with exit 70.
    const positionOf = async () => (JSON.parse((await c.cli('ann', ['rooms', '--json'])).stdout) as { id: string; position: number }[]).find((r) => r.id === roomId)!.position;
    expect((await c.cli('ann', ['control', roomId, 'seek', '1:00'])).code).toBe(0);
    const back = await c.cli('ann', ['control', roomId, 'seek', '-5']);
    expect(back.code, back.output).toBe(0);
    expect(await positionOf()).toBe(55);
    expect((await c.cli('ann', ['control', roomId, 'seek', '+10'])).code).toBe(0);
    expect(await positionOf()).toBe(65);
    expect((await c.cli('ann', ['control', roomId, 'seek', '-500'])).code).toBe(0);
    expect(await positionOf()).toBe(0);
    // Without mpv, watch says how to install it and exits 2 at once; it used to hang with its session open.
    const noMpv = await c.cli('bob', ['watch', roomId, '--headless'], undefined, { PATH: tempDir('wp-empty-path-') });
    expect(noMpv.code, noMpv.output).toBe(2);
    expect(noMpv.stderr).toMatch(/mpv is not installed/);
    expect(noMpv.stderr).toMatch(/apt|install/i);
    const notATime = await c.cli('ann', ['control', roomId, 'seek', '-x']);
    expect(notATime.code, notATime.output).toBe(2);
    expect(notATime.stderr).not.toMatch(/this is a bug/);
  });

  it('the admin invites, removes and hands over; central refuses everyone else', async () => {
    const { c, roomId } = await party();
    const byGuest = await c.cli('bob', ['room', 'invite', roomId, 'cat']);
    expect(byGuest.code, byGuest.output).toBe(1);
    expect(byGuest.stderr).toMatch(/only the admin \(ann\) controls this room/);
    const nobody = await c.cli('ann', ['room', 'invite', roomId, 'zed']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toMatch(/cannot invite "zed": no such user/);
    const invited = await c.cli('ann', ['room', 'invite', roomId, 'cat']);
    expect(invited.code, invited.output).toBe(0);
    expect(invited.stdout).toMatch(/members ann, bob, cat/);
    expect((await c.cli('cat', ['notifications'])).stdout).toMatch(new RegExp(`ann invited you to watch "movie\\.mkv" \\(room ${roomId}\\)`));

    // A removed member who is watching is told, and their player stops.
    const cat = c.spawn('cat', ['watch', roomId, '--headless']);
    await cat.waitFor(/^\{/m, 20_000);
    const removed = await c.cli('ann', ['room', 'remove', roomId, 'cat']);
    expect(removed.code, removed.output).toBe(0);
    expect(await cat.exited(10_000)).toBe(0);
    expect(cat.stderr()).toMatch(new RegExp(`ann removed you from room ${roomId}`));
    expect(JSON.parse((await c.cli('cat', ['rooms', '--json'])).stdout)).toEqual([]);
    expect((await c.cli('cat', ['watch', roomId, '--headless'])).code).toBe(1);

    const handed = await c.cli('ann', ['room', 'admin', roomId, 'bob']);
    expect(handed.code, handed.output).toBe(0);
    expect(handed.stdout).toMatch(/bob is the admin now/);
    const oldAdmin = await c.cli('ann', ['control', roomId, 'play']);
    expect(oldAdmin.code).toBe(1);
    expect(oldAdmin.stderr).toMatch(/only the admin \(bob\) controls this room/);
    expect((await c.cli('bob', ['control', roomId, 'play'])).code).toBe(0);
    const self = await c.cli('bob', ['room', 'remove', roomId, 'bob']);
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/the admin cannot be removed: hand the room over first/);
  }, 90_000);

  it('keeps two members on different subs together through play, pause and seek', async () => {
    const { c, roomId } = await party();
    const ann = c.spawn('ann', ['watch', roomId, '--headless']);
    const bob = c.spawn('bob', ['watch', roomId, '--headless']);
    await ann.waitFor(/"paused":true/, 15_000);
    await bob.waitFor(/"paused":true/, 15_000);
    expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
    await waitFor(() => {
      const a = last(ann);
      const b = last(bob);
      return a && b && !a.paused && !b.paused && a.position > 2 && b.position > 2 && Math.abs(a.error_ms) < 60 && Math.abs(b.error_ms) < 60;
    }, { timeoutMs: 15_000, what: 'both playing in sync' });

    expect((await c.cli('ann', ['control', roomId, 'pause'])).code).toBe(0);
    const paused = await waitFor(() => {
      const a = last(ann);
      const b = last(bob);
      // An exact seek shows the frame at the room's position: within one frame (40 ms at 25 fps).
      return a && b && a.paused && b.paused && Math.abs(a.error_ms) <= 40 && Math.abs(b.error_ms) <= 40 ? [a, b] : undefined;
    }, { timeoutMs: 8000, what: 'both paused on the room position' });
    expect(Math.abs(paused[0].position - paused[1].position)).toBeLessThan(0.041);

    expect((await c.cli('ann', ['control', roomId, 'seek', '90'])).code).toBe(0);
    expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
    await waitFor(() => {
      const a = last(ann);
      const b = last(bob);
      return a && b && a.position > 90.5 && b.position > 90.5 && Math.abs(a.error_ms) < 60 && Math.abs(b.error_ms) < 60;
    }, { timeoutMs: 12_000, what: 'both playing after 90 s' });
    // One sequence for both: the same room changes in the same order. Status lines are printed once a
    // second at each player's own moment, so wait for both to have printed after the last event.
    await waitFor(() => last(ann)?.seq === last(bob)?.seq, { timeoutMs: 3000, what: 'the same seq on both' });
  });

  it('pauses everyone when the admin goes silent, resumes when the admin is back, and resumes a crashed guest', async () => {
    const { c, roomId } = await party();
    const ann = c.spawn('ann', ['watch', roomId, '--headless']);
    const bob = c.spawn('bob', ['watch', roomId, '--headless']);
    await bob.waitFor(/"paused":true/, 15_000);
    await ann.waitFor(/"paused":true/, 15_000);
    expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
    await waitFor(() => (last(bob)?.position ?? 0) > 3, { timeoutMs: 10_000, what: 'bob playing' });

    ann.kill('SIGKILL');
    const silentAt = Date.now();
    await c.central.waitFor(new RegExp(`room ${roomId} #\\d+: ann went silent: paused at`), 8000);
    const stopped = await waitFor(() => (last(bob)?.paused ? last(bob) : undefined), { timeoutMs: 3000, what: 'bob paused' });
    expect(Date.now() - silentAt).toBeLessThan(6000);

    const back = c.spawn('ann', ['watch', '--headless']);
    await c.central.waitFor(new RegExp(`room ${roomId} #\\d+: ann is back: playing from`), 15_000);
    await waitFor(() => {
      const b = last(bob);
      return b && !b.paused && b.position > stopped.position + 1;
    }, { timeoutMs: 8000, what: 'bob playing again' });

    // A guest that crashes comes back where the room is now, not where it stopped.
    bob.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 2000));
    const again = c.spawn('bob', ['watch', '--headless']);
    const first = await waitFor(() => lines(again.stdout()).find((l) => !l.paused && Math.abs(l.error_ms) < 60), { timeoutMs: 10_000, what: 'bob back in sync' });
    const annNow = last(back)!;
    expect(Math.abs(first.expected - annNow.expected)).toBeLessThan(2);
  }, 60_000);

  it("turns the admin's own mpv pause into a room pause, and reverts a guest's", async () => {
    const { c, roomId } = await party();
    const dir = tempDir();
    const annSock = path.join(dir, 'ann.sock');
    const bobSock = path.join(dir, 'bob.sock');
    const ann = c.spawn('ann', ['watch', roomId, '--headless', '--mpv-ipc', annSock]);
    const bob = c.spawn('bob', ['watch', roomId, '--headless', '--mpv-ipc', bobSock]);
    await ann.waitFor(/"paused":true/, 15_000);
    await bob.waitFor(/"paused":true/, 15_000);
    expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
    await waitFor(() => (last(bob)?.position ?? 0) > 2, { timeoutMs: 10_000, what: 'playing' });

    await withMpv(bobSock, (ipc) => ipc.setProperty('pause', true));
    await waitFor(() => withMpv(bobSock, async (ipc) => (await ipc.getProperty<boolean>('pause')) === false), { timeoutMs: 3000, what: "bob's pause reverted" });
    expect(JSON.parse((await c.cli('bob', ['rooms', '--json'])).stdout)[0].paused).toBe(false);

    await withMpv(annSock, (ipc) => ipc.setProperty('pause', true));
    await waitFor(async () => JSON.parse((await c.cli('bob', ['rooms', '--json'])).stdout)[0].paused === true, { timeoutMs: 3000, what: 'room paused by the admin in mpv' });
    await waitFor(() => withMpv(bobSock, async (ipc) => (await ipc.getProperty<boolean>('pause')) === true), { timeoutMs: 3000, what: "bob's player paused" });
  });

  it('stops every player when the admin closes the room, and a restarted central keeps rooms', async () => {
    const { c, roomId } = await party();
    expect((await c.cli('ann', ['control', roomId, 'seek', '42'])).code).toBe(0);
    c.central.kill('SIGKILL');
    await c.central.exited();
    const again = await startCentral({ dataDir: c.central.dataDir, port: c.central.port });
    await waitFor(async () => (await status(again.port)).subs.length === 2, { timeoutMs: 5000, what: 'subs back' });
    const kept = JSON.parse((await c.cli('bob', ['rooms', '--json'])).stdout) as { id: string; position: number; paused: boolean }[];
    expect(kept).toEqual([expect.objectContaining({ id: roomId, position: 42, paused: true })]);

    const bob = c.spawn('bob', ['watch', roomId, '--headless']);
    await bob.waitFor(/"paused":true/, 15_000);
    expect((await c.cli('ann', ['room', 'close', roomId])).code).toBe(0);
    expect(await bob.exited(10_000)).toBe(0);
    expect(bob.stderr()).toMatch(new RegExp(`room ${roomId}: ann closed the room`));
    expect(JSON.parse((await c.cli('bob', ['rooms', '--json'])).stdout)).toEqual([]);
  });

  it('closes a room nobody has opened for --room-idle, but not one somebody has open', async () => {
    const c = await startCluster({ subs: 1, centralArgs: ['--room-idle', '3s'] });
    await c.register('ann');
    await c.register('bob');
    expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
    await waitFor(async () => JSON.parse((await c.cli('ann', ['videos', '--json'])).stdout)[0]?.replicas === 1, { timeoutMs: 15_000, what: 'replica' });
    const create = async () => (JSON.parse((await c.cli('ann', ['room', 'create', 'movie.mkv', '--invite', 'bob', '--json'])).stdout) as { id: string }).id;
    const idle = await create();
    const watched = await create();
    const bob = c.spawn('bob', ['watch', watched, '--headless']);
    await bob.waitFor(/"paused":true/, 15_000);
    const left = await waitFor(async () => {
      const rooms = JSON.parse((await c.cli('ann', ['rooms', '--json'])).stdout) as { id: string }[];
      return rooms.length === 1 ? rooms : undefined;
    }, { timeoutMs: 15_000, what: 'the idle room closed' });
    expect(left.map((r) => r.id)).toEqual([watched]);
    expect(c.central.output()).toMatch(new RegExp(`room ${idle} #\\d+: nobody has opened it for 3 seconds: the room is closed`));
    expect(bob.child.exitCode).toBeNull();
    bob.kill('SIGTERM');
  }, 90_000);

  it('a member with two players open is still watching, and in sync, when one of them exits', async () => {
    const { c, roomId } = await party();
    const ann = c.spawn('ann', ['watch', roomId, '--headless']);
    const first = c.spawn('bob', ['watch', roomId, '--headless']);
    const second = c.spawn('bob', ['watch', roomId, '--headless']);
    for (const p of [ann, first, second]) await p.waitFor(/"paused":true/, 15_000);
    const watchingNow = async () => (JSON.parse((await c.cli('ann', ['rooms', '--json'])).stdout) as { watching: string[] }[])[0]!.watching;
    expect((await watchingNow()).sort()).toEqual(['ann', 'bob']);
    first.kill('SIGTERM');
    expect(await first.exited()).toBe(0);
    // Central counts people: bob's other player says again that he is there.
    await waitFor(async () => (await watchingNow()).includes('bob'), { timeoutMs: 10_000, what: 'bob watching again' });
    await c.central.waitFor(/bob left[\s\S]*bob joined/);
    expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
    await waitFor(() => {
      const a = last(ann);
      const b = last(second);
      return a && b && !a.paused && !b.paused && b.position > 2 && Math.abs(b.error_ms) < 80;
    }, { timeoutMs: 15_000, what: "bob's remaining player playing in sync" });
    expect((await watchingNow()).sort()).toEqual(['ann', 'bob']);
  }, 90_000);

  it('a member whose player went down with its sub is no longer listed as watching once central declares the sub dead', async () => {
    const { c, roomId } = await party();
    const ann = c.spawn('ann', ['watch', roomId, '--headless']);
    const bob = c.spawn('bob', ['watch', roomId, '--headless']);
    for (const p of [ann, bob]) await p.waitFor(/"paused":true/, 15_000);
    const watchingNow = async () => (JSON.parse((await c.cli('ann', ['rooms', '--json'])).stdout) as { watching: string[] }[])[0]!.watching;
    expect((await watchingNow()).sort()).toEqual(['ann', 'bob']);
    const bobSub = c.subs.find((s) => s.address === (JSON.parse(fs.readFileSync(path.join(c.home, 'profiles', 'bob.json'), 'utf8')) as { subAddress: string }).subAddress)!;
    // Frozen, bob's player neither leaves nor reconnects; then his sub dies: no room.leave can come.
    bob.kill('SIGSTOP');
    bobSub.kill('SIGKILL');
    await c.central.waitFor(new RegExp(`${bobSub.subId} \\(.*\\) declared dead`), 10_000);
    await waitFor(async () => (await watchingNow()).join() === 'ann', { timeoutMs: 5000, what: 'bob no longer watching' });
    bob.kill('SIGKILL');
    expect(last(ann)?.paused).toBe(true);
  }, 90_000);
});
