/**
 * `watchparty sessions` (list and end your sessions) and `watchparty passwd` (change your password,
 * which ends every other session). Both talk to central directly with the profile's token.
 */
import type { Command } from 'commander';
import { WatchpartyError } from '../../core/errors.js';
import { formatDuration } from '../shared/duration.js';
import { withCentral } from './connect.js';
import { common, context, out, readPasswords, type CommonOptions } from './command-kit.js';

function tokenOf(o: CommonOptions) {
  const ctx = context(o);
  const token = ctx.profile.data.token;
  if (!token) throw new WatchpartyError('NOT_LOGGED_IN', `profile "${ctx.profile.name}" is not logged in`);
  return { ...ctx, token };
}

export function registerSessionCommands(program: Command): void {
  common(program.command('sessions'))
    .description('list your sessions (every login is one), or end one of them or all the others')
    .option('--end <id>', 'end the session whose id starts with this (at least 4 characters)')
    .option('--end-others', 'end every session but this one')
    .option('--json', 'print a JSON array (or {"revoked": n})')
    .addHelpText('after', '\nExamples:\n  $ watchparty sessions\n  $ watchparty sessions --end 3fa9c1\n  $ watchparty sessions --end-others')
    .action(async (o: CommonOptions & { end?: string; endOthers?: boolean }) => {
      const { endpoint, log, token } = tokenOf(o);
      if (o.end !== undefined && !/^[0-9a-f]{4,64}$/.test(o.end)) {
        throw new WatchpartyError('BAD_INPUT', `"${o.end.slice(0, 70)}" is not a session id`, { hint: 'Ids are the hex strings "watchparty sessions" lists; 4 characters are enough.' });
      }
      if (o.end !== undefined || o.endOthers) {
        const r = await withCentral(endpoint, log, (c) => c.request('sessions.revoke', { token, ...(o.end ? { sessionId: o.end } : {}), ...(o.endOthers ? { others: true } : {}) }));
        if (o.json) out(JSON.stringify(r));
        else out(`ended ${r.revoked} session${r.revoked === 1 ? '' : 's'}`);
        return;
      }
      const { sessions } = await withCentral(endpoint, log, (c) => c.request('sessions.list', { token }));
      if (o.json) {
        out(JSON.stringify(sessions));
        return;
      }
      const now = Date.now();
      const rows = [['ID', 'FROM', 'LOGGED IN', 'LAST USED', ''], ...sessions.map((s) => [s.id, s.source || '?', `${formatDuration(now - s.createdMs)} ago`, `${formatDuration(now - s.lastUsedMs)} ago`, s.current ? '(this one)' : ''])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) out(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
    });

  common(program.command('passwd'))
    .description('change your password; every other session of yours ends')
    .option('--password-stdin', 'read the current password, the new one and its repeat from stdin (three lines)')
    .option('--json', 'print {"revoked": n}')
    .addHelpText('after', '\nExamples:\n  $ watchparty passwd\n  $ printf "old\\nnew\\nnew\\n" | watchparty passwd --password-stdin --profile alice')
    .action(async (o: CommonOptions & { passwordStdin?: boolean }) => {
      const { endpoint, log, token } = tokenOf(o);
      const [password, newPassword, repeat] = await readPasswords(o.passwordStdin, ['current password: ', 'new password: ', 'repeat new password: ']);
      const r = await withCentral(endpoint, log, (c) => c.request('auth.passwd', { token, password: password!, newPassword: newPassword!, repeat: repeat! }));
      if (o.json) out(JSON.stringify(r));
      else out(`password changed; ${r.revoked} other session${r.revoked === 1 ? '' : 's'} ended`);
    });
}
