/** The CLI's contract: --version, help with examples, one-line usage errors with exit code 2, exit 3 when unreachable. */
import { describe, expect, it } from 'vitest';
import net from 'node:net';
import { spawn } from 'node:child_process';
import { CLI, runToEnd, tempDir } from '../helpers/spawn-role.js';

/** A port nobody listens on: bind one, note it, close it. */
async function deadPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise((r) => srv.close(r));
  return port;
}

describe('watchparty CLI', () => {
  it('prints its version', async () => {
    const r = await runToEnd(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('stops quietly when its output is closed early (watchparty --help | head -1)', async () => {
    // The reader is gone before the first byte (head may go at any point): every write meets EPIPE.
    const child = spawn(process.execPath, [CLI, 'queue', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|crashed/);
    expect(code).toBe(0);
  });

  it.each([['central'], ['sub'], ['up'], ['status'], ['register'], ['notifications']])('%s --help shows examples', async (cmd) => {
    const r = await runToEnd([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: watchparty/);
    expect(r.stdout).toMatch(/Examples:|--profile/);
  });

  it.each([
    [['central', '--prot', '9000'], /unknown option '--prot'.*Did you mean --port\?.*see "watchparty central --help"/],
    [['central', '--port', 'eighty'], /"eighty" is not a port number: use 0-65535, e\.g\. --port 8000/],
    [['sub', '--port', '70000'], /"70000" is not a port number/],
    [['central', '--heartbeat', '0'], /is not a heartbeat: use seconds from 0\.1 to 3600/],
    [['dance'], /unknown command 'dance'/],
    [['login'], /missing required argument 'user'/],
  ])('usage error %j exits 2 with one line', async (args, message) => {
    const r = await runToEnd(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('exits 3 with a clear message when central is not running', async () => {
    const port = await deadPort();
    const r = await runToEnd(['status', '--host', '127.0.0.1', '--port', String(port)], { env: { WATCHPARTY_HOME: tempDir() } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(new RegExp(`central server unreachable at 127\\.0\\.0\\.1:${port} — is it running\\?`));
  });

  it('play --start refuses a step or nonsense with exit 2, not a crash', async () => {
    for (const start of ['-5', 'abc']) {
      const r = await runToEnd(['play', 'x.mkv', '--start', start, '--port', String(await deadPort())]);
      expect(r.code, r.output).toBe(2);
      expect(r.stderr).not.toMatch(/this is a bug/);
    }
  });

  it('every command and subcommand has examples in its --help', async () => {
    const names = (help: string) =>
      [...help.slice(help.indexOf('Commands:')).matchAll(/^  ([a-z]+)\b/gm)].map((m) => m[1]!).filter((n) => n !== 'help');
    const top = names((await runToEnd(['--help'])).stdout);
    expect(top).toContain('room');
    const all = [...top.map((n) => [n]), ...names((await runToEnd(['room', '--help'])).stdout).map((n) => ['room', n])];
    expect(all.length).toBeGreaterThan(20);
    const missing: string[] = [];
    for (const cmd of all) {
      const r = await runToEnd([...cmd, '--help']);
      if (r.code !== 0 || !/Examples?:\n  \$ watchparty /.test(r.stdout)) missing.push(cmd.join(' '));
    }
    expect(missing).toEqual([]);
  }, 60_000);

  it('central and up refuse to start without ffprobe, saying how to install it', async () => {
    // ffprobe checks every upload: without it central used to start, accept a whole upload, then fail it.
    for (const role of ['central', 'up']) {
      const dataDir = tempDir('wp-noffprobe-');
      const r = await runToEnd([role, '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', dataDir], { env: { PATH: tempDir('wp-empty-path-') } });
      expect(r.code, r.output).toBe(2);
      expect(r.stderr).toMatch(/ffprobe is not installed/);
      expect(r.stderr).toMatch(/sudo apt-get install ffmpeg/);
      expect(r.stderr).not.toMatch(/this is a bug/);
      expect(r.stdout).not.toMatch(/^ready/m);
    }
  });

  it('refuses to start a second central on a data folder in use', async () => {
    const data = tempDir();
    const first = await import('../helpers/spawn-role.js').then((m) => m.startCentral({ dataDir: data }));
    const r = await runToEnd(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', data]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`data folder .* is in use by process ${first.child.pid}`));
  });
});
