/**
 * The full-screen TUI of a server role: a headline, one table per status panel, a scrollable log
 * that takes the remaining height, and a key-hint line. Everything it shows comes from a ServerView.
 */
import { useEffect, useReducer, useState, type ReactNode } from 'react';
import { Box, Text, useInput, useStdout } from 'ink';
import { clockTime, type LogLevel } from '../core/log.js';
import { fitColumns, shareLines } from './format.js';
import { clip as truncate, displayWidth as textWidth, oneLine, pad as fit } from './width.js';
import { logWindow, type LogLine as ScreenLine } from './log-lines.js';
import type { ServerAction, ServerView, StatusPanel, Tone } from './server-view.js';

/** At most one frame per this many ms: a burst of 1000 log lines becomes one render, not 1000. */
const FRAME_MS = 100;
/** Log content lines kept free however many rows the panels hold. */
const LOG_MIN_LINES = 6;
/** Between table columns. */
const GAP = 2;
/** Border plus one space each side inside the border. */
const BOX_CHROME_COLUMNS = 4;
/** `HH:MM:SS LEVEL ` before the scope of a log line. */
const LOG_PREFIX_COLUMNS = 15;

const TONE_COLOR: Record<Tone, string | undefined> = { ok: 'green', warn: 'yellow', bad: 'red', dim: 'gray', plain: undefined };
const LEVEL_COLOR: Record<LogLevel, string | undefined> = { error: 'red', warn: 'yellow', info: undefined, debug: 'gray' };

export interface ServerAppProps {
  view: ServerView;
  /** Called on `q` or Ctrl-C; the caller shuts the server down and unmounts. */
  onQuit: () => void;
}

interface LogScroll {
  /** Bumped once per throttled frame so the snapshot and log are read again. */
  frame: number;
  /** How many records the view sits above the newest one; 0 follows the tail. */
  offset: number;
}

type ScrollAction = { type: 'frame'; arrived: number } | { type: 'scroll'; by: number; max: number } | { type: 'follow' };

function reduceScroll(s: LogScroll, a: ScrollAction): LogScroll {
  switch (a.type) {
    // While scrolled back, move the offset with new records so the lines being read stay put.
    case 'frame':
      return { frame: s.frame + 1, offset: s.offset > 0 ? s.offset + a.arrived : 0 };
    case 'scroll':
      return { ...s, offset: Math.max(0, Math.min(a.max, Math.min(s.offset, a.max) + a.by)) };
    case 'follow':
      return { ...s, offset: 0 };
  }
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on('resize', onResize);
    return () => {
      stdout.off('resize', onResize);
    };
  }, [stdout]);
  return size;
}

interface PanelLayout {
  panel: StatusPanel;
  widths: number[];
  shown: number;
  more: number;
  height: number;
}

/** Decide how many rows each panel shows so the log keeps LOG_MIN_LINES, and how wide each column is. */
function layoutPanels(panels: StatusPanel[], height: number, innerWidth: number): PanelLayout[] {
  // Each panel costs its two border lines plus a header (or its empty text) before any rows.
  const budget = height - 2 - (LOG_MIN_LINES + 2) - 3 * panels.length;
  const given = shareLines(panels.map((p) => p.rows.length), budget);
  return panels.map((panel, i) => {
    const need = panel.rows.length;
    const shown = given[i] >= need ? need : Math.max(0, given[i] - 1);
    const natural = panel.columns.map((name, c) =>
      Math.max(textWidth(name), ...panel.rows.map((r) => textWidth(oneLine(r.cells[c] ?? '')))),
    );
    const more = need - shown;
    return { panel, widths: fitColumns(natural, innerWidth, GAP), shown, more, height: 3 + shown + (more > 0 ? 1 : 0) };
  });
}

function formatRow(cells: string[], widths: number[]): string {
  const last = widths.length - 1;
  return widths
    .map((w, c) => (c === last ? truncate(oneLine(cells[c] ?? ''), w) : fit(oneLine(cells[c] ?? ''), w)))
    .join(' '.repeat(GAP));
}

