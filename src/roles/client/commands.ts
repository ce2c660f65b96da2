/**
 * The scripting commands (status, register, login, logout, whoami, users, notifications): each is a
 * short sequence over `connect.ts`, printing plain text or, with --json, one JSON document.
 */
import type { Command } from 'commander';
import { WatchpartyError } from '../../core/errors.js';
import { formatDuration } from '../shared/duration.js';
import { withCentral } from './connect.js';
import { catchUp, followFeed, inboxOf, NOTIFICATIONS } from './feed.js';
import { common, context, out, readPasswords, withSession, type CommonOptions } from './command-kit.js';
import { registerVideoCommands } from './video-commands.js';
import { registerJobCommands } from './job-commands.js';
import { registerRoomCommands } from './room-commands.js';
import { registerTalkCommands } from './talk-commands.js';
import { registerQueueCommand } from './queue-commands.js';
import { registerClientTui } from './client-command.js';
import { registerTrustCommand } from './trust-command.js';
import { registerSessionCommands } from './session-commands.js';
import { registerDrainCommand } from './drain-command.js';

export function registerClientCommands(program: Command): void {
  common(program.command('status'))
    .description('show the cluster as central sees it: instance, uptime, sub-servers')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  $ watchparty status\n  $ watchparty status --host 192.168.1.10 --json\n  $ watchparty status --host a.lan,b.lan      which of two centrals leads')
    .action(async (o: CommonOptions) => {
      const { endpoint, log } = context(o);
      const st = await withCentral(endpoint, log, (central) => central.request('status.get', {}));
      if (o.json) {
        out(JSON.stringify(st));
        return;
      }
      out(`central instance ${st.instance}, up ${formatDuration(st.uptimeMs)}, heartbeat ${st.heartbeatMs / 1000} s, ${st.users} users`);
      // Centrals on one PostgreSQL: which leads, which stand by (seen = its last lease renewal or poll).
      for (const c of st.centrals ?? []) out(`central ${c.address}: ${c.leading ? 'leads' : 'stands by'} (seen ${formatDuration(c.seenAgoMs)} ago)`);
      if (st.subs.length === 0) {
        out('no sub-servers: start one with "watchparty sub"');
        return;
      }
      const state = (s: (typeof st.subs)[number]) =>
        s.draining ? `draining (${s.clients} client${s.clients === 1 ? '' : 's'} left, ${Math.ceil(Math.max(0, s.draining.deadlineMs - Date.now()) / 1000)} s to go)` : s.misses ? `${s.state} (${s.misses} missed)` : s.state;
      const rows = [['ID', 'ADDRESS', 'PID', 'USERS', 'CLIENTS', 'STATE'], ...st.subs.map((s) => [s.id, s.address, String(s.pid), String(s.users), String(s.clients), state(s)])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) out(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
    });

  registerDrainCommand(program);

  const auth = (name: 'register' | 'login') =>
    common(program.command(`${name} <user>`))
      .option('--password-stdin', name === 'register' ? 'read the password (line 1) and its repeat (line 2, default: line 1) from stdin' : 'read the password from stdin')
      .option('--json', 'print the result as JSON');

  auth('register')
    .description('create an account; central assigns you to the least-loaded sub-server')
    .addHelpText('after', '\nExamples:\n  $ watchparty register alice\n  $ printf "s3cret\\ns3cret\\n" | watchparty register alice --password-stdin --profile alice')
    .action(async (user: string, o: CommonOptions & { passwordStdin?: boolean }) => {
      const { profile, endpoint, log } = context(o);
      const [password, repeat] = await readPasswords(o.passwordStdin, ['password: ', 'repeat password: ']);
      const r = await withCentral(endpoint, log, (c) => c.request('auth.register', { user, password: password!, repeat: repeat! }));
      profile.update({ host: endpoint.host, port: endpoint.port, user: r.user, token: r.token });
      profile.setPlacement(r);
      if (o.json) out(JSON.stringify({ user: r.user, sub: r.subAddress, subId: r.subId }));
      else out(`registered ${r.user}; served by ${r.subId} at ${r.subAddress}`);
    });

  auth('login')
    .description('log in; you keep your sub-server while it is alive')
    .addHelpText('after', '\nExamples:\n  $ watchparty login alice\n  $ echo "$PASS" | watchparty login alice --password-stdin --profile alice')
    .action(async (user: string, o: CommonOptions & { passwordStdin?: boolean }) => {
      const { profile, endpoint, log } = context(o);
      const [password] = await readPasswords(o.passwordStdin, ['password: ']);
      const r = await withCentral(endpoint, log, (c) => c.request('auth.login', { user, password: password! }));
      profile.update({ host: endpoint.host, port: endpoint.port, user: r.user, token: r.token });
      profile.setPlacement(r);
      if (o.json) out(JSON.stringify({ user: r.user, sub: r.subAddress, subId: r.subId }));
      else out(`logged in as ${r.user}; served by ${r.subId} at ${r.subAddress}`);
    });

  common(program.command('logout'))
    .description('end the session: the token stops working on every server')
    .addHelpText('after', '\nExamples:\n  $ watchparty logout\n  $ watchparty logout --profile work')
    .action(async (o: CommonOptions) => {
      const { profile } = context(o);
      if (!profile.data.token) throw new WatchpartyError('NOT_LOGGED_IN', `profile "${profile.name}" is not logged in`);
      const user = profile.data.user;
      await withSession(o, (s) => s.peer.request('auth.logout', {}));
      profile.clearSession();
      out(`logged out ${user ?? ''}`.trim());
    });

  common(program.command('whoami'))
    .description('who this profile is logged in as, checked end to end through the assigned sub')
    .option('--json', 'print {"user", "sub", "subId"}')
    .addHelpText('after', '\nExamples:\n  $ watchparty whoami\n  $ watchparty whoami --json | jq -r .subId')
    .action(async (o: CommonOptions) => {
      const r = await withSession(o, async (s) => ({ user: s.user, sub: s.subAddress, subId: s.subId }));
      if (o.json) out(JSON.stringify(r));
      else out(`${r.user} on ${r.subId} (${r.sub})`);
    });

  common(program.command('users'))
    .description('registered user names (to invite people to rooms)')
    .option('--json', 'print a JSON array')
    .addHelpText('after', '\nExamples:\n  $ watchparty users\n  $ watchparty users --json')
    .action(async (o: CommonOptions) => {
      const { users } = await withSession(o, (s) => s.peer.request('users.list', {}));
      if (o.json) out(JSON.stringify(users));
      else for (const u of users) out(u);
    });

  common(program.command('notifications'))
    .description('show unread notifications and acknowledge them; --follow keeps listening')
    .option('--json', 'one JSON object per line')
    .option('--follow', 'stay connected and print new notifications as they arrive (survives failover)')
    .addHelpText('after', '\nExamples:\n  $ watchparty notifications\n  $ watchparty notifications --follow --json --profile alice')
    .action(async (o: CommonOptions & { follow?: boolean }) => {
      if (o.follow) await followFeed(NOTIFICATIONS, o);
      else await withSession(o, async (s, profile) => void (await catchUp(NOTIFICATIONS, s, profile, inboxOf(NOTIFICATIONS, s, profile), o.json)));
    });

  registerTrustCommand(program);
  registerSessionCommands(program);
  registerVideoCommands(program);
  registerJobCommands(program);
  registerRoomCommands(program);
  registerTalkCommands(program);
  registerQueueCommand(program);
  registerClientTui(program);
}
