/** Central and sub in a real terminal (tmux): the TUI shows status and logs, follows resizes, and quits on q. */
import { describe, expect, it } from 'vitest';
import { CLI, tempDir } from '../helpers/spawn-role.js';
import { openTerminal } from '../helpers/tmux.js';
import { waitFor } from '../helpers/wait-for.js';

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
});
