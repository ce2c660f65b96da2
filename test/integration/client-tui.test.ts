/**
 * The client TUI end to end, as a person would use it, in tmux against a real cluster: register,
 * upload a small video, see it in Videos, create a room inviting a second user, and see the second
 * user's TUI (another terminal, another profile) show the invite and open the room; then the admin
 * plays and the guest's view follows. Play alone plays at once with no room; without mpv the TUI says how
 * to install it.
 */
import { describe, expect, it } from 'vitest';
import { CLI, startCentral, startSub, tempDir } from '../helpers/spawn-role.js';
import { openTerminal, type Terminal } from '../helpers/tmux.js';
import { makeClip } from '../helpers/make-clip.js';

async function typeInto(term: Terminal, text: string): Promise<void> {
  // Text and Enter in separate sends, with a pause: one chunk would be inserted literally.
  term.type(text);
  await new Promise((r) => setTimeout(r, 300));
}

async function press(term: Terminal, ...keys: string[]): Promise<void> {
  term.press(...keys);
  await new Promise((r) => setTimeout(r, 300));
}

async function register(term: Terminal, user: string): Promise<void> {
  await term.waitForScreen(/Log in/);
  await typeInto(term, user);
  await press(term, 'Tab');
  await typeInto(term, 'pw');
  await press(term, 'Tab');
  await typeInto(term, 'pw');
  await term.waitForScreen(/Register a new account/);
  await press(term, 'Enter');
  await term.waitForScreen(new RegExp(`watchparty · ${user}`));
}

describe('client TUI in tmux', () => {
  it('registers, uploads, invites a friend, and both watch the room together', async () => {
    const central = await startCentral();
    await startSub(central);
    const home = tempDir('wp-home-');
    const clip = makeClip(tempDir('wp-clip-'), { seconds: 60, width: 64, height: 48, name: 'movie.mkv' });
    const client = (profile: string) => `node ${CLI} client --profile ${profile} --mpv-headless --host 127.0.0.1 --port ${central.port}`;
    const ann = openTerminal(client('ann'), { env: { WATCHPARTY_HOME: home } });
    await register(ann, 'ann');
    expect(ann.screen()).toMatch(/No videos yet/);
    expect(ann.screen()).toMatch(/● sub-1 127\.0\.0\.1:\d+ · ann/);

    await press(ann, '2');
    await ann.waitForScreen(/Upload a video/);
    await typeInto(ann, clip.replace(/movie\.mkv$/, 'mov'));
    await press(ann, 'Tab');
    await ann.waitForScreen(/movie\.mkv/);
    await press(ann, 'Enter');
    await ann.waitForScreen(/uploaded movie\.mkv/, 20_000);
    await press(ann, '1');
    await ann.waitForScreen(/movie\.mkv\s+1:00\s+64×48\s+ann/);

    // Play alone plays at once and creates no room (it used to create one, paused at 0:00): the one
    // room counted below is the one ann creates.
    await press(ann, 'Enter');
    await ann.waitForScreen(/playing movie\.mkv alone \(no room\)/, 15_000);

    // Without mpv, the TUI says how to install it, as the CLI does.
    const noMpv = `${process.execPath} ${CLI} client --profile carol --mpv-headless --host 127.0.0.1 --port ${central.port}`;
    const carol = openTerminal(noMpv, { cols: 200, rows: 30, env: { WATCHPARTY_HOME: home, PATH: tempDir('wp-empty-path-') } });
    await register(carol, 'carol');
    await carol.waitForScreen(/movie\.mkv/);
    await press(carol, 'Enter');
    await carol.waitForScreen(/mpv is not installed.*Install it: sudo apt-get install mpv/, 15_000);

    const bob = openTerminal(client('bob'), { env: { WATCHPARTY_HOME: home } });
    await register(bob, 'bob');

    await press(ann, 'c');
    await ann.waitForScreen(/\[ \] bob/, 10_000);
    await press(ann, ' ');
    await ann.waitForScreen(/\[x\] bob/);
    await press(ann, 'Enter');
    await ann.waitForScreen(/Rooms · 1/);

    await bob.waitForScreen(/Notifications \(1\)/, 10_000);
    await press(bob, '3');
    const invite = await bob.waitForScreen(/ann invited you to watch "movie\.mkv" \(room (r-[0-9a-f]{8})\)/);
    const roomId = /room (r-[0-9a-f]{8})/.exec(invite)![1]!;
    await press(bob, '4');
    await bob.waitForScreen(/movie\.mkv\s+ann/);
    await press(bob, 'Enter');
    await bob.waitForScreen(new RegExp(`Watching · ${roomId}`), 15_000);
    await bob.waitForScreen(/● bob — watching/);

    await press(ann, 'Enter');
    await ann.waitForScreen(/admin: ann \(you\)/, 15_000);
    await press(ann, ' ');
    await ann.waitForScreen(/▶ playing/, 5000);
    await bob.waitForScreen(/▶ playing/, 5000);
    await bob.waitForScreen(/your sync error: [+-]\d{1,2} ms/, 5000);
    await press(bob, ' ');
    await bob.waitForScreen(/only the admin \(ann\) controls/);
    // ] is faster for everyone (admin only); the guest's view shows the room's speed too.
    await press(ann, ']');
    await ann.waitForScreen(/▶ playing · 1\.25×/, 5000);
    await bob.waitForScreen(/▶ playing · 1\.25×/, 5000);
    await press(bob, '[');
    await bob.waitForScreen(/only the admin \(ann\) controls/);

    // The admin invites from the room view (carol gets the notification), then hands the room to bob.
    await press(ann, 'i');
    await ann.waitForScreen(/invite \(names, comma-separated\)/);
    await typeInto(ann, 'carol');
    await press(ann, 'Enter');
    await ann.waitForScreen(/invited carol/);
    await press(carol, '3');
    await carol.waitForScreen(/ann invited you to watch "movie\.mkv"/, 10_000);
    await press(ann, 'a');
    await typeInto(ann, 'bob');
    await press(ann, 'Enter');
    await bob.waitForScreen(/admin: bob \(you\)/, 10_000);
    await ann.waitForScreen(/admin: bob/);

    for (const t of [ann, bob]) {
      t.resize(200, 50);
      await t.waitForScreen(/Watching/);
      for (const line of t.screen().split('\n')) expect(line.length).toBeLessThanOrEqual(200);
    }
  }, 120_000);

  it('turns the sub dot yellow while central is down, and green again when it is back', async () => {
    const central = await startCentral();
    await startSub(central);
    const home = tempDir('wp-home-');
    const ann = openTerminal(`node ${CLI} client --profile ann --mpv-headless --host 127.0.0.1 --port ${central.port}`, { cols: 120, rows: 24, env: { WATCHPARTY_HOME: home } });
    await register(ann, 'ann');
    await ann.waitForScreen(/● sub-1 127\.0\.0\.1:\d+ · ann/);
    central.kill('SIGKILL');
    await central.exited();
    // The sub is still there (playback would go on), but nothing else works: say so.
    await ann.waitForScreen(/◐ sub-1 127\.0\.0\.1:\d+ · central unreachable · ann/, 15_000);
    await startCentral({ dataDir: central.dataDir, port: central.port });
    await ann.waitForScreen(/● sub-1 127\.0\.0\.1:\d+ · ann/, 20_000);
    expect(ann.screen()).not.toMatch(/central unreachable/);
  }, 60_000);
});
