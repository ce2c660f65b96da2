/**
 * One long-lived room through repeated failures, with real processes and headless mpv: the admin's
 * sub is killed twice and central is restarted twice under a playing room, and afterwards the room
 * still follows its admin and `room close` still stops everyone's player. (A newcomer's report: after
 * two sub kills and two central restarts, `room close` left the admin's mpv playing.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileScope, startCentral, startSub, tempDir, type Server } from '../helpers/spawn-role.js';
import { startCluster } from '../helpers/cluster.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';
import { lastStatus as last } from '../helpers/watch-status.js';

let clip: string;
beforeAll(async () => {
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  clip = makeClip(dir, { seconds: 300, width: 64, height: 48, name: 'long.mkv' });
}, 120_000);

describe('a room through repeated failures', () => {
  it('follows its admin after two sub kills and two central restarts, and room close still stops every player', async () => {
    const c = await startCluster({ subs: 3 });
    await c.register('ann');
    await c.register('bob');
    expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
    await waitFor(async () => JSON.parse((await c.cli('ann', ['videos', '--json'])).stdout)[0]?.replicas === 3, { timeoutMs: 30_000, what: 'replicas on 3 subs' });
    const created = await c.cli('ann', ['room', 'create', 'long.mkv', '--invite', 'bob', '--json']);
    const roomId = (JSON.parse(created.stdout) as { id: string }).id;
    const ann = c.spawn('ann', ['watch', roomId, '--headless']);
    const bob = c.spawn('bob', ['watch', roomId, '--headless']);
    await ann.waitFor(/"paused":true/, 15_000);
    await bob.waitFor(/"paused":true/, 15_000);
    expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);

    const subs: Server[] = [...c.subs];
    let central: Server = c.central;
    const annSub = () => {
      const address = (JSON.parse(fs.readFileSync(path.join(c.home, 'profiles', 'ann.json'), 'utf8')) as { subAddress: string }).subAddress;
      return subs.find((s) => s.address === address && s.child.exitCode === null && s.child.signalCode === null);
    };
    /** Both players playing near the room's position, `beyond` seconds in at least. */
    const bothPlaying = (beyond: number, what: string) =>
      waitFor(() => {
        const a = last(ann);
        const b = last(bob);
        return a && b && !a.paused && !b.paused && a.position > beyond && b.position > beyond && Math.abs(a.error_ms) < 150 && Math.abs(b.error_ms) < 150 ? a : undefined;
      }, { timeoutMs: 30_000, what });

    let at = (await bothPlaying(1, 'both playing')).position;
    for (let round = 1; round <= 2; round++) {
      const victim = annSub();
      expect(victim, `ann's sub in round ${round}`).toBeDefined();
      victim!.kill('SIGKILL');
      subs.push(await startSub(central));
      at = (await bothPlaying(at + 1, `both playing after ann's sub was killed (round ${round})`)).position;

      central.kill('SIGKILL');
      await central.exited();
      central = await startCentral({ dataDir: central.dataDir, port: central.port });
      // A playing room whose admin is back stays playing; the players must still follow it.
      at = (await bothPlaying(at + 1, `both playing after central restarted (round ${round})`)).position;
    }

    const paused = await c.cli('ann', ['control', roomId, 'pause']);
    expect(paused.code, paused.output).toBe(0);
    await waitFor(() => {
      const a = last(ann);
      const b = last(bob);
      return a && b && a.paused && b.paused && Math.abs(a.error_ms) <= 80 && Math.abs(b.error_ms) <= 80;
    }, { timeoutMs: 15_000, what: 'both paused on the room position' });

    const closed = await c.cli('ann', ['room', 'close', roomId]);
    expect(closed.code, closed.output).toBe(0);
    expect(await ann.exited(15_000)).toBe(0);
    expect(await bob.exited(15_000)).toBe(0);
    expect(ann.stderr()).toMatch(new RegExp(`room ${roomId}: ann closed the room`));
    expect(bob.stderr()).toMatch(new RegExp(`room ${roomId}: ann closed the room`));
  }, 240_000);
});