/** A round-bordered box whose top border carries a title, so the title costs no extra line. */
function TitledBox({ title, width, height, children }: { title: string; width: number; height?: number; children: ReactNode }) {
  const shownTitle = truncate(oneLine(title), Math.max(0, width - 6));
  const dashes = Math.max(0, width - 5 - textWidth(shownTitle));
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text wrap="truncate-end">
        {'╭─ '}
        <Text bold>{shownTitle}</Text>
        {' ' + '─'.repeat(dashes) + '╮'}
      </Text>
      <Box flexDirection="column" borderStyle="round" borderTop={false} paddingX={1} flexGrow={1} overflow="hidden">
        {children}
      </Box>
    </Box>
  );
}

function PanelBox({ layout, width }: { layout: PanelLayout; width: number }) {
  const { panel, widths, shown, more } = layout;
  return (
    <TitledBox title={panel.title} width={width} height={layout.height}>
      {panel.rows.length === 0 ? (
        <Text dimColor wrap="truncate-end">
          {oneLine(panel.empty)}
        </Text>
      ) : (
        <Text bold dimColor wrap="truncate-end">
          {formatRow(panel.columns, widths)}
        </Text>
      )}
      {panel.rows.slice(0, shown).map((row, i) => (
        <Text key={i} color={TONE_COLOR[row.tone ?? 'plain']} wrap="truncate-end">
          {formatRow(row.cells, widths)}
        </Text>
      ))}
      {more > 0 && <Text dimColor>{`… ${more} more`}</Text>}
    </TitledBox>
  );
}

/** One screen line of the log: time and level on a record's first line, an indent on the lines it wraps onto. */
function LogLineView({ line }: { line: ScreenLine }) {
  const { record } = line;
  return (
    <Text wrap="truncate-end">
      {line.first ? (
        <>
          <Text dimColor>{clockTime(record.atMs)}</Text>
          {' '}
          <Text color={LEVEL_COLOR[record.level]}>{record.level.toUpperCase().padEnd(5)}</Text>
          {' '}
        </>
      ) : (
        ' '.repeat(LOG_PREFIX_COLUMNS)
      )}
      {line.text}
    </Text>
  );
}

/** Every key of the server TUI; `?` shows them in place of the log. */
export const SERVER_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['↑ ↓', 'scroll the log one record'],
  ['PgUp PgDn', 'scroll the log one page'],
  ['g / Home', 'the oldest record kept'],
  ['G / End', 'follow new records again'],
  ['w', 'wrap long log lines (again: cut them to one line)'],
  ['?', 'this help (any key closes it)'],
  ['q / Ctrl-C', 'stop the server and quit'],
];
const KEY_COLUMN = 14;

