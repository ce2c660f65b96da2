/**
 * Structured logging for every role. A logger writes one record per call to a sink; the sink decides
 * whether it becomes a plain line (`[INFO] [12:03:04] message key=value`) or a row in a TUI panel.
 * Never pass passwords or tokens in fields.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const LEVEL_RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One log record, as kept by TUI panels and printed by the plain sink. */
export interface LogRecord {
  atMs: number;
  level: LogLevel;
  scope: string;
  message: string;
  fields: Record<string, unknown>;
}

export type LogSink = (record: LogRecord) => void;

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger for a sub-scope (`central` → `central.rooms`), same sink and level. */
  child(scope: string): Logger;
}

export function parseLevel(value: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  return value !== undefined && value in LEVEL_RANK ? (value as LogLevel) : fallback;
}

/** Characters that could forge a line, recolour a terminal or reorder text: escaped in every message. */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** Longest message kept; a peer's text quoted in a message cannot make a line longer than this. */
export const MAX_MESSAGE_CHARS = 2000;

/** One line of plain, safe text: control and bidi characters escaped (`\u001b`), and length capped. */
export function sanitize(text: string): string {
  const safe = text.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return safe.length > MAX_MESSAGE_CHARS ? `${safe.slice(0, MAX_MESSAGE_CHARS)}… (${safe.length - MAX_MESSAGE_CHARS} more characters)` : safe;
}

/** Create a logger that forwards records at or above `level` to `sink`. */
export function createLogger(scope: string, sink: LogSink, level: LogLevel = 'info', clock: () => number = Date.now): Logger {
  const min = LEVEL_RANK[level];
  const write = (lvl: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    if (LEVEL_RANK[lvl] < min) return;
    sink({ atMs: clock(), level: lvl, scope, message: sanitize(message), fields });
  };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (sub) => createLogger(`${scope}.${sub}`, sink, level, clock),
  };
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** `HH:MM:SS` in local time. */
export function clockTime(atMs: number): string {
  const d = new Date(atMs);
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? sanitize(JSON.stringify(v)) : sanitize(v);
  if (v instanceof Error) return JSON.stringify(v.message);
  return JSON.stringify(v) ?? String(v);
}

/** `key=value key2="with space"`; empty string when there are no fields. */
export function formatFields(fields: Record<string, unknown>): string {
  return Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(' ');
}

/** The plain line format used by --headless: `[LEVEL] [HH:MM:SS] scope: message key=value`. */
export function formatLine(r: LogRecord): string {
  const fields = formatFields(r.fields);
  return `[${r.level.toUpperCase()}] [${clockTime(r.atMs)}] ${r.scope}: ${r.message}${fields ? ' ' + fields : ''}`;
}

/** A sink that prints plain lines to a writable stream (stdout for headless servers). */
export function lineSink(out: { write(s: string): unknown }): LogSink {
  return (r) => {
    out.write(formatLine(r) + '\n');
  };
}

/**
 * A sink that passes at most `perSecond` records a second and drops the rest, then says how many it
 * dropped: a flood of messages (even at --log-level debug) cannot turn into a flood of writes that
 * blocks the process on a slow terminal or pipe.
 */
export function throttledSink(sink: LogSink, perSecond = 200, clock: () => number = Date.now): LogSink {
  let windowStart = 0;
  let passed = 0;
  let dropped = 0;
  return (r) => {
    const now = clock();
    if (now - windowStart >= 1000) {
      if (dropped > 0) sink({ atMs: now, level: 'warn', scope: 'log', message: `dropped ${dropped} log lines over the limit of ${perSecond} a second`, fields: {} });
      windowStart = now;
      passed = 0;
      dropped = 0;
    }
    if (passed < perSecond) {
      passed += 1;
      sink(r);
    } else {
      dropped += 1;
    }
  };
}

/** A bounded in-memory log that TUI panels subscribe to. */
export class LogBuffer {
  private records: LogRecord[] = [];
  private listeners = new Set<() => void>();
  constructor(private readonly capacity = 500) {}

  readonly sink: LogSink = (r) => {
    this.records.push(r);
    if (this.records.length > this.capacity) this.records.splice(0, this.records.length - this.capacity);
    for (const l of this.listeners) l();
  };

  /** The newest `n` records, oldest first. */
  tail(n: number): LogRecord[] {
    return this.records.slice(Math.max(0, this.records.length - n));
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
