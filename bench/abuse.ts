/**
 * bench/abuse: 50 attacking sockets against central and one sub for a minute, while a normal client
 * keeps using the cluster. Prints the peak RSS of central and of the sub (target ≤ 250 MB each),
 * whether the sub was ever suspected or declared dead (target: never), and the normal client's request
 * latency during the attack against a baseline measured just before it in the same run
 * (target p99 ≤ 100 ms), with what the attackers sent.
 *
 *   node --import tsx bench/abuse.ts [--seconds 60] [--baseline-seconds 10] [--attackers-nice 19]
 *        [--attacker-queue-kb 8192] [--only central-flood|sub-flood|chunks|slow]
 *
 * The attackers (bench/abuse-attackers.ts) and the normal client each run in a process of their own.
 * Attackers run at nice 19 by default: across the internet they spend their own CPU, and on this 2-core
 * machine a generator using a whole core would otherwise be measured instead of the servers;
 * `--attackers-nice 0` shows the shared-CPU figure. All from 127.0.0.1, so central runs with
 * --rate-scale 1000 to let them register.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deadline, killAll, numberArg, sleep, start, stats, until } from './bench-kit.js';
import { Conn } from './abuse-conn.js';
import { attackerProcess, type AttackPlan, type AttackReport } from './abuse-attackers.js';

const SECONDS = numberArg('seconds', 60);
const BASELINE_SECONDS = numberArg('baseline-seconds', 10);
const ATTACKERS_NICE = numberArg('attackers-nice', 19);
const QUEUE_BYTES = numberArg('attacker-queue-kb', 8192) * 1024;
/** `--only central-flood|sub-flood|chunks|slow` runs one kind of attacker (to find which one hurts). */
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1] : undefined;
const ROLE = process.argv.includes('--normal-client') ? 'normal' : process.argv.includes('--attackers') ? 'attackers' : 'main';
if (ROLE === 'main') deadline('bench/abuse', (SECONDS + BASELINE_SECONDS) * 1000 + 5 * 60_000);

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** The normal client's process: a relayed request through its sub every 100 ms, status at central every 500 ms. */
async function normalClientThread(): Promise<void> {
  const { port, subPort, token } = await new Promise<{ port: number; subPort: number; token: string }>((resolve) => process.once('message', (m) => resolve(m as never)));
  const sub = await Conn.open(subPort);
  const opened = await sub.request('session.open', { token });
  if (opened.error) throw new Error(`session.open: ${JSON.stringify(opened.error)}`);
  const central = await Conn.open(port);
  let phase = 'baseline' as 'baseline' | 'attack' | 'done';
  process.on('message', (m) => (phase = m as 'attack' | 'done'));
  process.send!('ready');
  const latencies = { baseline: [] as number[], attack: [] as number[] };
  let failures = 0;
  for (let n = 0; phase !== 'done'; n++) {
    const t0 = performance.now();
    const r = n % 5 === 4 ? await central.request('status.get') : await sub.request('rooms.list');
    const ms = performance.now() - t0;
    const now = phase as 'baseline' | 'attack' | 'done';
    if (r.error) failures += 1;
    else if (now !== 'done') latencies[now].push(ms);
    await sleep(Math.max(0, 100 - ms));
  }
  process.send!({ latencies, failures });
  sub.ws.close();
  central.ws.close();
  process.disconnect();
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-abuse-'));
  let attackers: ChildProcess | undefined;
  try {
    const central = start(['central', '--headless', '--bind', '127.0.0.1', '--port', '0', '--data', path.join(dir, 'central'), '--heartbeat', '1', '--rate-scale', '1000']);
    const port = Number((await until(() => /ready central 127\.0\.0\.1:(\d+)/.exec(central.out()), 10_000, 'central'))[1]);
    const sub = start(['sub', '--headless', '--host', '127.0.0.1', '--port', String(port), '--bind', '127.0.0.1', '--data', path.join(dir, 'sub'), '--secret-file', path.join(dir, 'central', 'secret'), '--jobs', '0']);
    await until(() => /registered with central \S+ as sub-\d+/.test(sub.out()), 10_000, 'sub registered');
    const subPort = Number((await until(() => /ready sub 127\.0\.0\.1:(\d+)/.exec(sub.out()), 10_000, 'sub port'))[1]);

    const users = new Map<string, string>();
    const reg = await Conn.open(port);
    for (let i = 0; i < 31; i++) {
      const name = i === 0 ? 'normal' : `attacker${i}`;
      const r = await reg.request('auth.register', { user: name, password: `pw-${name}`, repeat: `pw-${name}` });
      if (r.error) throw new Error(`register ${name}: ${JSON.stringify(r.error)}`);
      users.set(name, (r.result as { token: string }).token);
    }
    reg.ws.close();
    // The normal client and the attackers each run in a process of their own (tokens go over IPC): the
    // attackers' loops must not delay the normal client's clock, and they run at the lowest priority.
    const self = fileURLToPath(import.meta.url);
    const normalClient = fork(self, ['--normal-client'], { execArgv: ['--import', 'tsx'] });
    normalClient.send({ port, subPort, token: users.get('normal')! });
    await new Promise<void>((resolve) => normalClient.once('message', () => resolve()));
    const tell = (phase: 'attack' | 'done') => normalClient.send(phase);
    const report = new Promise<{ latencies: { baseline: number[]; attack: number[] }; failures: number }>((resolve) => normalClient.on('message', (m) => resolve(m as never)));

    const peak = { central: 0, sub: 0 };
    const sampler = setInterval(() => {
      peak.central = Math.max(peak.central, rssMB(central.child.pid!));
      peak.sub = Math.max(peak.sub, rssMB(sub.child.pid!));
    }, 100);

    await sleep(BASELINE_SECONDS * 1000);
    const baselinePeak = { ...peak };
    const attackerChild = fork(self, ['--attackers'], { execArgv: ['--import', 'tsx'] });
    attackers = attackerChild;
    os.setPriority(attackerChild.pid!, ATTACKERS_NICE);
    const tokens = Object.fromEntries([...users].filter(([name]) => name !== 'normal'));
    const plan: AttackPlan = { port, subPort, tokens, seconds: SECONDS, only: ONLY, queueBytes: QUEUE_BYTES };
    const attackDone = new Promise<AttackReport>((resolve, reject) => {
      attackerChild.once('message', (m) => resolve(m as AttackReport));
      attackerChild.once('exit', (code) => reject(new Error(`the attacker process exited (${code}) before reporting`)));
    });
    attackerChild.send(plan);
    tell('attack');
    const attack = await attackDone;
    tell('done');
    const { latencies, failures } = await report;
    normalClient.kill();
    clearInterval(sampler);

    const out = central.out();
    const suspected = (out.match(/missed a probe/g) ?? []).length;
    const dead = /declared dead/.test(out);
    const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil(0.99 * xs.length) - 1)] ?? NaN;
    console.log(`bench/abuse: central + 1 sub on loopback; ${BASELINE_SECONDS} s baseline, then 50 attacking sockets for ${SECONDS} s`);
    console.log(`normal client latency, baseline, ms    ${stats(latencies.baseline)}  p99 ${p99(latencies.baseline).toFixed(1)}`);
    console.log(`normal client latency, under attack, ms ${stats(latencies.attack)}  p99 ${p99(latencies.attack).toFixed(1)}   ratio p99 ${(p99(latencies.attack) / p99(latencies.baseline)).toFixed(2)}   target p99 ≤ 100`);
    console.log(`normal client requests that failed      ${failures}`);
    console.log(`peak RSS central, MB                    baseline ${baselinePeak.central.toFixed(0)}  under attack ${peak.central.toFixed(0)}   target ≤ 250`);
    console.log(`peak RSS sub, MB                        baseline ${baselinePeak.sub.toFixed(0)}  under attack ${peak.sub.toFixed(0)}   target ≤ 250`);
    console.log(`sub missed probes / declared dead       ${suspected} / ${dead ? 'yes' : 'no'}   target 0 / no`);
    const closes = Object.entries(attack.closedBy);
    const codes = closes.map(([code, n]) => `${code}×${n}`).join(' ');
    const perSecond = (n: number | undefined) => ((n ?? 0) / SECONDS).toFixed(0);
    console.log(`attackers (nice ${ATTACKERS_NICE}) sent, per second       status.get ${perSecond(attack.frames['status.get'])}  users.list ${perSecond(attack.frames['users.list'])}  videos.list ${perSecond(attack.frames['videos.list'])}  upload chunks ${(attack.chunkBytes / SECONDS / 2 ** 20).toFixed(1)} MiB`);
    console.log(`attacker connections opened / closed by servers  ${attack.connectionsOpened} / ${closes.reduce((n, [, k]) => n + k, 0)}${codes ? `  (close codes ${codes})` : ''}`);
    const met = p99(latencies.attack) <= 100 && peak.central <= 250 && peak.sub <= 250 && !dead && suspected === 0 && failures === 0;
    console.log(`targets: ${met ? 'met' : 'NOT met'}`);
    process.exitCode = met ? 0 : 1;
  } finally {
    attackers?.kill('SIGKILL');
    killAll();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (ROLE === 'normal') await normalClientThread();
else if (ROLE === 'attackers') await attackerProcess();
else await main();
