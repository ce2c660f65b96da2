/**
 * What a server role (central, sub, or both under `watchparty up`) exposes to its TUI: a headline,
 * status tables and a log. The TUI renders this and nothing else, so it never touches sockets.
 */
import type { LogBuffer } from '../core/log.js';

/** How a row should be coloured: ok (green), warn (yellow), bad (red), dim (grey), or plain. */
export type Tone = 'ok' | 'warn' | 'bad' | 'dim' | 'plain';

/** A status table: a title, column names and rows of already-formatted cells. */
export interface StatusPanel {
  title: string;
  columns: string[];
  rows: { cells: string[]; tone?: Tone }[];
  /** Shown instead of rows when there are none, e.g. "no sub-servers yet". */
  empty: string;
}

export interface ServerSnapshot {
  /** One line at the top: role, address, instance id, uptime. */
  headline: string;
  panels: StatusPanel[];
}

/**
 * An operator's action on a key (e.g. `D` drain): with `prompt`, the TUI asks for a line first and
 * passes it on; without, a second press within a few seconds confirms it.
 */
export interface ServerAction {
  key: string;
  what: string;
  prompt?: string;
  run(text: string): void;
}

export interface ServerView {
  /** The current state; cheap to call. */
  snapshot(): ServerSnapshot;
  /** Keys beside the built-in ones (quit, scroll, wrap, help). */
  actions?: ServerAction[];
  /** Called whenever the snapshot may have changed; returns an unsubscribe function. */
  subscribe(listener: () => void): () => void;
  logs: LogBuffer;
}
