/** `watchparty drain SUB`: an operator moves a sub's viewers to the other subs while they play, then the sub leaves. */
import type { Command } from 'commander';
import { WatchpartyError } from '../../core/errors.js';
import { common, context, out, type CommonOptions } from './command-kit.js';
import { withCentral } from './connect.js';
import { operatorSecret } from './delete-video.js';
import { sleep } from '../../net/dial.js';

/** Seconds as `--timeout` takes them: 1 to 3600. */
function timeoutMs(value: string): number {
  const s = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value) || s < 1 || s > 3600) throw new WatchpartyError('BAD_INPUT', `--timeout takes 1 to 3600 seconds, not "${value}"`, { hint: 'e.g. watchparty drain sub-2 --timeout 120' });
  return Math.round(s * 1000);
}

export function registerDrainCommand(program: Command): void {
  common(program.command('drain <subId>'))
    .description("move a sub-server's viewers to the other subs while they play (their players never reload), then the sub leaves")
    .option('--timeout <seconds>', 'after this long, clients still on the sub are told to go and it stops', '60')
    .option('--secret-file <file>', "the cluster secret's file (or set WATCHPARTY_SECRET): draining is for operators")
    .option('--wait', 'stay until the sub has left, printing its progress')
    .option('--json', 'print the answer as JSON')
    .addHelpText(
      'after',
      `
A sub drains too when it gets SIGTERM (then "watchparty sub --drain-timeout" sets the time). Restart it
with the same --data to bring it back with its replicas (a rolling restart).

Examples:
  $ watchparty drain sub-2 --secret-file ~/watchparty-secret
  $ WATCHPARTY_SECRET=… watchparty drain sub-2 --timeout 120 --wait`,
    )
    .action(async (subId: string, o: CommonOptions & { timeout: string; secretFile?: string; wait?: boolean }) => {
      const { endpoint, log } = context(o);
      const secret = operatorSecret({ file: o.secretFile, env: process.env.WATCHPARTY_SECRET });
      if (!secret) throw new WatchpartyError('BAD_SECRET', 'draining a sub takes the cluster secret', { hint: 'Pass --secret-file FILE (central keeps it in its data folder, e.g. ~/.local/share/watchparty/central/secret) or set WATCHPARTY_SECRET.' });
      const r = await withCentral(endpoint, log, (central) => central.request('sub.drain', { subId, secret, timeoutMs: timeoutMs(o.timeout) }));
      const seconds = Math.ceil((r.deadlineMs - Date.now()) / 1000);
      if (o.json) out(JSON.stringify(r));
      else if (r.otherSubs === 0) out(`${r.subId} is draining, but no other sub-server takes users: its ${r.staying} user${r.staying === 1 ? '' : 's'} stay until it stops in ${seconds} s`);
      else out(`${r.subId} is draining: ${r.moved} user${r.moved === 1 ? '' : 's'} moving to the other ${r.otherSubs === 1 ? 'sub' : `${r.otherSubs} subs`}; it stops once empty, at the latest in ${seconds} s`);
      if (!o.wait) return;
      // Bounded by the drain's own deadline (plus the time central needs to notice the sub left).
      const until = r.deadlineMs + 15_000;
      while (Date.now() < until) {
        const st = await withCentral(endpoint, log, (central) => central.request('status.get', {}));
        const sub = st.subs.find((s) => s.id === r.subId);
        if (!sub) {
          out(`${r.subId} has left`);
          return;
        }
        if (!o.json) out(`${r.subId}: ${sub.clients} client${sub.clients === 1 ? '' : 's'} left`);
        await sleep(1000);
      }
      throw new WatchpartyError('TIMEOUT', `${r.subId} is still in the cluster after its drain's deadline`, { hint: 'See "watchparty status" and the sub\'s log.' });
    });
}
