/**
 * Pure helpers for a scrolling list: move a selection, keep it inside the visible window, and
 * render only that window (500 rows cost the same as 20).
 */

/** `index` moved by `by`, kept within a list of `count` rows (0 for an empty list). */
export function moveSelection(index: number, by: number, count: number): number {
  if (count <= 0) return 0;
  return Math.max(0, Math.min(count - 1, index + by));
}

/**
 * The first visible row for a window of `height` rows over `count` rows that keeps `index` visible,
 * moving as little as possible from `top` (the window only scrolls when the selection leaves it).
 */
export function scrollTop(top: number, index: number, height: number, count: number): number {
  if (height <= 0 || count <= 0) return 0;
  let t = Math.min(top, Math.max(0, count - height));
  if (index < t) t = index;
  else if (index >= t + height) t = index - height + 1;
  return Math.max(0, t);
}

/** The visible slice and where it starts. */
export function visibleWindow<T>(items: readonly T[], top: number, height: number): { start: number; rows: T[] } {
  const start = Math.max(0, Math.min(top, items.length));
  return { start, rows: items.slice(start, start + Math.max(0, height)) };
}

/** "12–30 of 500" for a window title; empty for an empty list. */
export function windowLabel(start: number, shown: number, count: number): string {
  if (count === 0) return '';
  if (shown >= count) return `${count}`;
  return `${start + 1}–${start + shown} of ${count}`;
}
