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
import { dataHome } from './roles/data-dir.js';
import { joinHostPort, parseHeartbeatSeconds, parseHost, parseLogLevel, parsePort } from './cli-options.js';
import { registerClientCommands } from './roles/client/commands.js';

/** Headless when asked, when stdout is not a terminal, or under CI (where Ink 6 draws nothing until exit). */
function isHeadless(flag: boolean | undefined): boolean {
  const ci = process.env.CI;
  return Boolean(flag) || !process.stdout.isTTY || (ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0');
}

function logLevelOption(): Option {
  return new Option('--log-level <level>', 'debug, info, warn or error').default(process.env.WATCHPARTY_LOG ?? 'info').argParser(parseLogLevel);
}

function secretOption(): Option {
  return new Option('--secret <secret>', 'cluster secret that subs must present (or set WATCHPARTY_SECRET)').default(process.env.WATCHPARTY_SECRET ?? '', 'none');
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
  const program = strict(new Command('watchparty'))
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

  program
    .command('central')
    .description('run the central server: accounts, catalogue, rooms and the registry of sub-servers')
    .addOption(new Option('-p, --port <port>', 'port to listen on').default(8000).argParser(parsePort))
    .addOption(new Option('--bind <address>', 'address to listen on').default('0.0.0.0').argParser(parseHost))
    .option('--data <dir>', 'folder for the database and videos', path.join(dataHome(), 'central'))
    .addOption(new Option('--heartbeat <seconds>', 'probe every sub this often; dead after 3 misses').default(2).argParser(parseHeartbeatSeconds))
    .addOption(secretOption())
    .addOption(new Option('--upload-lease <seconds>', 'free a reserved video name after this long without data').default(30).argParser(parseHeartbeatSeconds))
    .option('--headless', 'no TUI: plain log lines on stdout')
    .addOption(logLevelOption())
    .addHelpText('after', '\nExamples:\n  $ watchparty central\n  $ watchparty central --port 9000 --data /srv/watchparty --heartbeat 1 --headless\n  $ WATCHPARTY_SECRET=s3cret watchparty central')
    .action(async (o: { port: number; bind: string; data: string; heartbeat: number; secret: string; uploadLease: number; headless?: boolean; logLevel: 'info' }) => {
      const { runServers } = await import('./roles/run-servers.js');
      process.exitCode = await runServers({
        central: { host: o.bind, port: o.port, dataDir: path.resolve(o.data), heartbeatMs: Math.round(o.heartbeat * 1000), secret: o.secret, uploadLeaseMs: Math.round(o.uploadLease * 1000) },
        headless: isHeadless(o.headless),
        logLevel: o.logLevel,
      });
    });

  program
    .command('sub')
    .description('run a sub-server that joins central, replicates videos and serves its users')
    .addOption(new Option('-H, --host <host>', "central's host").default('localhost').argParser(parseHost))
    .addOption(new Option('-p, --port <port>', "central's port").default(8000).argParser(parsePort))
    .addOption(new Option('--bind <address>', 'address to listen on for clients').default('0.0.0.0').argParser(parseHost))
    .addOption(new Option('--listen-port <port>', 'port to listen on for clients (0 = any free port)').default(0).argParser(parsePort))
    .addOption(new Option('--advertise <host>', 'host name clients should use to reach this sub (default: as central sees it)').argParser(parseHost))
    .option('--data <dir>', 'folder for replicas and state', path.join(dataHome(), 'sub'))
    .addOption(secretOption())
    .option('--headless', 'no TUI: plain log lines on stdout')
    .addOption(logLevelOption())
    .addHelpText('after', '\nExamples:\n  $ watchparty sub\n  $ watchparty sub --host 192.168.1.10 --port 8000 --data ~/wp-sub2 --headless')
    .action(async (o: { host: string; port: number; bind: string; listenPort: number; advertise?: string; data: string; secret: string; headless?: boolean; logLevel: 'info' }) => {
      const { runServers } = await import('./roles/run-servers.js');
      process.exitCode = await runServers({
        sub: { central: joinHostPort(o.host, o.port), bind: o.bind, port: o.listenPort, advertiseHost: o.advertise, dataDir: path.resolve(o.data), secret: o.secret },
        headless: isHeadless(o.headless),
        logLevel: o.logLevel,
      });
    });

  program
    .command('up')
    .description('run central and one sub together: a whole party on this machine')
    .addOption(new Option('-p, --port <port>', "central's port").default(8000).argParser(parsePort))
    .addOption(new Option('--bind <address>', 'address to listen on').default('0.0.0.0').argParser(parseHost))
    .option('--data <dir>', 'parent folder for central/ and sub/', dataHome())
    .addOption(new Option('--heartbeat <seconds>', 'probe the sub this often').default(2).argParser(parseHeartbeatSeconds))
    .option('--headless', 'no TUI: plain log lines on stdout')
    .addOption(logLevelOption())
    .addHelpText('after', '\nExamples:\n  $ watchparty up\n  $ watchparty up --port 9000 --data /tmp/party --headless')
    .action(async (o: { port: number; bind: string; data: string; heartbeat: number; headless?: boolean; logLevel: 'info' }) => {
      const { runServers } = await import('./roles/run-servers.js');
      const data = path.resolve(o.data);
      const centralHost = o.bind === '0.0.0.0' || o.bind === '::' ? '127.0.0.1' : o.bind;
      process.exitCode = await runServers({
        central: { host: o.bind, port: o.port, dataDir: path.join(data, 'central'), heartbeatMs: Math.round(o.heartbeat * 1000), secret: '' },
        sub: { central: joinHostPort(centralHost, o.port), bind: o.bind, port: 0, advertiseHost: undefined, dataDir: path.join(data, 'sub'), secret: '' },
        headless: isHeadless(o.headless),
        logLevel: o.logLevel,
      });
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

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    process.exitCode = report(err, argv.includes('--json'));
  }
}

await main(process.argv);
