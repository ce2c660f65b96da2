/**
 * NO_COLOR (no-color.org) in a real terminal (tmux): the CLI's errors and the client TUI print no colour
 * when it is set, and do when it is not (the control case that proves the check can fail).
 */
import { describe, expect, it } from 'vitest';
import { CLI, startCentral } from '../helpers/spawn-role.js';
import { openTerminal } from '../helpers/tmux.js';

/** Any SGR colour: 30–37, 90–97, 38;… foreground, 40–47, 48;… background. */
const COLOUR = /\x1b\[(?:[0-9;]*;)?(?:3[0-8]|9[0-7]|4[0-8])(?:;[0-9;]*)?m/;

describe('NO_COLOR', () => {
  it('turns colour off in CLI errors and in the client TUI', async () => {
    const central = await startCentral();
    const error = `${process.execPath} ${CLI} control r-00000001 seek nonsense --port ${central.port}`;
    const tui = `${process.execPath} ${CLI} client --profile ann --host 127.0.0.1 --port ${central.port}`;
    for (const noColor of ['1', '']) {
      const env = { NO_COLOR: noColor, FORCE_COLOR: '' };
      const cli = openTerminal(error, { env });
      const printed = await cli.waitForScreen(/is not a time/);
      expect(printed).toMatch(/hint:/);
      const client = openTerminal(tui, { env });
      await client.waitForScreen(/Log in/);
      if (noColor) {
        expect(cli.screenWithEscapes()).not.toMatch(COLOUR);
        expect(client.screenWithEscapes()).not.toMatch(COLOUR);
      } else {
        expect(cli.screenWithEscapes()).toMatch(COLOUR);
        expect(client.screenWithEscapes()).toMatch(COLOUR);
      }
      client.press('C-c');
    }
  }, 60_000);
});
