/**
 * Pure layout helpers for the TUIs: column widths and sharing rows between panels. Text widths,
 * one-line cells and clipping live in width.ts.
 */

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
