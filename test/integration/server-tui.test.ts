/** Central and sub in a real terminal (tmux): the TUI shows status and logs, follows resizes, and quits on q. */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { CLI, runToEnd, startSub, tempDir } from '../helpers/spawn-role.js';
import { openTerminal } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait-for.js';
import { makeClip } from '../helpers/make-clip.js';
import { displayWidth } from '../../src/tui/width.js';

describe('server TUIs', () => {
  it('central and a sub show their panels and logs, and quit with q', async () => {
    const centralData = tempDir();
    const central = openTerminal(`node ${CLI} central --bind 127.0.0.1 --port 0 --heartbeat 1 --data ${centralData}`);
    const screen = await central.waitForScreen(/ready central 127\.0\.0\.1:(\d+)/);
    expect(screen).toMatch(/watchparty central · 127\.0\.0\.1:\d+ · instance [0-9a-f]{8}/);
    expect(screen).toMatch(/no sub-servers yet/);
    expect(screen).toMatch(/q quit/);
    const port = /ready central 127\.0\.0\.1:(\d+)/.exec(screen)![1]!;

    const sub = openTerminal(`node ${CLI} sub --host 127.0.0.1 --port ${port} --bind 127.0.0.1 --data ${tempDir()} --secret-file ${centralData}/secret`);
    const subScreen = await sub.waitForScreen(/sub-1 127\.0\.0\.1:\d+ · central: registered as sub-1/);
    expect(subScreen).toMatch(/no clients connected/);
    const withSub = await central.waitForScreen(/sub-1\s+127\.0\.0\.1:\d+\s+alive\s+0\/0\s+0\/0/);
    expect(withSub).toMatch(/registered sub-1 at 127\.0\.0\.1:\d+/);

    central.resize(120, 30);
    await central.waitForScreen(/heartbeat 1 s · 0 users/);
    for (const line of central.screen().split('\n')) expect(line.length).toBeLessThanOrEqual(120);

    sub.press('q');
    await waitFor(() => !sub.alive(), { timeoutMs: 5000, what: 'the sub to quit on q' });
    await central.waitForScreen(/lost connection to sub-1/);
    central.press('q');
    await waitFor(() => !central.alive(), { timeoutMs: 5000, what: 'central to quit on q' });
  });

  it('keeps columns aligned with wide names, wraps long log lines with w, and lists its keys with ?', async () => {
    const centralData = tempDir();
    const central = openTerminal(`node ${CLI} central --bind 127.0.0.1 --port 0 --heartbeat 1 --data ${centralData}`, { cols: 90, rows: 40 });
    const port = Number(/ready central 127\.0\.0\.1:(\d+)/.exec(await central.waitForScreen(/ready central 127\.0\.0\.1:(\d+)/))![1]);
    await startSub({ port, dataDir: centralData });
    const home = tempDir('wp-home-');
    const cli = (args: string[], input?: string) => runToEnd([...args, '--host', '127.0.0.1', '--port', String(port), '--profile', 'ann'], { env: { WATCHPARTY_HOME: home }, ...(input ? { input } : {}) });
    expect((await cli(['register', 'ann', '--password-stdin'], 'pw\n')).code).toBe(0);
    // Wide (CJK) and combining characters, and long enough that its log line does not fit.
    const name = `夏祭り Fête ${'x'.repeat(60)} end-of-name.mkv`;
    const clip = makeClip(tempDir('wp-clip-'), { seconds: 5, width: 64, height: 48, name: 'clip.mkv' });
    const up = await cli(['upload', clip, '--name', name]);
    expect(up.code, up.output).toBe(0);
    expect((await cli(['room', 'create', name])).code).toBe(0);

    const screen = await central.waitForScreen(/Rooms \(1\)/, 10_000);
    const lines = screen.split('\n');
    const header = lines.find((l) => /room\s+video\s+admin/.test(l))!;
    const row = lines.find((l) => l.includes('夏祭り'))!;
    // The admin column starts at the same terminal column in the header and in the row.
    expect(displayWidth(row.slice(0, row.indexOf(' ann ') + 1))).toBe(displayWidth(header.slice(0, header.indexOf('admin'))));
    expect(screen).not.toMatch(/end-of-name\.mkv" \(#1/);

    central.press('w');
    await central.waitForScreen(/Log · following · wrapped/);
    await central.waitForScreen(/end-of-name\.mkv" \(#1/);
    central.press('w');
    await central.waitForScreen(/Log · following\s/);

    central.press('?');
    const keys = await central.waitForScreen(/Keys/);
    expect(keys).toMatch(/w\s+wrap long log lines/);
    expect(keys).toMatch(/q \/ Ctrl-C\s+stop the server and quit/);
    central.press('x');
    await central.waitForScreen(/Log · following/);
    for (const line of central.screen().split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(90);
    central.press('q');
    await waitFor(() => !central.alive(), { timeoutMs: 5000, what: 'central to quit on q' });
  }, 60_000);

  it('up keeps its last screen and says why when its sub refuses central, instead of an error box', async () => {
    // A port that was free a moment ago: the second run must use the same one, so the sub's pin applies.
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    const data = tempDir();
    const first = openTerminal(`node ${CLI} up --bind 127.0.0.1 --port ${port} --tls auto --data ${data}`, { cols: 120, rows: 30 });
    await first.waitForScreen(/registered as sub-1/, 15_000);
    first.press('q');
    await waitFor(() => !first.alive(), { timeoutMs: 5000, what: 'the first up to quit' });
    // Without TLS now: the sub pinned central's certificate, so it refuses and up stops.
    const second = openTerminal(`node ${CLI} up --bind 127.0.0.1 --port ${port} --data ${data}`, { cols: 120, rows: 40 });
    // The CLI's own error comes once the TUI has gone: the last screen must not hold a crash above it.
    const screen = await second.waitForScreen(/hint: Start the server with TLS/, 15_000);
    expect(screen).toMatch(/error: central at 127\.0\.0\.1:\d+ used TLS before and now answers without it/);
    expect(screen).not.toMatch(/database connection is not open|ERROR\s+The /);
  }, 60_000);
});
