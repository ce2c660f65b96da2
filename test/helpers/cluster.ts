/** A cluster for client-facing tests: central, subs, and a `watchparty` runner bound to one home folder. */
import { run, runToEnd, startCentral, startSub, tempDir, type Server } from './spawn-role.js';

export interface Cluster {
  central: Server;
  subs: (Server & { subId: string })[];
  home: string;
  /** `watchparty <args> --host 127.0.0.1 --port <central> --profile <profile>` to completion. */
  cli(profile: string, args: string[], input?: string, extraEnv?: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string; output: string }>;
  /** The same, left running (for --follow). */
  spawn(profile: string, args: string[]): ReturnType<typeof run>;
  /** Register `user` (password "pw-<user>") under profile `user`; returns the assigned sub id. */
  register(user: string): Promise<string>;
}

export async function startCluster(opts: { subs: number; heartbeat?: number; uploadLease?: number; centralArgs?: string[]; jobs?: number }): Promise<Cluster> {
  const central = await startCentral({ heartbeat: opts.heartbeat ?? 1, ...(opts.uploadLease ? { uploadLease: opts.uploadLease } : {}), ...(opts.centralArgs ? { extraArgs: opts.centralArgs } : {}) });
  const subs: Cluster['subs'] = [];
  for (let i = 0; i < opts.subs; i++) subs.push(await startSub(central, { ...(opts.jobs !== undefined ? { jobs: opts.jobs } : {}) }));
  const home = tempDir('wp-home-');
  const target = (profile: string) => ['--host', '127.0.0.1', '--port', String(central.port), '--profile', profile];
  const env = { WATCHPARTY_HOME: home };
  const cluster: Cluster = {
    central,
    subs,
    home,
    cli: (profile, args, input, extraEnv) => runToEnd([...args, ...target(profile)], { env: { ...env, ...extraEnv }, ...(input !== undefined ? { input } : {}) }),
    spawn: (profile, args) => run([...args, ...target(profile)], { env }),
    register: async (user) => {
      const r = await cluster.cli(user, ['register', user, '--password-stdin', '--json'], `pw-${user}\n`);
      if (r.code !== 0) throw new Error(`register ${user} failed: ${r.output}`);
      return (JSON.parse(r.stdout) as { subId: string }).subId;
    },
  };
  return cluster;
}
