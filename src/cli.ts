#!/usr/bin/env node
/**
 * The `watchparty` command: commander only. Parses flags, calls into the roles, and is the one place
 * that turns errors into printed messages and exit codes (see ExitCode in roles/shared/errors.ts).
 */
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import chalk from 'chalk';
import { VERSION } from './version.js';
import { ExitCode, WatchpartyError } from './core/errors.js';
import { honourNoColor } from './core/color.js';
import { dataHome } from './roles/data-dir.js';
import { defaultJobs, joinHostPort, parseAttempts, parseDrainTimeout, parseHeartbeatSeconds, parseHost, parseHosts, parseJobs, parseLifetimeOption, parseLogLevel, parsePort, parseRateScale, parseStore } from './cli-options.js';
import { registerClientCommands } from './roles/client/commands.js';
import { addFingerprintOption, addServerTlsOptions, serverTls, subTrustOptions, type TlsFlags } from './roles/tls-options.js';
import { parseCentralHosts } from './roles/shared/central-list.js';

/** Headless when asked, when stdout is not a terminal, or under CI (where Ink 6 draws nothing until exit). */
function isHeadless(flag: boolean | undefined): boolean {
  const ci = process.env.CI;
  return Boolean(flag) || !process.stdout.isTTY || (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0');
}

function logLevelOption(): Option {
  return new Option('--log-level <level>', 'debug, info, warn or error').default(process.env.WATCHPARTY_LOG ?? 'info').argParser(parseLogLevel);
}

function secretFileOption(): Option {
  return new Option('--secret-file <file>', 'file holding the cluster secret (or set WATCHPARTY_SECRET)');
}

/** `--secret` would put the secret in `ps` output: refuse it with the two ways that do not. */
function noSecretOnCommandLine(): Option {
  return new Option('--secret <secret>').hideHelp().argParser(() => {
    throw new WatchpartyError('BAD_INPUT', '--secret would show the cluster secret to every user of this machine (ps)', { hint: 'Use --secret-file FILE or the WATCHPARTY_SECRET environment variable.' });
  });
}

/** Options central and `up` share. */
interface CentralFlags extends TlsFlags {
  port: number;
  store?: string;
  advertise?: string;
  migrateTo?: string;
  bind: string;
  data: string;
  heartbeat: number;
  secretFile?: string;
  uploadLease: number;
  rateScale: number;
  sessionLifetime: number;
  roomIdle: number;
  jobLease: number;
  jobAttempts: number;
  headless?: boolean;
  logLevel: 'info';
}

/** How many media tasks a sub runs at once. */
const jobsOption = () => new Option('--jobs <n>', 'media tasks (renditions) this sub runs at once; 0 for a streaming-only sub').default(defaultJobs(), 'half the cores').argParser(parseJobs);

function addCentralOptions(cmd: Command, dataDefault: string, dataHelp: string): Command {
  return addServerTlsOptions(cmd)
    .addOption(new Option('-p, --port <port>', 'port to listen on').default(8000).argParser(parsePort))
    .addOption(new Option('--bind <address>', 'address to listen on').default('0.0.0.0').argParser(parseHost))
    .option('--data <dir>', dataHelp, dataDefault)
    .addOption(new Option('--heartbeat <seconds>', 'probe every sub this often; dead after 3 misses').default(2).argParser(parseHeartbeatSeconds))
    .addOption(secretFileOption())
    .addOption(noSecretOnCommandLine())
    .addOption(new Option('--store <url>', 'where central keeps its state: sqlite (in --data) or postgres://USER@HOST:PORT/DATABASE, password from PGPASSWORD or ~/.pgpass').argParser((v) => parseStore(v) ?? 'sqlite'))
    .addOption(new Option('--advertise <host>', "with a shared --store postgres: the host clients and subs reach this central at (default: --bind, or this machine's name)").argParser(parseHost))
    .addOption(new Option('--upload-lease <seconds>', 'free a reserved video name after this long without data').default(30).argParser(parseHeartbeatSeconds))
    .addOption(new Option('--rate-scale <factor>', 'multiply every rate limit (registrations, logins, rooms, invitations)').default(Number(process.env.WATCHPARTY_RATE_SCALE ?? 1), 'WATCHPARTY_RATE_SCALE or 1').argParser(parseRateScale))
    .addOption(new Option('--session-lifetime <time>', 'end sessions unused this long (e.g. 30d, 12h)').default(30 * 86_400_000, '30d').argParser(parseLifetimeOption))
    .addOption(new Option('--room-idle <time>', 'close rooms nobody has opened or controlled this long (e.g. 7d, 12h)').default(7 * 86_400_000, '7d').argParser(parseLifetimeOption))
    .addOption(new Option('--job-lease <seconds>', 'hand a media task to another sub after this long without news from its worker').default(20).argParser(parseHeartbeatSeconds))
    .addOption(new Option('--job-attempts <n>', 'tries of a media task before it is marked failed').default(4).argParser(parseAttempts))
    .option('--headless', 'no TUI: plain log lines on stdout')
    .addOption(logLevelOption());
}

/** Central's options from its flags, with the cluster secret resolved (created on first start). */
async function centralOptions(o: CentralFlags, dataDir: string) {
  const { centralSecret } = await import('./roles/cluster-secret.js');
  const secret = centralSecret(dataDir, { file: o.secretFile, env: process.env.WATCHPARTY_SECRET });
  const fromEnv = process.env.WATCHPARTY_STORE;
  const storeUrl = o.store !== undefined ? (o.store === 'sqlite' ? undefined : o.store) : fromEnv ? parseStore(fromEnv, true) : undefined;
  return {
    ...(storeUrl ? { storeUrl } : {}),
    ...(o.advertise ? { advertise: o.advertise } : {}),
    host: o.bind,
    port: o.port,
    dataDir,
    heartbeatMs: Math.round(o.heartbeat * 1000),
    secret: secret.secret,
    secretSource: secret.source,
    uploadLeaseMs: Math.round(o.uploadLease * 1000),
    tls: serverTls(o, o.bind, dataDir),
    rateScale: o.rateScale,
    sessionIdleMs: o.sessionLifetime,
    roomIdleMs: o.roomIdle,
    jobLeaseMs: Math.round(o.jobLease * 1000),
    jobAttempts: o.jobAttempts,
  };
}

/** Usage errors become one line that names the fix; commander's own help/version exit 0. */
function strict(cmd: Command): Command {
  return cmd
    .exitOverride()
    .showSuggestionAfterError(true)
    .configureOutput({
      outputError: (str, write) => {
        const line = str.replace(/\s*\n\s*/g, ' ').trim();
        const names: string[] = [];
        for (let c: Command | null = cmd; c && c.parent; c = c.parent) names.unshift(c.name());
        write(`${chalk.red(line)} — see "watchparty ${names.length ? names.join(' ') + ' ' : ''}--help"\n`);
      },
    });
}

function buildProgram(): Command {
  // Positional options: a subcommand's options stay its own (`jobs retry 4 --profile bob` is not the list's --profile).
  const program = strict(new Command('watchparty').enablePositionalOptions())
    .version(VERSION, '-V, --version', 'print the version')
    .description('Watch videos together from the terminal: a central server, sub-servers that replicate and stream, and a client that keeps everyone on the same frame.')
    .addHelpText(
      'after',
      `
Examples:
  $ watchparty up                           central + one sub on this machine (port 8000)
  $ watchparty central --port 8000          the central server (TUI; --headless for logs only)
  $ watchparty sub --host 192.168.1.10      a sub-server joining that central
  $ watchparty status --json                the cluster as central sees it
  $ watchparty register alice               create an account (asks for the password)`,
    );

  addCentralOptions(
    program.command('central').description('run the central server: accounts, catalogue, rooms and the registry of sub-servers'),
    path.join(dataHome(), 'central'),
    'folder for the database, videos and the cluster secret',
  )
    .addOption(new Option('--migrate-to <url>', 'copy the SQLite state in --data into an empty PostgreSQL database, then exit (central must be stopped)').argParser((v) => parseStore(v) ?? 'sqlite'))
    .addHelpText(
      'after',
      `
The cluster secret is created on first start in <data>/secret (mode 0600) unless --secret-file or
WATCHPARTY_SECRET gives one. Subs on this machine find it there; copy it to other machines for theirs.
State is in SQLite under --data unless --store (or WATCHPARTY_STORE) names a PostgreSQL database;
videos stay under --data either way. Several centrals on one PostgreSQL make a hot standby: one leads,
the others stand by and take over within about two heartbeats of the leader's loss; give subs and
clients all of them (--host a:8000,b:8000).

Examples:
  $ watchparty central
  $ watchparty central --port 9000 --data /srv/watchparty --heartbeat 1 --headless
  $ watchparty central --secret-file /etc/watchparty/secret
  $ PGPASSFILE=~/.pgpass watchparty central --store postgres://watchparty@db.lan:5432/watchparty
  $ watchparty central --store postgres://watchparty@db.lan/watchparty --advertise b.lan   (a standby on b.lan)
  $ watchparty central --migrate-to postgres://watchparty@db.lan/watchparty   (central stopped)`,
    )
    .action(async (o: CentralFlags) => {
      if (o.migrateTo !== undefined) {
        if (o.migrateTo === 'sqlite') throw new WatchpartyError('BAD_INPUT', '--migrate-to takes a postgres:// URL', { hint: 'e.g. --migrate-to postgres://watchparty@db.lan/watchparty' });
        const { migrateCommand } = await import('./roles/central/migrate.js');
        const { createLogger, formatLine } = await import('./core/log.js');
        const log = createLogger('migrate', (r) => process.stderr.write(formatLine(r) + '\n'), o.logLevel);
        return migrateCommand(path.resolve(o.data), o.migrateTo, log, (line) => console.log(line));
      }
      const { runServers } = await import('./roles/run-servers.js');
      process.exitCode = await runServers({ central: await centralOptions(o, path.resolve(o.data)), headless: isHeadless(o.headless), logLevel: o.logLevel });
    });

  addFingerprintOption(addServerTlsOptions(program.command('sub')))
    .description('run a sub-server that joins central, replicates videos and serves its users')
    .addOption(new Option('-H, --host <hosts>', "central's host, or every central's (a,b:9000) when they share PostgreSQL").default('localhost').argParser(parseHosts))
    .addOption(new Option('-p, --port <port>', "central's port").default(8000).argParser(parsePort))
    .addOption(new Option('--bind <address>', 'address to listen on for clients').default('0.0.0.0').argParser(parseHost))
    .addOption(new Option('--listen-port <port>', 'port to listen on for clients (0 = any free port)').default(0).argParser(parsePort))
    .addOption(new Option('--advertise <host>', 'host name clients should use to reach this sub (default: as central sees it)').argParser(parseHost))
    .option('--data <dir>', 'folder for replicas and state', path.join(dataHome(), 'sub'))
    .addOption(secretFileOption())
    .addOption(noSecretOnCommandLine())
    .option('--headless', 'no TUI: plain log lines on stdout')
    .addOption(new Option('--drain-timeout <seconds>', 'on SIGTERM (or watchparty drain), move the clients to other subs and stop once empty, at the latest after this long').default(60_000, '60').argParser(parseDrainTimeout))
    .addOption(jobsOption())
    .addOption(logLevelOption())
    .addHelpText(
      'after',
      `
Without --secret-file or WATCHPARTY_SECRET, the sub uses the secret of a central on this machine
(${path.join(dataHome(), 'central', 'secret')}).

Examples:
  $ watchparty sub
  $ watchparty sub --host 192.168.1.10 --secret-file ~/watchparty-secret --data ~/wp-sub2 --headless
  $ watchparty sub --host a.lan,b.lan            two centrals on one PostgreSQL: follows whichever leads
  $ watchparty sub --jobs 0                       stream only: leave the media tasks to other subs
  $ kill -TERM <pid>                              drain: clients move to other subs while they play, then it stops`,
    )
    .action(async (o: TlsFlags & { host: string; port: number; bind: string; listenPort: number; advertise?: string; data: string; secretFile?: string; fingerprint?: string; jobs: number; drainTimeout: number; headless?: boolean; logLevel: 'info' }) => {
      const { runServers } = await import('./roles/run-servers.js');
      const { subSecret, secretFileOf } = await import('./roles/cluster-secret.js');
      const secret = subSecret({ file: o.secretFile, env: process.env.WATCHPARTY_SECRET, localCentralFile: secretFileOf(path.join(dataHome(), 'central')) });
      process.exitCode = await runServers({
        sub: { central: parseCentralHosts(o.host, o.port).join(','), bind: o.bind, port: o.listenPort, advertiseHost: o.advertise, dataDir: path.resolve(o.data), secret: secret.secret,
          tls: serverTls(o, o.bind, path.resolve(o.data)), trust: subTrustOptions(o, path.join(dataHome(), 'central')), jobs: o.jobs, drainTimeoutMs: o.drainTimeout },
        headless: isHeadless(o.headless),
        logLevel: o.logLevel,
      });
    });

  addCentralOptions(
    program.command('up').description('run central and one sub together: a whole party on this machine'),
    dataHome(),
    'parent folder for central/ and sub/',
  )
    .addOption(jobsOption())
    .addHelpText('after', '\nTakes the same options as "watchparty central" (and --jobs for its sub); its sub shares central\'s secret.\n\nExamples:\n  $ watchparty up\n  $ watchparty up --port 9000 --data /tmp/party --headless')
    .action(async (o: CentralFlags & { jobs: number }) => {
      const { runServers } = await import('./roles/run-servers.js');
      const data = path.resolve(o.data);
      const central = await centralOptions(o, path.join(data, 'central'));
      const centralHost = o.bind === '0.0.0.0' || o.bind === '::' ? '127.0.0.1' : o.bind;
      process.exitCode = await runServers({
        central,
        sub: { central: joinHostPort(centralHost, o.port), bind: o.bind, port: 0, advertiseHost: undefined, dataDir: path.join(data, 'sub'), secret: central.secret,
          tls: central.tls, trust: { vouched: central.tls?.fingerprint, envTrust: false, insecure: Boolean(o.insecure) }, jobs: o.jobs },
        headless: isHeadless(o.headless),
        logLevel: o.logLevel,
      });
    });

  program
    .command('backup <file>')
    .description("copy central's SQLite state to FILE while central runs (online backup)")
    .option('--data <dir>', "central's data folder", path.join(dataHome(), 'central'))
    .addHelpText(
      'after',
      `
To restore: stop central, put FILE in place of <data>/central.sqlite (remove central.sqlite-wal and
-shm beside it), start central. The videos under <data>/videos are files: copy them as files. A central
on PostgreSQL (--store) is backed up with pg_dump instead.

Examples:
  $ watchparty backup ~/central-$(date +%F).sqlite
  $ watchparty backup --data /srv/watchparty /backups/central.sqlite`,
    )
    .action(async (file: string, o: { data: string }) => {
      const { backupCentral } = await import('./roles/central/backup.js');
      const { bytes } = await backupCentral(path.resolve(o.data), path.resolve(file));
      console.log(`backed up central's state (${(bytes / 1024).toFixed(0)} KiB) to ${path.resolve(file)}`);
    });

  registerClientCommands(program);
  // Subcommands get the same one-line usage errors, naming their own --help.
  const applyStrict = (cmd: Command) => {
    for (const sub of cmd.commands) {
      strict(sub);
      applyStrict(sub);
    }
  };
  applyStrict(program);
  return program;
}

/** Print a fatal error once, in the form the user can act on, and pick the exit code. */
function report(err: unknown, json: boolean): number {
  if (err instanceof CommanderError) {
    // Help and --version are "errors" to commander; they already printed.
    return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? ExitCode.ok : ExitCode.usage;
  }
  if (err instanceof WatchpartyError) {
    if (json) process.stdout.write(JSON.stringify({ error: { code: err.code, message: err.message, hint: err.hint } }) + '\n');
    process.stderr.write(`${chalk.red(`error: ${err.message}`)}\n${chalk.dim(`hint: ${err.hint}`)}\n`);
    return err.exitCode;
  }
  process.stderr.write(`${chalk.red('watchparty crashed: this is a bug, please report it with the trace below.')}\n${(err as Error)?.stack ?? String(err)}\n`);
  return ExitCode.bug;
}

/** `watchparty … | head` closes our stdout early: stop quietly, as every Unix tool does, instead of crashing on EPIPE. */
function quietOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw err;
  });
}

async function main(argv: string[]): Promise<void> {
  honourNoColor();
  quietOnClosedStdout();
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err, argv.includes('--json'));
  }
}

await main(process.argv);
