/**
 * Terminal-column widths, for both TUIs: names typed by people (video names, user names, notification
 * text, and so log lines that quote them) hold CJK (two columns each), emoji and combining accents
 * (zero columns), so every width is measured here rather than by counting code points.
 */

/** Replace control characters (newlines, tabs, escapes) with spaces so a value can never break a one-line row. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** Combining marks, zero-width joiners and variation selectors take no column of their own. */
const ZERO_WIDTH = /^(?:\p{Mn}|\p{Me}|\p{Cf}|[\uFE00-\uFE0F])$/u;
const EMOJI = /^\p{Emoji_Presentation}$/u;

/** East Asian Wide and Fullwidth blocks (the ones names are actually written in). */
const WIDE_RANGES: ReadonlyArray<readonly [number, number]> = [
  [0x1100, 0x115f],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe30, 0xfe4f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x20000, 0x3fffd],
];

/** Columns one code point takes: 0, 1 or 2. */
export function charWidth(char: string): number {
  const cp = char.codePointAt(0) ?? 0;
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if (ZERO_WIDTH.test(char)) return 0;
  if (EMOJI.test(char)) return 2;
  for (const [lo, hi] of WIDE_RANGES) if (cp >= lo && cp <= hi) return 2;
  return 1;
}

/** Columns `text` takes on a terminal. */
export function displayWidth(text: string): number {
  let n = 0;
  for (const char of text) n += charWidth(char);
  return n;
}

/** Cut `text` to at most `width` columns, ending with '…' when something was cut; never splits a character. */
export function clip(text: string, width: number): string {
  if (width <= 0) return '';
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return out + '…';
}

/** Clip or right-pad `text` to exactly `width` columns. */
export function pad(text: string, width: number): string {
  const cut = clip(text, width);
  return cut + ' '.repeat(Math.max(0, width - displayWidth(cut)));
}

/** Clip or left-pad `text` to exactly `width` columns (numbers in tables). */
export function padStart(text: string, width: number): string {
  const cut = clip(text, width);
  return ' '.repeat(Math.max(0, width - displayWidth(cut))) + cut;
}

/** One line of at most `width` columns from any user text: control characters become spaces, then clip. */
export function line(text: string, width: number): string {
  return clip(oneLine(text), width);
}

/** `left` and `right` on one line of exactly `width` columns, `right` flush right; `left` gives way first. */
export function spread(left: string, right: string, width: number): string {
  const r = clip(right, width);
  const room = width - displayWidth(r);
  const l = clip(left, Math.max(0, room - 1));
  return l + ' '.repeat(Math.max(0, width - displayWidth(l) - displayWidth(r))) + r;
}

/** A run of text with its own style inside one line. */
export interface Segment {
  text: string;
  color?: string;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
}

/** Clip a line made of styled segments to `width` columns in total, dropping what no longer fits. */
export function fitSegments(segments: Segment[], width: number): Segment[] {
  const out: Segment[] = [];
  let left = width;
  for (const s of segments) {
    if (left <= 0) break;
    const text = clip(oneLine(s.text), left);
    if (text === '') continue;
    out.push({ ...s, text });
    left -= displayWidth(text);
  }
  return out;
}
