/**
 * The login/register form of the original design: user name, password and a repeated password;
 * filling the repeat field registers a new account, leaving it empty logs in.
 */
import { useState } from 'react';
import { Box, Text } from 'ink';
import type { ClientActions, ClientSnapshot } from '../client-session.js';
import { useKeys, type KeySlot } from './keys.js';
import { editText, TextField } from './TextField.js';
import { displayWidth, line } from '../width.js';

const FIELDS = [
  { label: 'Username', mask: undefined },
  { label: 'Password', mask: '•' },
  { label: 'Repeat password', mask: '•' },
] as const;
const LABEL_WIDTH = 15;
/** The form's box never grows past this, however wide the terminal. */
const FORM_MAX_WIDTH = 64;
/** The form box: two borders, its title, three fields and the message line. */
const FORM_ROWS = 7;

/** The original design's one-form rule, spelled out under the form. */
export const REGISTER_HINT = "Fill 'Repeat' to register a new account; leave it empty to log in";

/** The snapshot and actions, the screen's size, and the slot its key handler goes in. */
export interface LoginScreenProps {
  snapshot: ClientSnapshot;
  actions: ClientActions;
  width: number;
  height: number;
  keys: KeySlot;
}

/** The form, centred; Tab/Shift-Tab/↑/↓ move between fields and Enter submits. */
export function LoginScreen({ snapshot, actions, width, height, keys }: LoginScreenProps) {
  const [values, setValues] = useState<[string, string, string]>(['', '', '']);
  const [focus, setFocus] = useState(0);
  const [localError, setLocalError] = useState<string | undefined>(undefined);
  const registering = values[2] !== '';

  const submit = () => {
    const [user, password, repeat] = values;
    if (user.trim() === '') {
      setFocus(0);
      setLocalError('type a user name');
      return;
    }
    if (password === '') {
      setFocus(1);
      setLocalError('type a password');
      return;
    }
    setLocalError(undefined);
    void actions.submitLogin(user.trim(), password, repeat);
  };

  useKeys(keys, (input, key) => {
    if (key.tab || key.upArrow || key.downArrow) {
      const back = (key.tab && key.shift) || key.upArrow;
      setFocus((f) => (f + (back ? FIELDS.length - 1 : 1)) % FIELDS.length);
      return true;
    }
    if (key.return) {
      if (snapshot.busy === undefined) submit();
      return true;
    }
    const next = editText(values[focus]!, input, key);
    if (next !== undefined) {
      const copy: [string, string, string] = [...values];
      copy[focus] = next;
      setValues(copy);
      setLocalError(undefined);
    }
    // Every key belongs to the form: `q` is a letter in a name here, not quit.
    return true;
  });

  const formWidth = Math.min(FORM_MAX_WIDTH, width);
  const inner = Math.max(1, formWidth - 4);
  const error = localError ?? snapshot.loginError;
  const reason = snapshot.loggedOutReason;
  // Centred with whole-cell offsets: Yoga's centring can land on half cells, and Ink's rounding
  // then draws one line over another.
  const contentRows = 2 + (reason !== undefined ? 1 : 0) + FORM_ROWS + 2;
  const top = Math.max(0, Math.floor((height - contentRows) / 2));
  const left = Math.max(0, Math.floor((width - formWidth) / 2));
  const centered = (text: string) => {
    const t = line(text, width);
    return ' '.repeat(Math.max(0, Math.floor((width - displayWidth(t)) / 2))) + t;
  };
  return (
    <Box flexDirection="column" width={width} height={height} paddingTop={top} overflow="hidden">
      <Text bold color="cyan" wrap="truncate-end">
        {centered('watchparty')}
      </Text>
      <Text dimColor wrap="truncate-end">
        {centered(`central: ${snapshot.central}`)}
      </Text>
      {reason !== undefined && (
        <Text color="yellow" wrap="truncate-end">
          {centered(reason)}
        </Text>
      )}
      <Box flexDirection="column" width={formWidth} marginLeft={left} borderStyle="round" borderColor="cyan" paddingX={1} flexShrink={0}>
        <Text bold wrap="truncate-end">
          {registering ? 'Register a new account' : 'Log in'}
        </Text>
        {FIELDS.map((f, i) => (
          <TextField key={f.label} label={f.label} labelWidth={LABEL_WIDTH} mask={f.mask} value={values[i]!} focused={focus === i} width={inner} />
        ))}
        {snapshot.busy !== undefined ? (
          <Text color="cyan" wrap="truncate-end">
            {line(`◌ ${snapshot.busy}`, inner)}
          </Text>
        ) : error !== undefined ? (
          <Text color="red" wrap="truncate-end">
            {line(`✗ ${error}`, inner)}
          </Text>
        ) : (
          <Text> </Text>
        )}
      </Box>
      <Text dimColor wrap="truncate-end">
        {centered(REGISTER_HINT)}
      </Text>
      <Text dimColor wrap="truncate-end">
        {centered(`Tab/↑↓ move · Enter ${registering ? 'register' : 'log in'} · Ctrl-C quit`)}
      </Text>
    </Box>
  );
}
