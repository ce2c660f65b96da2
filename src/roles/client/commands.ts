/**
 * The scripting commands (status, register, login, logout, whoami, users, notifications): each is a
 * short sequence over `connect.ts`, printing plain text or, with --json, one JSON document.
 */
import type { Command } from 'commander';
import chalk from 'chalk';
import { WatchpartyError } from '../../core/errors.js';
import { formatDuration } from '../shared/duration.js';
import { beginListing, newInbox, receive, type Inbox } from '../shared/inbox.js';
import type { Notification } from '../../net/messages.js';
import type { Profile } from './profile.js';
import { openSession, withCentral, type Session } from './connect.js';
import { common, context, out, readPasswords, withSession, type CommonOptions } from './command-kit.js';
import { registerVideoCommands } from './video-commands.js';
import { registerJobCommands } from './job-commands.js';
import { registerRoomCommands } from './room-commands.js';
import { registerClientTui } from './client-command.js';
import { registerTrustCommand } from './trust-command.js';
import { registerSessionCommands } from './session-commands.js';
import { sleep } from '../../net/dial.js';

function formatNotification(n: Notification, json: boolean | undefined): string {
  return json ? JSON.stringify(n) : `${new Date(n.atMs).toISOString().replace('T', ' ').slice(0, 19)}  ${n.text}`;
}

export function registerClientCommands(program: Command): void {
  common(program.command('status'))
    .description('show the cluster as central sees it: instance, uptime, sub-servers')
    .option('--json', 'print one JSON object')
    .addHelpText('after', '\nExamples:\n  $ watchparty status\n  $ watchparty status --host 192.168.1.10 --json')
    .action(async (o: CommonOptions) => {
      const { endpoint, log } = context(o);
      const st = await withCentral(endpoint, log, (central) => central.request('status.get', {}));
      if (o.json) {
        out(JSON.stringify(st));
        return;
      }
      out(`central instance ${st.instance}, up ${formatDuration(st.uptimeMs)}, heartbeat ${st.heartbeatMs / 1000} s, ${st.users} users`);
      if (st.subs.length === 0) {
        out('no sub-servers: start one with "watchparty sub"');
        return;
      }
      const rows = [['ID', 'ADDRESS', 'PID', 'USERS', 'CLIENTS', 'STATE'], ...st.subs.map((s) => [s.id, s.address, String(s.pid), String(s.users), String(s.clients), s.misses ? `${s.state} (${s.misses} missed)` : s.state])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) out(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd());
    });

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
      if (o.follow) await followNotifications(o);
      else await withSession(o, async (s, profile) => void (await deliver(s, profile, newInbox(profile.lastShown(`${s.instanceId}:${s.user}`)), o.json)));
    });

  registerTrustCommand(program);
  registerSessionCommands(program);
  registerVideoCommands(program);
  registerJobCommands(program);
  registerRoomCommands(program);
  registerClientTui(program);
}

/** List, show (print, then record as shown), acknowledge. Returns the inbox for a follower. */
async function deliver(s: Session, profile: Profile, inbox: Inbox, json: boolean | undefined): Promise<Inbox> {
  inbox = beginListing(inbox);
  const { items } = await s.peer.request('notify.list', {});
  return show(s, profile, inbox, items, 'listing', json);
}

async function show(s: Session, profile: Profile, inbox: Inbox, items: Notification[], source: 'push' | 'listing', json: boolean | undefined): Promise<Inbox> {
  const r = receive(inbox, items, source);
  const key = `${s.instanceId}:${s.user}`;
  if (r.show.length > 0) {
    // Record, then print the whole batch in one write: a crash before the rename shows nothing and the
    // batch is delivered again; after it, both happened. Nothing runs between the two syscalls.
    const text = r.show.map((n) => formatNotification(n, json) + '\n').join('');
    profile.setLastShown(key, r.inbox.lastShownId);
    process.stdout.write(text);
  }
  if (r.show.length > 0) await s.peer.request('notify.ack', { upToId: r.inbox.lastShownId }).catch(() => {});
  return r.inbox;
}

async function followNotifications(o: CommonOptions): Promise<void> {
  const { profile, endpoint, log } = context(o);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    while (!stop.signal.aborted) {
      const session = await openSession({ endpoint, profile, log, signal: stop.signal, onProgress: (m) => process.stderr.write(chalk.dim(m) + '\n') });
      process.stderr.write(chalk.dim(`following notifications for ${session.user} on ${session.subId}\n`));
      let inbox = newInbox(profile.lastShown(`${session.instanceId}:${session.user}`));
      // Serialise pushes and listings so the inbox sees them in arrival order.
      let queue = Promise.resolve();
      const enqueue = (job: () => Promise<void>) => (queue = queue.then(job).catch((err: Error) => log.warn(`notification delivery: ${err.message}`)));
      session.peer.on('notify.push', (body) => enqueue(async () => void (inbox = await show(session, profile, inbox, body.items, 'push', o.json))));
      enqueue(async () => void (inbox = await deliver(session, profile, inbox, o.json)));
      await new Promise<void>((resolve) => {
        session.peer.onceClosed(() => resolve());
        stop.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      if (stop.signal.aborted) {
        session.peer.close(1000, 'bye');
        break;
      }
      process.stderr.write(chalk.yellow(`lost ${session.subId}; reconnecting…\n`));
      await sleep(100, stop.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
