/**
 * A one-line text input: the cursor sits at the end, printable keys (and pastes) append, Backspace
 * deletes, Ctrl-U clears and Ctrl-W deletes a word. The parent routes keys to `editText`, so Enter,
 * Tab and Esc stay the parent's to give meaning to.
 */
import { Text, type Key } from 'ink';
import { isPrintable } from './keys.js';
import { charWidth, clip, displayWidth } from '../width.js';

/** The value after `input`, or undefined when the key is not an edit (the caller may use it). */
export function editText(value: string, input: string, key: Key): string | undefined {
  if (key.backspace || key.delete) return Array.from(value).slice(0, -1).join('');
  if (key.ctrl && input === 'u') return '';
  if (key.ctrl && input === 'w') return value.replace(/[^\s/]*[\s/]?$/, '');
  if (isPrintable(input, key)) return value + input;
  return undefined;
}

/** The last `width` columns of `text`, starting with '…' when the head was cut (the end is where the cursor is). */
export function tail(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  const chars = Array.from(text);
  let out = '';
  let used = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = charWidth(chars[i]!);
    if (used + w > width - 1) break;
    out = chars[i] + out;
    used += w;
  }
  return '…' + out;
}

export interface TextFieldProps {
  value: string;
  /** Columns for the label, value and cursor together. */
  width: number;
  focused: boolean;
  label?: string;
  /** Columns the label is padded to, so stacked fields line up. */
  labelWidth?: number;
  /** Show this character instead of each character of the value (passwords). */
  mask?: string;
  placeholder?: string;
}

/** A labelled one-line input; focused: bold label, `›` marker and a block cursor. */
export function TextField({ value, width, focused, label, labelWidth, mask, placeholder }: TextFieldProps) {
  const labelText = label === undefined ? '' : `${focused ? '›' : ' '} ${label.padEnd(labelWidth ?? label.length)} `;
  const room = Math.max(1, width - displayWidth(labelText) - 1);
  const shown = mask === undefined ? value : mask.repeat(Array.from(value).length);
  const body = tail(shown.replace(/[\u0000-\u001f\u007f]/g, ' '), room);
  const hint = body === '' && placeholder !== undefined ? clip(placeholder, room) : '';
  return (
    <Text wrap="truncate-end">
      <Text color={focused ? 'cyan' : undefined} bold={focused} dimColor={!focused}>
        {labelText}
      </Text>
      {body}
      {focused ? <Text inverse> </Text> : ''}
      {hint !== '' && <Text dimColor>{hint}</Text>}
    </Text>
  );
}
