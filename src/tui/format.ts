/**
 * Pure text and layout helpers for the TUI: one-line cells, truncation, column widths and sharing
 * rows between panels. Widths count code points, which is right for the ASCII the servers print;
 * Ink's `wrap="truncate-end"` stays on every line as a net for wide characters.
 */

/** Display width of `text`, counted in code points. */
export function textWidth(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/** Replace control characters (newlines, tabs, escapes) with spaces so a value can never break a one-line row. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}

/** Cut `text` to at most `width` columns, ending with '…' when something was cut. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return '';
  if (textWidth(text) <= width) return text;
  return Array.from(text).slice(0, width - 1).join('') + '…';
}

/** Truncate or right-pad `text` to exactly `width` columns. */
export function fit(text: string, width: number): string {
  const cut = truncate(text, width);
  return cut + ' '.repeat(Math.max(0, width - textWidth(cut)));
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

/**
 * Column widths no wider than `available` in total (including `gap` spaces between columns).
 * The widest columns are cut first, so short ones such as ids and states stay whole.
 */
export function fitColumns(widths: number[], available: number, gap = 2): number[] {
  const room = available - gap * Math.max(0, widths.length - 1);
  if (sum(widths) <= room) return widths;
  let cap = Math.max(0, ...widths);
  while (cap > 1 && sum(widths.map((w) => Math.min(w, cap))) > room) cap--;
  const capped = widths.map((w) => Math.min(w, cap));
  // At most one spare column per cut column remains (cap + 1 did not fit); hand it out left to right.
  let spare = room - sum(capped);
  for (let i = 0; i < capped.length && spare > 0; i++) {
    if (widths[i] > capped[i]) {
      capped[i]++;
      spare--;
    }
  }
  return capped;
}

/**
 * Split `budget` lines between consumers that each want `needs[i]` lines: small needs are met in
 * full and the rest share what is left evenly, so one busy panel cannot starve the others.
 */
export function shareLines(needs: number[], budget: number): number[] {
  const given = needs.map(() => 0);
  const order = needs.map((_, i) => i).sort((a, b) => needs[a] - needs[b]);
  let left = Math.max(0, budget);
  order.forEach((i, k) => {
    given[i] = Math.min(needs[i], Math.floor(left / (order.length - k)));
    left -= given[i];
  });
  return given;
}
