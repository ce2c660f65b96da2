/** Start a local mpv on a URL with an IPC socket, and stop it reliably (no orphaned players). */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WatchpartyError } from '../core/errors.js';
import { MpvIpc } from './mpv-ipc.js';

export interface MpvOptions {
  url: string;
  /** Socket path; default: a fresh one in the temp folder. */
  ipcPath?: string;
  /** `--vo=null --ao=null`: no window, no sound (CI, benchmarks, scripted runs). */
  headless: boolean;
  startSeconds?: number;
  paused?: boolean;
  title?: string;
  extraArgs?: string[];
}

/**
 * A Lua script for mpv that quits when our process is gone. A client killed with SIGKILL runs no
 * exit handler, and an orphaned player would keep playing (and hold its IPC socket) forever.
 */
const WATCHDOG_LUA = `local opts = { ppid = "" }
require("mp.options").read_options(opts, "watchparty")
-- Our parent pid as the kernel sees it: it changes the moment the parent dies (reparenting happens
-- before the dead parent is reaped, so this is quicker than checking whether the old pid exists).
local function parent()
  local f = io.open("/proc/self/stat", "r")
  if not f then return nil end
  local line = f:read("*l")
  f:close()
  return line and line:match("%) %S+ (%d+)")
end
if opts.ppid ~= "" then
  mp.add_periodic_timer(0.25, function()
    local p = parent()
    if p and p ~= opts.ppid then mp.command("quit 4") end
  end)
end
`;

/** Write the watchdog once per process; only where /proc tells whether a pid lives (Linux). */
function watchdogArgs(): string[] {
  if (!fs.existsSync(`/proc/${process.pid}/stat`)) return [];
  const file = path.join(os.tmpdir(), `watchparty-watchdog-${process.pid}.lua`);
  if (!fs.existsSync(file)) {
    fs.writeFileSync(file, WATCHDOG_LUA);
    process.once('exit', () => fs.rmSync(file, { force: true }));
  }
  return [`--script=${file}`, `--script-opts=watchparty-ppid=${process.pid}`];
}

export interface MpvHandle {
  child: ChildProcess;
  ipc: MpvIpc;
  ipcPath: string;
  /** Resolves with mpv's exit code when it ends. */
  exited: Promise<number | null>;
  stop(): Promise<void>;
}

/**
 * Load `url` in an idle mpv, wait until it has the file, then turn idling off so that mpv quits at the
 * end of the file as if the URL had been on its command line.
 */
async function loadOverIpc(ipc: MpvIpc, url: string): Promise<void> {
  await ipc.command(['loadfile', url, 'replace'], 5000);
  const until = Date.now() + 15_000;
  for (;;) {
    const idle = await ipc.command(['get_property', 'idle-active'], 3000).catch(() => true);
    const path = await ipc.command(['get_property', 'path'], 3000).catch(() => null);
    if (idle === false && typeof path === 'string') break;
    if (Date.now() > until) throw new WatchpartyError('PLAYER_FAILED', 'mpv could not open the stream within 15 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  await ipc.setProperty('idle', 'no');
}

/** Spawn mpv and connect to its IPC socket. */
export async function startMpv(opts: MpvOptions): Promise<MpvHandle> {
  const ipcPath = opts.ipcPath ?? path.join(os.tmpdir(), `watchparty-mpv-${process.pid}-${Date.now()}.sock`);
  // A killed mpv leaves its socket behind; connecting to it would fail with ECONNREFUSED.
  fs.rmSync(ipcPath, { force: true });
  const args = [
    `--input-ipc-server=${ipcPath}`,
    '--no-config',
    '--keep-open=no',
    '--really-quiet',
    `--force-media-title=${opts.title ?? 'watchparty'}`,
    ...(opts.headless ? ['--vo=null', '--ao=null'] : ['--force-window=yes']),
    ...watchdogArgs(),
    ...(opts.startSeconds ? [`--start=${opts.startSeconds}`] : []),
    ...(opts.paused ? ['--pause'] : []),
    // The buffer that carries a viewer through a failover: mpv reads ahead up to 150 MiB (minutes of a
    // home video) from the client's relay. Stated, not left to mpv guessing that a loopback URL is a network.
    '--cache=yes',
    '--demuxer-max-bytes=150MiB',
    ...(opts.extraArgs ?? []),
    // No URL here: a command line is readable by every user of the machine (ps), and the URL may carry
    // a secret (the stream relay's path). mpv starts idle and is given the URL over its IPC socket.
    '--idle=yes',
  ];
  const child = spawn('mpv', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'ENOENT' ? new WatchpartyError('PLAYER_NOT_FOUND', 'mpv is not installed (or not on PATH)') : new WatchpartyError('PLAYER_FAILED', `cannot start mpv: ${err.message}`)),
    ),
  );
  const earlyExit = exited.then((code) => {
    throw new WatchpartyError('PLAYER_FAILED', `mpv exited (${code}) before it was ready: ${stderr.trim().slice(-300) || 'no message'}`);
  });
  const ipc = await Promise.race([MpvIpc.connect(ipcPath, 10_000), spawnError, earlyExit]);
  try {
    await Promise.race([loadOverIpc(ipc, opts.url), earlyExit]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  // Never leave a player running after us, whatever way we exit.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  return {
    child,
    ipc,
    ipcPath,
    exited,
    stop: async () => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      await ipc.command(['quit'], 1000).catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 1500);
      await exited;
      clearTimeout(timer);
      fs.rmSync(ipcPath, { force: true });
    },
  };
}
