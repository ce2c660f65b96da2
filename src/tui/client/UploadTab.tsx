/**
 * Upload: type (and Tab-complete) the path of a video on this computer, Enter sends it to the
 * cluster, which copies it to every sub-server. Progress shows here; Esc cancels a running upload.
 */
import { useState } from 'react';
import { Box, Text } from 'ink';
import { candidateLabel, complete, MAX_SHOWN_CANDIDATES } from './completion.js';
import { isPrintable, useKeys } from './keys.js';
import { Panel, PANEL_CHROME_COLUMNS, PANEL_CHROME_ROWS } from './Panel.js';
import { editText, TextField } from './TextField.js';
import { UploadProgress, uploadRunning } from './UploadProgress.js';
import { line } from '../width.js';
import type { TabProps } from './tab-props.js';

const EDIT_HINTS = 'type a path · Tab complete · Enter upload · Esc leave the field';
const IDLE_HINTS = 'start typing a path (or Enter) to edit it · 1-4 tabs';
/** Keys that keep their global meaning while the field is not focused; any other text starts editing. */
const GLOBAL_KEYS = /^[1-4q?]$/;
const RUNNING_HINTS = 'Esc cancel the upload (it can resume later)';

export type UploadTabProps = TabProps;

interface Candidates {
  list: string[];
  none: boolean;
}

/** The Upload tab: the path field, completion candidates and the upload's progress. */
export function UploadTab({ snapshot, actions, width, height, active, keys }: UploadTabProps) {
  const [path, setPath] = useState('');
  // Unfocused on arrival, so the number keys still switch tabs; typing focuses it.
  const [editing, setEditing] = useState(false);
  const [candidates, setCandidates] = useState<Candidates>({ list: [], none: false });
  const running = uploadRunning(snapshot.upload);
  const focused = editing && !running;

  const edit = (value: string) => {
    setPath(value);
    setCandidates({ list: [], none: false });
  };

  useKeys(keys, (input, key) => {
    if (running) {
      if (!key.escape) return false;
      actions.cancelUpload();
      return true;
    }
    if (!editing) {
      if (key.return) setEditing(true);
      else if (isPrintable(input, key) && !GLOBAL_KEYS.test(input)) {
        setEditing(true);
        edit(path + input);
      } else return false;
      return true;
    }
    if (key.escape) {
      setEditing(false);
      setCandidates({ list: [], none: false });
    } else if (key.tab) {
      const c = complete(path, actions.completePath(path));
      setPath(c.value);
      setCandidates({ list: c.candidates, none: c.none });
    } else if (key.return) {
      if (path.trim() !== '') {
        setCandidates({ list: [], none: false });
        setEditing(false);
        actions.upload(path);
      }
    } else {
      const next = editText(path, input, key);
      if (next !== undefined) edit(next);
    }
    // The field takes every key while it has focus: digits and `q` are part of paths.
    return true;
  });

  if (!active) return null;

  const panelHeight = Math.max(PANEL_CHROME_ROWS + 1, height - 1);
  const inner = Math.max(1, width - PANEL_CHROME_COLUMNS);
  const innerHeight = panelHeight - PANEL_CHROME_ROWS;
  // Intro, field, and the upload's three lines plus a gap keep their rows; candidates get the rest.
  const candidateRows = Math.max(0, Math.min(MAX_SHOWN_CANDIDATES, innerHeight - 2 - (snapshot.upload ? 4 : 0) - 1));
  const shown = candidates.list.slice(0, candidateRows);
  const more = candidates.list.length - shown.length;
  const hints = running ? RUNNING_HINTS : focused ? EDIT_HINTS : IDLE_HINTS;

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Panel title="Upload a video" width={width} height={panelHeight}>
        <Text dimColor wrap="truncate-end">
          {line('A video file from this computer; every sub-server gets a copy, so everyone can watch it.', inner)}
        </Text>
        <TextField label="Path" value={path} focused={focused} width={inner} placeholder="e.g. ~/Videos/movie.mkv" />
        {candidates.none && (
          <Text color="yellow" wrap="truncate-end">
            {line('  no file or directory matches', inner)}
          </Text>
        )}
        {shown.map((c) => (
          <Text key={c} color={c.endsWith('/') ? 'blue' : undefined} wrap="truncate-end">
            {line(`    ${candidateLabel(c)}`, inner)}
          </Text>
        ))}
        {more > 0 && <Text dimColor>{line(`    … and ${more} more`, inner)}</Text>}
        {snapshot.upload && (
          <Box flexDirection="column" marginTop={1}>
            <UploadProgress upload={snapshot.upload} width={inner} />
          </Box>
        )}
      </Panel>
      <Text dimColor wrap="truncate-end">
        {line(hints, width)}
      </Text>
    </Box>
  );
}
