/**
 * The server TUI's log panel as pure text: each record's words after its time and level, cut to the
 * panel's width or wrapped onto as many lines as it needs, and the window of lines on screen.
 */
import { formatFields, type LogRecord } from '../core/log.js';
import { charWidth, clip, oneLine } from './width.js';

/** A record's text after `HH:MM:SS LEVEL `: scope, message and fields, on one line. */
export function recordText(r: LogRecord): string {
  const fields = formatFields(r.fields);
  return oneLine(`${r.scope} ${r.message}${fields ? ' ' + fields : ''}`);
}

/** Split `text` into lines of at most `width` columns, never splitting a character (at least one line). */
export function wrapText(text: string, width: number): string[] {
  const w = Math.max(1, width);
  const lines: string[] = [];
  let cur = '';
  let used = 0;
  for (const char of text) {
    const cw = charWidth(char);
    if (used + cw > w && cur !== '') {
      lines.push(cur);
      cur = '';
      used = 0;
    }
    cur += char;
    used += cw;
  }
  lines.push(cur);
  return lines;
}

/** One screen line of the log: the record it belongs to, and whether it is that record's first line. */
export interface LogLine {
  record: LogRecord;
  text: string;
  first: boolean;
}

/** Longest record text wrapped, in lines: a 10 kB message must not cost a screenful of work per frame. */
const MAX_WRAPPED_LINES = 50;

/**
 * The `rows` lines that end `offset` records above the newest one, each record clipped to `width`
 * columns, or (with `wrap`) wrapped, its first lines dropped when the window starts inside it.
 */
export function logWindow(records: readonly LogRecord[], rows: number, offset: number, width: number, wrap: boolean): LogLine[] {
  const out: LogLine[] = [];
  for (let i = records.length - 1 - offset; i >= 0 && out.length < rows; i--) {
    const record = records[i]!;
    const text = recordText(record);
    const parts = wrap ? wrapText(text, width).slice(0, MAX_WRAPPED_LINES) : [clip(text, width)];
    for (let k = parts.length - 1; k >= 0 && out.length < rows; k--) out.push({ record, text: parts[k]!, first: k === 0 });
  }
  return out.reverse();
}
