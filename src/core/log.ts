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

/** Create a logger that forwards records at or above `level` to `sink`. */
export function createLogger(scope: string, sink: LogSink, level: LogLevel = 'info', clock: () => number = Date.now): Logger {
  const min = LEVEL_RANK[level];
  const write = (lvl: LogLevel) => (message: string, fields: Record<string, unknown> = {}) => {
    if (LEVEL_RANK[lvl] < min) return;
    sink({ atMs: clock(), level: lvl, scope, message, fields });
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
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
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
