/** `watchparty client`: the full-screen Ink client. */
import type { Command } from 'commander';
import { WatchpartyError } from '../../core/errors.js';
import { common, context, type CommonOptions } from './command-kit.js';
import { LiveClientSession } from './session.js';
import { centralAddress } from './connect.js';
import { resolveTrust } from '../trust.js';

export function registerClientTui(program: Command): void {
  common(program.command('client'))
    .description('the terminal UI: log in, upload, browse, notifications, and rooms that play in sync in mpv')
    .option('--mpv-headless', 'play without a window or sound (no display, or scripted runs)')
    .addHelpText('after', '\nExamples:\n  $ watchparty client\n  $ watchparty client --host 192.168.1.10 --profile alice\n\nKeys are shown at the bottom of every screen; press ? for all of them.')
    .action(async (o: CommonOptions & { mpvHeadless?: boolean }) => {
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new WatchpartyError('BAD_INPUT', 'the client UI needs a terminal', { hint: 'Run it in a terminal, or use the scripting commands (watchparty --help).' });
      }
      const ctx = context(o);
      // Settle trust in central before Ink owns the terminal: a first contact may need a question.
      await resolveTrust(centralAddress(ctx.endpoint), ctx.endpoint.trust!).catch((err: WatchpartyError) => {
        if (err.code !== 'UNREACHABLE') throw err;
      });
      ctx.endpoint.trust = { ...ctx.endpoint.trust!, ask: undefined };
      const session = new LiveClientSession({ ...ctx, headlessPlayer: Boolean(o.mpvHeadless) });
      session.start();
      const { runClientTui } = await import('../../tui/client/run-client-tui.js');
      await runClientTui(session);
    });
}
