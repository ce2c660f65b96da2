/**
 * TLS on every link, with real processes on 127.0.0.1: `--tls auto` certificates, trust on first use
 * by clients and subs (and its refusals), sub fingerprints from central, the HTTP stream's header-only
 * token, and mpv playing through the client's loopback relay with the token on no command line.
 */
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileScope, run, runToEnd, secretFileOf, tempDir } from '../helpers/spawn-role.js';
import { makeClip } from '../helpers/make-clip.js';
import { waitFor } from '../helpers/wait-for.js';
import { withMpv } from '../helpers/mpv-ipc-client.js';

const FP = /SHA256:[A-Za-z0-9+/]{43}/;

/** A headless central with extra flags; resolves with its port and the fingerprint it logged. */
async function central(extra: string[], opts: { dataDir?: string; port?: number } = {}) {
  const dataDir = opts.dataDir ?? tempDir('wp-central-');
  const p = run(['central', '--headless', '--bind', '127.0.0.1', '--port', String(opts.port ?? 0), '--data', dataDir, '--heartbeat', '1', ...extra]);
  const port = Number((await p.waitFor(/ready central 127\.0\.0\.1:(\d+)/))[1]);
  const fingerprint = /TLS on: certificate (SHA256:\S+)/.exec(p.output())?.[1];
  return { ...p, port, dataDir, fingerprint };
}

/** A headless TLS sub of `c`, trusting it through `--fingerprint`. */
async function sub(c: { port: number; dataDir: string; fingerprint?: string | undefined }, extra: string[] = []) {
  const dataDir = tempDir('wp-sub-');
  const p = run(['sub', '--headless', '--host', '127.0.0.1', '--port', String(c.port), '--bind', '127.0.0.1', '--data', dataDir, '--secret-file', secretFileOf(c), '--tls', 'auto', ...extra]);
  const port = Number((await p.waitFor(/ready sub 127\.0\.0\.1:(\d+)/))[1]);
  const fingerprint = /TLS on: certificate (SHA256:\S+)/.exec(p.output())![1]!;
  return { ...p, port, dataDir, fingerprint };
}

function client(home: string, port: number) {
  const env = { WATCHPARTY_HOME: home };
  const target = (profile: string) => ['--host', '127.0.0.1', '--port', String(port), '--profile', profile];
  return {
    cli: (profile: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}) =>
      runToEnd([...args, ...target(profile)], { env: { ...env, ...opts.env }, ...(opts.input !== undefined ? { input: opts.input } : {}) }),
    spawn: (profile: string, args: string[]) => run([...args, ...target(profile)], { env }),
    profile: (profile: string) => JSON.parse(fs.readFileSync(path.join(home, 'profiles', `${profile}.json`), 'utf8')) as Record<string, unknown> & { token: string; subAddress: string; subFingerprint?: string; centrals?: Record<string, { tls: boolean; fingerprint?: string }> },
    profileMode: (profile: string) => fs.statSync(path.join(home, 'profiles', `${profile}.json`)).mode & 0o777,
  };
}

/** GET over https from a sub, trusting exactly its certificate file (the CN names no address). */
function getFromSub(sub: { port: number; dataDir: string }, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Buffer }> {
  const ca = fs.readFileSync(path.join(sub.dataDir, 'tls', 'cert.pem'));
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port: sub.port, path: urlPath, headers, ca, checkServerIdentity: () => undefined }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
  });
}