/** The server TUI: headline, status panels, scrollable log and key hints, re-rendered at most ~10 times a second. */
export function ServerApp({ view, onQuit }: ServerAppProps) {
  const { columns, rows } = useTerminalSize();
  const [scroll, dispatch] = useReducer(reduceScroll, { frame: 0, offset: 0 });
  const [wrap, setWrap] = useState(false);
  const [help, setHelp] = useState(false);
  /** An action waiting for its line (prompt) or its confirming second press. */
  const [pending, setPending] = useState<{ action: ServerAction; text: string; untilMs: number } | undefined>(undefined);
  const actions = view.actions ?? [];

  useEffect(() => {
    let timer: NodeJS.Timeout | undefined;
    let arrived = 0;
    const changed = () => {
      timer ??= setTimeout(() => {
        timer = undefined;
        dispatch({ type: 'frame', arrived });
        arrived = 0;
      }, FRAME_MS);
    };
    const unsubscribeView = view.subscribe(changed);
    // LogBuffer calls its listeners once per record, which is what keeps a scrolled view anchored.
    const unsubscribeLogs = view.logs.subscribe(() => {
      arrived++;
      changed();
    });
    return () => {
      clearTimeout(timer);
      unsubscribeView();
      unsubscribeLogs();
    };
  }, [view]);

  // One row less than the terminal: a frame as tall as the screen makes Ink clear the terminal
  // (scrollback included) on every render, which flickers and wipes the operator's history.
  const height = Math.max(12, rows - 1);
  const innerWidth = Math.max(1, columns - BOX_CHROME_COLUMNS);
  const snapshot = view.snapshot();
  const panels = layoutPanels(snapshot.panels, height, innerWidth);
  const logHeight = Math.max(3, height - 2 - panels.reduce((n, p) => n + p.height, 0));
  const logLines = logHeight - 2;

  const records = view.logs.tail(Number.POSITIVE_INFINITY);
  // Wrapped records take several lines: scrolling must reach the oldest one whatever their height.
  const maxOffset = Math.max(0, records.length - (wrap ? 1 : logLines));
  const offset = Math.min(scroll.offset, maxOffset);
  // Cut before Ink does, so a 10 kB message costs nothing; Ink's truncate stays as the net.
  const visible = logWindow(records, logLines, offset, innerWidth - LOG_PREFIX_COLUMNS, wrap);

  useInput((input, key) => {
    if (pending?.action.prompt) {
      if (key.escape) setPending(undefined);
      else if (key.return) {
        setPending(undefined);
        if (pending.text.trim()) pending.action.run(pending.text.trim());
      } else if (key.backspace || key.delete) setPending({ ...pending, text: pending.text.slice(0, -1) });
      else if (input && !key.ctrl && !key.meta && pending.text.length < 64) setPending({ ...pending, text: pending.text + input.replace(/[^\x20-\x7e]/g, '') });
      return;
    }
    if (input === 'q' || (key.ctrl && input === 'c')) {
      onQuit();
      return;
    }
    const action = actions.find((a) => a.key === input);
    if (action) {
      if (action.prompt) setPending({ action, text: '', untilMs: 0 });
      else if (pending?.action === action && Date.now() < pending.untilMs) {
        setPending(undefined);
        action.run('');
      } else setPending({ action, text: '', untilMs: Date.now() + 3000 });
      return;
    }
    if (help) {
      setHelp(false);
      return;
    }
    const page = Math.max(1, logLines - 1);
    if (input === '?') setHelp(true);
    else if (input === 'w') setWrap((w) => !w);
    else if (key.upArrow) dispatch({ type: 'scroll', by: 1, max: maxOffset });
    else if (key.downArrow) dispatch({ type: 'scroll', by: -1, max: maxOffset });
    else if (key.pageUp) dispatch({ type: 'scroll', by: page, max: maxOffset });
    else if (key.pageDown) dispatch({ type: 'scroll', by: -page, max: maxOffset });
    else if (key.home || input === 'g') dispatch({ type: 'scroll', by: maxOffset, max: maxOffset });
    else if (key.end || input === 'G') dispatch({ type: 'follow' });
  });

  return (
    <Box flexDirection="column" width={columns} height={height} overflow="hidden">
      <Text bold wrap="truncate-end">
        {oneLine(snapshot.headline)}
      </Text>
      {panels.map((layout, i) => (
        <PanelBox key={i} layout={layout} width={columns} />
      ))}
      {help ? (
        <TitledBox title="Keys" width={columns} height={logHeight}>
          {[...SERVER_KEYS, ...actions.map((a) => [a.key, a.what] as const)].map(([keys, what]) => (
            <Text key={keys} wrap="truncate-end">
              <Text bold>{fit(keys, KEY_COLUMN)}</Text>
              {truncate(what, Math.max(0, innerWidth - KEY_COLUMN))}
            </Text>
          ))}
        </TitledBox>
      ) : (
        <TitledBox title={`Log · ${offset > 0 ? `scrolled (${offset} older)` : 'following'}${wrap ? ' · wrapped' : ''}`} width={columns} height={logHeight}>
          {visible.map((line, i) => (
            <LogLineView key={i} line={line} />
          ))}
        </TitledBox>
      )}
      {pending?.action.prompt ? (
        <Text wrap="truncate-end">{truncate(`${pending.action.prompt} ${pending.text}▏ (Enter · Esc cancels)`, columns)}</Text>
      ) : pending && Date.now() < pending.untilMs ? (
        <Text color="yellow" wrap="truncate-end">
          {truncate(`press ${pending.action.key} again to ${pending.action.what}`, columns)}
        </Text>
      ) : (
        <Text dimColor wrap="truncate-end">
          {truncate(`q quit · ↑↓ PgUp PgDn scroll log · End follow · w ${wrap ? 'cut' : 'wrap'} long lines${actions.map((a) => ` · ${a.key} ${a.what}`).join('')} · ? keys`, columns)}
        </Text>
      )}
    </Box>
  );
}
