/** Drive a terminal program in a private tmux server, as a person would: type keys, read the screen. */
import { execFileSync } from 'node:child_process';
import { afterEach } from 'vitest';
import { waitFor } from './wait-for.js';

const sockets = new Set<string>();

afterEach(() => {
  for (const s of sockets) {
    try {
      execFileSync('tmux', ['-L', s, 'kill-server'], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
  sockets.clear();
});

export interface Terminal {
  screen(): string;
  /** The screen with its escape sequences (colours, bold, inverse), as tmux holds it. */
  screenWithEscapes(): string;
  /** Type literal text (sent with -l so it is not parsed as key names). */
  type(text: string): void;
  /** Press named keys: Enter, Escape, Up, C-c, … */
  press(...keys: string[]): void;
  waitForScreen(pattern: RegExp, timeoutMs?: number): Promise<string>;
  resize(cols: number, rows: number): void;
  alive(): boolean;
}

/** Start `command` (a shell line) in a new tmux session of `cols`×`rows`. */
export function openTerminal(command: string, opts: { cols?: number; rows?: number; env?: Record<string, string> } = {}): Terminal {
  const socket = `wp-test-${process.pid}-${sockets.size}-${Date.now()}`;
  sockets.add(socket);
  const envPrefix = Object.entries({ CI: 'false', ...opts.env })
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(' ');
  const tmux = (...args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8', timeout: 5000 });
  tmux('new-session', '-d', '-s', 'main', '-x', String(opts.cols ?? 80), '-y', String(opts.rows ?? 24), `env ${envPrefix} ${command}; sleep 30`);
  const term: Terminal = {
    screen: () => tmux('capture-pane', '-p', '-t', 'main'),
    screenWithEscapes: () => tmux('capture-pane', '-p', '-e', '-t', 'main'),
    type: (text) => void tmux('send-keys', '-t', 'main', '-l', text),
    press: (...keys) => void tmux('send-keys', '-t', 'main', ...keys),
    waitForScreen: (pattern, timeoutMs = 10_000) =>
      waitFor(() => {
        const s = term.screen();
        return pattern.test(s) ? s : undefined;
      }, { timeoutMs, what: `${pattern} on screen` }).catch((err: Error) => {
        throw new Error(`${err.message}\n--- screen ---\n${term.screen()}`);
      }),
    resize: (cols, rows) => void tmux('resize-window', '-t', 'main', '-x', String(cols), '-y', String(rows)),
    alive: () => {
      try {
        return tmux('list-panes', '-t', 'main', '-F', '#{pane_current_command}').trim() !== 'sleep';
      } catch {
        return false;
      }
    },
  };
  return term;
}