/** Every process's command line on this machine, NUL turned into spaces. */
function allCommandLines(): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      out.push({ pid: Number(entry), cmdline: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

let clip: string;
beforeAll(async () => {
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  clip = makeClip(dir, { seconds: 20, width: 64, height: 48, name: 'tls.mkv' });
}, 60_000);

describe('TLS', () => {
  it('serves TLS with --tls auto, pins on first use only when told to, and mpv plays through the relay with the token on no command line', async () => {
    const c = await central(['--tls', 'auto']);
    expect(c.fingerprint).toMatch(FP);
    expect(fs.statSync(path.join(c.dataDir, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
    // The sub pins central from --fingerprint and hands its own fingerprint to central.
    const s = await sub(c, ['--fingerprint', c.fingerprint!]);
    await s.waitFor(/registered with central \S+ as sub-1/);
    const pinFile = path.join(s.dataDir, 'central-pin.json');
    expect(fs.statSync(pinFile).mode & 0o777).toBe(0o600);
    expect(JSON.parse(fs.readFileSync(pinFile, 'utf8'))[`127.0.0.1:${c.port}`]).toMatchObject({ tls: true, fingerprint: c.fingerprint });

    const home = tempDir('wp-home-');
    const k = client(home, c.port);
    // No terminal, no --fingerprint, no WATCHPARTY_TRUST_NEW: refused, nothing pinned, nothing sent.
    const blind = await k.cli('ann', ['register', 'ann', '--password-stdin'], { input: 'pw-ann\n' });
    expect(blind.code).toBe(1);
    expect(blind.stderr).toContain(`central at 127.0.0.1:${c.port} shows certificate ${c.fingerprint}, which is not trusted yet, and there is no terminal to ask`);
    expect(blind.stderr).toMatch(/--fingerprint SHA256:… \(or set WATCHPARTY_TRUST_NEW=1/);
    const wrong = await k.cli('ann', ['register', 'ann', '--password-stdin', '--fingerprint', 'SHA256:' + 'A'.repeat(43)], { input: 'pw-ann\n' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`shows certificate ${c.fingerprint}, not SHA256:${'A'.repeat(43)}`);
    expect(fs.existsSync(path.join(home, 'profiles', 'ann.json')) ? k.profile('ann').centrals : undefined).toBeUndefined();

    const reg = await k.cli('ann', ['register', 'ann', '--password-stdin', '--fingerprint', c.fingerprint!], { input: 'pw-ann\n' });
    expect(reg.code, reg.output).toBe(0);
    expect(k.profileMode('ann')).toBe(0o600);
    const profile = k.profile('ann');
    expect(profile.centrals![`127.0.0.1:${c.port}`]).toMatchObject({ tls: true, fingerprint: c.fingerprint });
    // Central handed out the sub's fingerprint with its address: the client pins it without asking.
    expect(profile.subFingerprint).toBe(s.fingerprint);
    const env = await k.cli('bob', ['status', '--json'], { env: { WATCHPARTY_TRUST_NEW: '1' } });
    expect(env.code, env.output).toBe(0);
    expect(k.profile('bob').centrals![`127.0.0.1:${c.port}`]).toMatchObject({ tls: true, fingerprint: c.fingerprint });
    const listed = await k.cli('ann', ['trust']);
    expect(listed.stdout).toContain(`127.0.0.1:${c.port}  tls  ${c.fingerprint}`);

    const up = await k.cli('ann', ['upload', clip]);
    expect(up.code, up.output).toBe(0);
    await waitFor(() => fs.existsSync(path.join(s.dataDir, 'replicas', '1')), { timeoutMs: 10_000, what: 'replica on the sub' });

    // The HTTP stream takes the token in the Authorization header only.
    const token = profile.token;
    expect((await getFromSub(s, '/videos/1', { range: 'bytes=0-9' })).status).toBe(401);
    expect((await getFromSub(s, `/videos/1?token=${token}`, { range: 'bytes=0-9' })).status).toBe(401);
    const ranged = await getFromSub(s, '/videos/1', { range: 'bytes=100-199', authorization: `Bearer ${token}` });
    expect(ranged.status).toBe(206);
    expect(ranged.body.equals(fs.readFileSync(clip).subarray(100, 200))).toBe(true);

    const play = k.spawn('ann', ['play', 'tls.mkv', '--headless', '--start', '2']);
    await play.waitFor(/"position":[4-9]/, 15_000);
    const lines = allCommandLines();
    const mpv = lines.find((l) => /^mpv /.test(l.cmdline) && l.cmdline.includes(`watchparty-ppid=${play.child.pid}`));
    expect(mpv, 'the mpv started by "watchparty play"').toBeDefined();
    // No URL on mpv's command line at all (the relay's path is a secret too); it came over IPC, and
    // mpv reads from the client's loopback relay, not from the sub.
    expect(mpv!.cmdline).not.toMatch(/https?:\/\//);
    const socket = /--input-ipc-server=(\S+)/.exec(mpv!.cmdline)![1]!;
    const url = await withMpv(socket, (ipc) => ipc.command(['get_property', 'path']));
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]+\/videos\/1$/);
    expect(String(url)).not.toContain(`:${s.port}/`);
    for (const l of lines) expect(l.cmdline, `command line of pid ${l.pid}`).not.toContain(token);
    play.kill('SIGINT');
    expect(await play.exited(5000)).toBe(0);
    for (const log of [c.output(), s.output()]) expect(log).not.toContain(token);
  });

  it('refuses a changed central certificate with a clear message until "trust --reset", and never falls back to plain text', async () => {
    const first = await central(['--tls', 'auto']);
    const k = client(tempDir('wp-home-'), first.port);
    expect((await k.cli('cat', ['status'], { env: { WATCHPARTY_TRUST_NEW: '1' } })).code).toBe(0);
    first.kill('SIGKILL');
    await first.exited();
    // Same port, new data folder: a new self-signed certificate.
    const second = await central(['--tls', 'auto'], { port: first.port });
    expect(second.fingerprint).not.toBe(first.fingerprint);
    const refused = await k.cli('cat', ['status'], { env: { WATCHPARTY_TRUST_NEW: '1' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`the certificate of central at 127.0.0.1:${first.port} changed: expected ${first.fingerprint}, got ${second.fingerprint}`);
    expect(refused.stderr).toContain(`watchparty trust --reset 127.0.0.1:${first.port}`);
    expect((await k.cli('cat', ['status', '--fingerprint', second.fingerprint!])).code).toBe(1);

    const reset = await k.cli('cat', ['trust', '--reset', `127.0.0.1:${first.port}`]);
    expect(reset.stdout).toContain(`forgot the pin of 127.0.0.1:${first.port}`);
    const again = await k.cli('cat', ['status', '--fingerprint', second.fingerprint!]);
    expect(again.code, again.output).toBe(0);
    expect(k.profile('cat').centrals![`127.0.0.1:${first.port}`]).toMatchObject({ tls: true, fingerprint: second.fingerprint });

    // The profile remembers TLS: a plain-text central on that address is refused, not used.
    second.kill('SIGKILL');
    await second.exited();
    await central([], { port: first.port });
    const plain = await k.cli('cat', ['status']);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toContain(`central at 127.0.0.1:${first.port} used TLS before and now answers without it: refusing plain text`);
  });

  it('a sub with no terminal refuses a central nobody vouched for, and one whose certificate changed', async () => {
    const c = await central(['--tls', 'auto']);
    const blind = await sub(c);
    expect(await blind.exited()).not.toBe(0);
    expect(blind.output()).toContain(`central at 127.0.0.1:${c.port} shows certificate ${c.fingerprint}, which is not trusted yet`);

    const s = await sub(c, ['--fingerprint', c.fingerprint!]);
    await s.waitFor(/registered with central/);
    s.kill('SIGKILL');
    await s.exited();
    c.kill('SIGKILL');
    await c.exited();
    const other = await central(['--tls', 'auto'], { port: c.port });
    const back = run(['sub', '--headless', '--host', '127.0.0.1', '--port', String(c.port), '--bind', '127.0.0.1', '--data', s.dataDir, '--secret-file', secretFileOf(other), '--tls', 'auto']);
    expect(await back.exited()).not.toBe(0);
    expect(back.output()).toContain(`the certificate of central at 127.0.0.1:${c.port} changed: expected ${c.fingerprint}, got ${other.fingerprint}`);
  });
});
