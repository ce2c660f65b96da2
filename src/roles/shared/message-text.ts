/**
 * What people may write to each other (room chat, direct messages), as one pure rule: NFC, one line
 * (line breaks become spaces), no control, bidi-override, invisible, private-use or unassigned characters
 * (they could make a message pose as another, or break the TUI's and the OSD's layout), at most two
 * combining marks on a character (a stack of hundreds would spill over the lines above and below), runs
 * of any kind of space as one, something visible, at most 500 characters.
 */
import { WatchpartyError } from '../../core/errors.js';

export const MAX_MESSAGE_CHARS = 500;
/** Combining marks kept on one character: enough for any language's accents, not for "Zalgo" text. */
const MAX_MARKS = 2;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

/** Keep the first MAX_MARKS combining marks of each character (emoji variation selectors included). */
function capMarks(text: string): string {
  let out = '';
  for (const { segment } of graphemes.segment(text)) {
    let marks = 0;
    for (const ch of segment) {
      if (/\p{M}/u.test(ch) && ++marks > MAX_MARKS) continue;
      out += ch;
    }
  }
  return out;
}

/** The text as it is stored and shown; throws BAD_INPUT for an empty or a too long one. */
export function cleanMessage(raw: string): string {
  const stripped = raw
    .normalize('NFC')
    // Line and paragraph breaks, tabs: one space (a message is one line on an OSD).
    .replace(/[\t\n\v\f\r\u0085\u2028\u2029]+/g, ' ')
    // Other controls, bidi overrides and isolates, zero-width and other invisible format characters,
    // Hangul fillers, lone surrogates.
    // Private-use and unassigned code points (non-characters included): nobody's font agrees on them.
    .replace(/[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\u115f\u1160\u3164\uffa0\u2800]/gu, '')
    .replace(/\p{Zs}+/gu, ' ')
    .trim();
  const text = capMarks(stripped);
  const chars = [...text].length;
  if (chars === 0 || !/[\p{L}\p{N}\p{P}\p{S}]/u.test(text)) throw new WatchpartyError('BAD_INPUT', 'the message is empty');
  if (chars > MAX_MESSAGE_CHARS) throw new WatchpartyError('BAD_INPUT', `the message is ${chars} characters long (at most ${MAX_MESSAGE_CHARS})`, { hint: 'Split it in two.' });
  return text;
}

/** A message on one OSD line: `bob: text`, cut at `maxChars` with an ellipsis. */
export function osdLine(user: string, text: string, maxChars = 120): string {
  const line = `${user}: ${text}`;
  const chars = [...line];
  return chars.length > maxChars ? chars.slice(0, maxChars - 1).join('') + '…' : line;
}
