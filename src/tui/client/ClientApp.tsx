/**
 * The client's full-screen TUI: the login form or the main screen, the status line under both, and
 * the help overlay. It renders one ClientSession's snapshot and calls its actions; keys reach the
 * screens through one `useInput` (see keys.ts).
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Box, useInput, type Key } from 'ink';
import type { ClientSession } from '../client-session.js';
import { HELP, HelpOverlay, helpRows } from './HelpOverlay.js';
import { splitKeys, useKeySlot } from './keys.js';
import { LoginScreen } from './LoginScreen.js';
import { MainScreen } from './MainScreen.js';
import { StatusLine } from './StatusLine.js';
import { useSessionSnapshot } from './use-session-snapshot.js';
import { useTerminalSize } from './use-terminal-size.js';

/** Smallest frame laid out; a smaller terminal shows a cut-off frame rather than a broken one. */
const MIN_COLUMNS = 20;
const MIN_ROWS = 8;

/** The session to render and what to do once the user quit. */
export interface ClientAppProps {
  session: ClientSession;
  /** Called once after Ctrl-C or `q` and `session.actions.quit()` finished; with the error if quit failed. */
  onExit: (error?: Error) => void;
}

/** The client TUI for one session: login or main screen, help, and the status line. */
export function ClientApp({ session, onExit }: ClientAppProps) {
  const snapshot = useSessionSnapshot(session);
  const { columns, rows } = useTerminalSize();
  const [help, setHelp] = useState<number | undefined>(undefined);
  const quitting = useRef(false);
  const [closing, setClosing] = useState(false);
  const screenKeys = useKeySlot();

  // One row less than the terminal: a frame as tall as the screen makes Ink clear the whole
  // terminal on every render, which flickers.
  const width = Math.max(MIN_COLUMNS, columns);
  const height = Math.max(MIN_ROWS, rows - 1);
  const bodyHeight = height - 1;
  const main = snapshot.screen === 'main';

  // Logging out closes the help; the next login starts on a clean main screen.
  useEffect(() => setHelp(undefined), [snapshot.screen]);

  const quit = () => {
    if (quitting.current) return;
    quitting.current = true;
    setClosing(true);
    session.actions.quit().then(
      () => onExit(),
      (error: unknown) => onExit(error instanceof Error ? error : new Error(String(error))),
    );
  };

  const onKey = (input: string, key: Key): void => {
    if (key.ctrl && input === 'c') return quit();
    if (quitting.current) return;
    if (help !== undefined && main) {
      if (input === '?' || key.escape || input === 'q') setHelp(undefined);
      else if (key.upArrow) setHelp(Math.max(0, help - 1));
      else if (key.downArrow) setHelp(Math.min(Math.max(0, HELP.length - helpRows(bodyHeight)), help + 1));
      return;
    }
    if (screenKeys.current?.(input, key)) return;
    if (main && input === '?') setHelp(0);
    else if (main && input === 'q') quit();
  };
  // useInput re-subscribes in a passive effect, which may run after the next key arrived; a stable
  // listener calling the handler of the latest commit never sees stale state.
  const latest = useRef(onKey);
  useLayoutEffect(() => {
    latest.current = onKey;
  });
  // Each key must see the state the previous key left, but Ink hands over several keys at once (one
  // read can hold "/9", "pw\r" or two escape sequences) and React commits later. So keys queue and
  // are pumped one per commit: each bumps `keyTick`, and the effect after that commit runs the next.
  const queue = useRef<Array<[string, Key]>>([]);
  const pumping = useRef(false);
  const [keyTick, setKeyTick] = useState(0);
  const pump = useRef(() => {
    const next = queue.current.shift();
    pumping.current = next !== undefined;
    if (!next) return;
    latest.current(...next);
    setKeyTick((n) => n + 1);
  }).current;
  useEffect(() => {
    if (pumping.current) pump();
  }, [keyTick, pump]);
  useInput(
    useCallback(
      (input: string, key: Key) => {
        queue.current.push(...splitKeys(input, key));
        if (!pumping.current) pump();
      },
      [pump],
    ),
  );

  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Box height={bodyHeight} flexDirection="column" overflow="hidden">
        {main ? (
          <>
            {help !== undefined && <HelpOverlay width={width} height={bodyHeight} offset={help} />}
            <Box display={help === undefined ? 'flex' : 'none'} flexDirection="column">
              <MainScreen snapshot={snapshot} actions={session.actions} width={width} height={bodyHeight} keys={screenKeys} />
            </Box>
          </>
        ) : (
          <LoginScreen snapshot={snapshot} actions={session.actions} width={width} height={bodyHeight} keys={screenKeys} />
        )}
      </Box>
      <StatusLine snapshot={snapshot} width={width} note={closing ? 'quitting…' : undefined} />
    </Box>
  );
}
