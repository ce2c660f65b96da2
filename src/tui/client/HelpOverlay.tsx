/** Every key of the client, grouped by where it works; `?` or Esc closes it. */
import { Box, Text } from 'ink';
import { Panel, PANEL_CHROME_COLUMNS, PANEL_CHROME_ROWS } from './Panel.js';
import { line, pad } from '../width.js';

/** [keys, what they do], or a section title as a one-element row. */
export const HELP: ReadonlyArray<readonly [string, string?]> = [
  ['Everywhere'],
  ['1 2 3 4 5', 'Videos, Upload, Notifications, Rooms, Messages'],
  ['Tab / Shift-Tab', 'next / previous tab (when no field has focus)'],
  ['?', 'this help'],
  ['q / Ctrl-C', 'quit (Ctrl-C also while typing)'],
  ['Videos'],
  ['↑↓ PgUp PgDn', 'move the selection'],
  ['Enter', 'play the video alone'],
  ['c', 'create a room for it and invite users'],
  ['e', 'queue it in the watched room (a guest suggests it to the admin)'],
  ['d', 'delete it everywhere (its uploader, or an operator)'],
  ['/', 'filter by name (Enter keeps it, Esc clears it)'],
  ['Create room'],
  ['Space / a', 'invite / everyone or no one'],
  ['Enter / Esc', 'create the room / cancel'],
  ['Upload'],
  ['typing / Enter', 'edit the path (1-5, q and ? keep their meaning until then)'],
  ['Tab', 'complete the path'],
  ['Enter', 'upload (an interrupted upload resumes)'],
  ['Esc', 'cancel the running upload, or leave the field'],
  ['Rooms'],
  ['↑↓ Enter', 'pick a room and open it in mpv'],
  ['space', 'play / pause (admin)'],
  ['← →', 'seek 10 s back / forward (admin)'],
  ['g', 'go to a time: 90, 1:30, 1:02:03 (admin)'],
  ['[ ]', 'slower / faster for everyone: 0.25× to 4× (admin)'],
  ['o', 'go on without the members the room waits for (admin; G in mpv)'],
  ['A', 'auto-release on/off: go on by itself without a member who stalls 3 times in 2 min (admin)'],
  ['f', 'play the watched room from your own copy of the video on this disk (when you uploaded it from here)'],
  ['x', 'close the picked room for everyone (its admin; no need to open it)'],
  ['i / k / a', 'invite users · remove a member · make a member admin (admin)'],
  ['e', 'edit the queue: rm N · mv N M · accept N · reject N · next (admin)'],
  ['t', 'write in the room\'s chat (every member sees it here and on mpv\'s screen)'],
  ['m / M', 'mute / unmute members in the chat (admin)'],
  ['l', 'leave the room'],
  ['Messages'],
  ['↑↓ PgUp PgDn', 'scroll (opening the tab marks everything read, on every device)'],
  ['n', 'write to someone (they get it when they are back if they are away)'],
  ['r', 'reply to the selected message'],
  ['b / u', 'block / unblock the sender of the selected message'],
];

const KEY_COLUMN = 18;

/** Rows of help that fit in a help overlay `height` rows tall. */
export function helpRows(height: number): number {
  return Math.max(1, height - 1 - PANEL_CHROME_ROWS);
}

/** The help panel, filling `width` × `height`, from row `offset` on (↑↓ scroll when it does not fit). */
export function HelpOverlay({ width, height, offset }: { width: number; height: number; offset: number }) {
  const inner = Math.max(1, width - PANEL_CHROME_COLUMNS);
  const rows = helpRows(height);
  const start = Math.max(0, Math.min(offset, HELP.length - rows));
  const shown = HELP.slice(start, start + rows);
  const scrolls = rows < HELP.length;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Panel title={scrolls ? `Keys · ${start + 1}–${start + shown.length} of ${HELP.length}` : 'Keys'} width={width} height={height - 1}>
        {shown.map(([keys, what], i) =>
          what === undefined ? (
            <Text key={i} bold color="cyan" wrap="truncate-end">
              {line(keys, inner)}
            </Text>
          ) : (
            <Text key={i} wrap="truncate-end">
              <Text bold>{pad(`  ${keys}`, Math.min(KEY_COLUMN, inner))}</Text>
              {line(what, Math.max(0, inner - KEY_COLUMN))}
            </Text>
          ),
        )}
      </Panel>
      <Text dimColor wrap="truncate-end">
        {line(scrolls ? '↑↓ scroll · ? or Esc close the help' : '? or Esc close the help', width)}
      </Text>
    </Box>
  );
}
