/**
 * What people may write to each other (room chat, direct messages), as one pure rule: NFC, one line
 * (line breaks become spaces), no control, bidi-override or invisible characters (they could make a
 * message pose as another, or break the TUI's and the OSD's layout), at most 500 characters.
 */
import { WatchpartyError } from '../../core/errors.js';

export const MAX_MESSAGE_CHARS = 500;

/** The text as it is stored and shown; throws BAD_INPUT for an empty or a too long one. */
export function cleanMessage(raw: string): string {
  const text = raw
    .normalize('NFC')
    // Line and paragraph breaks, tabs: one space (a message is one line on an OSD).
    .replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/g, ' ')
    // Other controls, bidi overrides and isolates, zero-width and other invisible format characters,
    // Hangul fillers, lone surrogates.
    .replace(/[\p{Cc}\p{Cf}\p{Cs}\u115f\u1160\u3164\uffa0]/gu, '')
    .replace(/ {2,}/g, ' ')
    .trim();
  const chars = [...text].length;
  if (chars === 0) throw new WatchpartyError('BAD_INPUT', 'the message is empty');
  if (chars > MAX_MESSAGE_CHARS) throw new WatchpartyError('BAD_INPUT', `the message is ${chars} characters long (at most ${MAX_MESSAGE_CHARS})`, { hint: 'Split it in two.' });
  return text;
}

/** A message on one OSD line: `bob: text`, cut at `maxChars` with an ellipsis. */
export function osdLine(user: string, text: string, maxChars = 120): string {
  const line = `${user}: ${text}`;
  const chars = [...line];
  return chars.length > maxChars ? chars.slice(0, maxChars - 1).join('') + '…' : line;
}
