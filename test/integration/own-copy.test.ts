/**
 * Watching from one's own copy (real processes, headless mpv): the uploader's client plays the file it
 * uploaded, a member with `--file` plays theirs once its sha256 matches the catalogue's, a wrong file is
 * refused, and everyone stays on the room's frame.
 */
import { expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { startCluster } from '../helpers/cluster.js';
import { tempDir } from '../helpers/spawn-role.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';
import { lastStatus } from '../helpers/watch-status.js';

it('plays the uploader\'s file and a checked --file in the room\'s sync, and refuses a file that is not the video', async () => {
  const c = await startCluster({ subs: 1 });
  await c.register('ann');
  await c.register('bob');
  const dir = tempDir();
  const clip = makeClip(dir, { seconds: 60, width: 64, height: 48, name: 'film.mkv' });
  expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
  const bobsCopy = path.join(tempDir(), 'my film.mkv');
  fs.copyFileSync(clip, bobsCopy);
  const other = makeClip(dir, { seconds: 60, width: 64, height: 48, name: 'other.mkv', fps: 24 });
  const roomId = (JSON.parse((await c.cli('ann', ['room', 'create', 'film.mkv', '--invite', 'bob', '--json'])).stdout) as { id: string }).id;

  const wrong = await c.cli('bob', ['watch', roomId, '--headless', '--file', other]);
  expect(wrong.code).toBe(2);
  expect(wrong.stderr).toMatch(/is not "film.mkv"/);

  // Without --own-copy the uploader streams like everyone; with it, the file it uploaded plays.
  const ann = c.spawn('ann', ['watch', roomId, '--headless', '--own-copy']);
  const bob = c.spawn('bob', ['watch', roomId, '--headless', '--file', bobsCopy]);
  await ann.waitFor(/playing your own copy: .*film\.mkv/, 20_000);
  await bob.waitFor(/checking your copy of film\.mkv/, 20_000);
  await bob.waitFor(/playing your own copy: .*my film\.mkv/, 20_000);
  await ann.waitFor(/"paused":true/, 20_000);
  await bob.waitFor(/"paused":true/, 20_000);
  expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
  await waitFor(() => {
    const a = lastStatus(ann);
    const b = lastStatus(bob);
    return a && b && !a.paused && !b.paused && a.position > 2 && Math.abs(a.error_ms) < 40 && Math.abs(b.error_ms) < 40 ? true : undefined;
  }, { timeoutMs: 30_000, what: `both playing on the room's frame: ann ${JSON.stringify(lastStatus(ann))}, bob ${JSON.stringify(lastStatus(bob))}` });
  expect(ann.stdout()).toMatch(/"rendition":"own"/);
  const rooms = JSON.parse((await c.cli('ann', ['rooms', '--json'])).stdout) as { id: string; member_states: { user: string; rendition: string | null }[] }[];
  expect(Object.fromEntries(rooms.find((r) => r.id === roomId)!.member_states.map((m) => [m.user, m.rendition]))).toEqual({ ann: 'own', bob: 'own' });
}, 120_000);
