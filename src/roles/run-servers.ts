/**
 * Runs central, a sub, or both (`watchparty up`) until a signal or `q`: chooses the Ink TUI or plain
 * log lines, wires logs, and shuts everything down in order.
 */
import { createLogger, LogBuffer, lineSink, throttledSink, type LogLevel, type Logger } from '../core/log.js';
import { WatchpartyError } from '../core/errors.js';
import type { CentralOptions } from './central/main.js';
import { CentralNode } from './central/node.js';
import { Sub, type SubOptions } from './sub/main.js';
import { DEFAULT_DRAIN_MS } from './shared/drain.js';
import { centralPanels } from './central/view.js';
import { subPanels } from './sub/view.js';
import type { ServerView } from '../tui/server-view.js';

export interface RunServersOptions {
  central?: Omit<CentralOptions, 'log'>;
  sub?: Omit<SubOptions, 'log'>;
  headless: boolean;
  logLevel: LogLevel;
}

/** Start the requested servers; resolves with an exit code once they have stopped. */
export async function runServers(opts: RunServersOptions): Promise<number> {
  const buffer = new LogBuffer(1000);
  // Bounded: a flood of requests (even at --log-level debug) cannot become a flood of writes.
  const sink = throttledSink(opts.headless ? lineSink(process.stdout) : buffer.sink);
  const root = (scope: string): Logger => createLogger(scope, sink, opts.logLevel);

  let central: CentralNode | undefined;
  let sub: Sub | undefined;
  let fatal: WatchpartyError | undefined;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));

  // Once stopping begins the servers' state goes away (central closes its database): the TUI keeps
  // showing the last snapshot instead of asking a closed store (it used to fail with an Ink error box).
  let halted = false;
  const stopAll = async () => {
    halted = true;
    await sub?.stop().catch(() => {});
    await central?.stop().catch(() => {});
    finish();
  };

  try {
    if (opts.central) central = await CentralNode.start({ ...opts.central, log: root('central') });
    if (opts.sub) {
      // Under `up`, the sub dials the central of this process, whose port is only known once it listens.
      const centralAddress = central && opts.sub.central.endsWith(':0') ? opts.sub.central.replace(/:0$/, `:${central.port}`) : opts.sub.central;
      sub = await Sub.start({ ...opts.sub, central: centralAddress, log: root('sub') }, (err) => {
        fatal = err;
        void stopAll();
      });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }

  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    root('main').info(`${signal}: shutting down`);
    void stopAll();
  };
  // A sub on its own leaves once drained (an operator's drain or SIGTERM); under `up` it stays, as central does.
  const lone = sub && !central ? sub : undefined;
  void lone?.drained.then((why) => onSignal(why === 'empty' ? 'drained' : 'drain deadline'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => {
    // The first SIGTERM drains a lone sub (its clients move while they play); a second one stops it now.
    if (lone && !lone.drain.draining && !stopping) {
      root('main').info(`SIGTERM: draining (up to ${Math.round((opts.sub?.drainTimeoutMs ?? DEFAULT_DRAIN_MS) / 1000)} s), then stopping; SIGTERM again to stop now`);
      void lone.drain.request(opts.sub?.drainTimeoutMs ?? DEFAULT_DRAIN_MS);
      return;
    }
    onSignal('SIGTERM');
  });

  if (!opts.headless) {
    const { runServerTui } = await import('../tui/run-server-tui.js');
    let last: ReturnType<ServerView['snapshot']> | undefined;
    const view: ServerView = {
      logs: buffer,
      actions: [
        ...(central ? [{ key: 'D', what: 'drain a sub', prompt: 'drain which sub? (e.g. sub-2)', run: (id: string) => (central!.central ? central!.central.drain(id) : root('central').warn(`this central stands by: drain ${id} from the leader (${central!.leaderAddress ?? 'none yet'})`)) }] : []),
        ...(lone ? [{ key: 'D', what: 'drain this sub', run: () => void lone.drain.request(opts.sub?.drainTimeoutMs ?? DEFAULT_DRAIN_MS) }] : []),
      ],
      snapshot: () => {
        if (halted) return last ?? { headline: 'stopping…', panels: [] };
        const parts = [central && centralPanels(central), sub && subPanels(sub)].filter((p) => p !== undefined);
        // One headline line: the first role's (central under `up`); the sub's link state is in its panel title.
        last = { headline: parts[0]!.headline, panels: parts.flatMap((p) => p.panels) };
        return last;
      },
      subscribe: (listener) => {
        const offs = [central?.subscribe(listener), sub?.subscribe(listener)];
        // Uptime and "last seen" move without events: refresh once a second.
        const timer = setInterval(listener, 1000);
        return () => {
          clearInterval(timer);
          for (const off of offs) off?.();
        };
      },
    };
    void runServerTui(view, () => onSignal('quit')).catch(() => onSignal('tui closed'));
  }
  await finished;
  if (fatal) throw fatal;
  return 0;
}
