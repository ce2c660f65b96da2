/**
 * The TUI watches a room through the same RoomWatch as `watchparty watch`: a room event that arrives
 * while its mpv is still starting is followed, not dropped. (The TUI used to create its player after
 * mpv had started, from the room as it was at the join, and dropped every event in between: a guest
 * whose mpv was slow to start stayed paused while the room played.)
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/spawn-role.js';
import { startCluster } from '../helpers/cluster.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';
import { withMpv } from '../helpers/mpv-ipc-client.js';
import { openTerminal } from '../helpers/tmux.js';
import { lastStatus } from '../helpers/watch-status.js';

it('the TUI follows a play that arrives while its mpv is still starting', async () => {
  const c = await startCluster({ subs: 1 });
  await c.register('ann');
  await c.register('bob');
  const clip = makeClip(tempDir('wp-clip-'), { seconds: 60, width: 64, height: 48, name: 'movie.mkv' });
  expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
  const created = await c.cli('ann', ['room', 'create', 'movie.mkv', '--invite', 'bob', '--json']);
  expect(created.code, created.output).toBe(0);
  const roomId = (JSON.parse(created.stdout) as { id: string }).id;
  const ann = c.spawn('ann', ['watch', roomId, '--headless']);
  await ann.waitFor(/"paused":true/, 20_000);

  // bob's mpv starts 4 s late: a wrapper notes its arguments (the IPC socket), waits, then runs mpv.
  const bin = tempDir('wp-slow-mpv-');
  const argsFile = path.join(bin, 'args');
  const mpv = execFileSync('sh', ['-c', 'command -v mpv'], { encoding: 'utf8' }).trim();
  fs.writeFileSync(path.join(bin, 'mpv'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nsleep 4\nexec '${mpv}' "$@"\n`, { mode: 0o755 });
  const bob = openTerminal(`node ${CLI} client --profile bob --mpv-headless --host 127.0.0.1 --port ${c.central.port}`, {
    cols: 120,
    rows: 30,
    env: { WATCHPARTY_HOME: c.home, PATH: `${bin}:${process.env.PATH ?? ''}` },
  });
  await bob.waitForScreen(/watchparty · bob/, 15_000);
  bob.press('4');
  await bob.waitForScreen(/movie\.mkv\s+ann/);
  bob.press('Enter');
  await waitFor(() => fs.existsSync(argsFile), { timeoutMs: 15_000, what: "bob's mpv starting" });
  // bob has joined and his mpv is starting: the admin plays now.
  expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
  const ipcPath = fs.readFileSync(argsFile, 'utf8').split('\n').find((a) => a.startsWith('--input-ipc-server='))!.slice('--input-ipc-server='.length);
  await bob.waitForScreen(new RegExp(`Watching · ${roomId}`), 20_000);
  await bob.waitForScreen(/▶ playing/, 10_000);
  // bob's own mpv plays, on the admin's position.
  await waitFor(
    () =>
      withMpv(ipcPath, async (ipc) => {
        const [paused, t] = await Promise.all([ipc.getProperty<boolean>('pause'), ipc.getProperty<number | null>('playback-time')]);
        const a = lastStatus(ann);
        return !paused && t !== null && a !== undefined && !a.paused && Math.abs(t - a.expected) < 1.5;
      }),
    { timeoutMs: 15_000, what: "bob's mpv playing with the room" },
  );
  bob.press('q');
}, 90_000);
