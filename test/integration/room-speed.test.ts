/**
 * Synced playback speed with real processes and headless mpv: `control ROOM speed`, and the admin's
 * own mpv `]` key, change the rate for every member from one instant, and sync holds at that rate.
 */
import path from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { fileScope, tempDir } from '../helpers/spawn-role.js';
import { startParty } from '../helpers/party.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';
import { withMpv } from '../helpers/mpv-ipc-client.js';
import { lastStatus as last } from '../helpers/watch-status.js';

let clip: string;
beforeAll(async () => {
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  clip = makeClip(dir, { seconds: 120, width: 64, height: 48, name: 'movie.mkv' });
}, 120_000);

it('every member follows the room speed, from the CLI and from the admin’s mpv keys, and stays in sync', async () => {
  const { c, roomId } = await startParty(clip);
  const annIpc = path.join(tempDir('wp-ipc-'), 'ann.sock');
  const ann = c.spawn('ann', ['watch', roomId, '--headless', '--mpv-ipc', annIpc]);
  const bob = c.spawn('bob', ['watch', roomId, '--headless']);
  await ann.waitFor(/"paused":true/, 15_000);
  await bob.waitFor(/"paused":true/, 15_000);

  // Refused before anything is sent: out of range, not a number; and a guest may not.
  for (const bad of ['5', 'fast', '0.1']) {
    const r = await c.cli('ann', ['control', roomId, 'speed', bad]);
    expect(r.code, r.output).toBe(2);
    expect(r.stderr).toMatch(/speed needs a rate from 0\.25 to 4/);
  }
  const guest = await c.cli('bob', ['control', roomId, 'speed', '2']);
  expect(guest.code).toBe(1);
  expect(guest.stderr).toMatch(/only the admin \(ann\) controls this room/);

  expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
  const set = await c.cli('ann', ['control', roomId, 'speed', '1.5']);
  expect(set.code, set.output).toBe(0);
  expect(set.stdout).toMatch(/1\.5×, playing at/);
  const rooms = JSON.parse((await c.cli('bob', ['rooms', '--json'])).stdout) as { id: string; speed: number }[];
  expect(rooms.find((r) => r.id === roomId)?.speed).toBe(1.5);

  const inSyncAt = async (rate: number) => {
    await waitFor(() => {
      const a = last(ann);
      const b = last(bob);
      return a && b && !a.paused && !b.paused && Math.abs(a.speed / rate - 1) < 0.09 && Math.abs(b.speed / rate - 1) < 0.09 && Math.abs(a.error_ms) < 40 && Math.abs(b.error_ms) < 40;
    }, { timeoutMs: 15_000, what: `both playing at ${rate}× in sync` });
    // And the room's position really moves at that rate.
    const a0 = last(ann)!;
    const t0 = Date.now();
    await waitFor(() => Date.now() - t0 >= 3000 && last(ann)!.expected > a0.expected, { timeoutMs: 6000, what: 'three seconds of play' });
    const a1 = last(ann)!;
    const rateSeen = (a1.expected - a0.expected) / ((Date.now() - t0) / 1000);
    expect(rateSeen).toBeGreaterThan(rate * 0.75);
    expect(rateSeen).toBeLessThan(rate * 1.25);
  };
  await inSyncAt(1.5);

  // mpv's own ] key in the admin's window (×1.1) is a room control: 1.5 × 1.1 = 1.65 for everyone.
  await withMpv(annIpc, (ipc) => ipc.command(['keypress', ']']));
  const speedNow = async () => (JSON.parse((await c.cli('bob', ['rooms', '--json'])).stdout) as { id: string; speed: number }[]).find((r) => r.id === roomId)?.speed;
  await waitFor(async () => (await speedNow()) === 1.65, { timeoutMs: 10_000, what: 'the room at 1.65×' });
  await inSyncAt(1.65);
}, 120_000);
