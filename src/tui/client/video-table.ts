/** Pure layout of the catalogue table: filtering, cells, fitted column widths and one-line rows. */
import { searchKey } from '../../roles/shared/search-key.js';
import type { VideoInfo } from '../../net/messages.js';
import { clock } from '../../roles/shared/room.js';
import { renditionsText } from '../../roles/shared/job-plan.js';
import { fitColumns } from '../format.js';
import { oneLine } from '../width.js';
import { displayWidth, pad, padStart } from '../width.js';

export const VIDEO_COLUMNS = ['name', 'duration', 'resolution', 'uploader', 'replicas', 'renditions'] as const;
/** Right-aligned columns (numbers). */
const RIGHT = [false, true, false, false, true, false];
/** Spaces between columns. */
export const COLUMN_GAP = 2;

/** Videos whose name contains `filter`, ignoring case and accents; all of them for an empty filter. */
export function filterVideos(videos: readonly VideoInfo[], filter: string): VideoInfo[] {
  const needle = searchKey(filter);
  if (needle === '') return [...videos];
  return videos.filter((v) => searchKey(v.name).includes(needle));
}

/** The table cells of one video, each already one line. */
export function videoCells(v: VideoInfo): string[] {
  const resolution = v.width > 0 && v.height > 0 ? `${v.width}×${v.height}` : '—';
  return [oneLine(v.name), v.durationMs > 0 ? clock(v.durationMs) : '—', resolution, oneLine(v.uploader), String(v.replicas), renditionsText(v, '—')];
}

/** Column widths for `rows` (and the header) that fit in `available` columns; the name column gives way first. */
export function videoColumnWidths(rows: readonly string[][], available: number): number[] {
  const natural = VIDEO_COLUMNS.map((h, c) => rows.reduce((w, r) => Math.max(w, displayWidth(r[c] ?? '')), displayWidth(h)));
  return fitColumns(natural, available, COLUMN_GAP);
}

/** One row of exactly the given widths. */
export function formatVideoRow(cells: readonly string[], widths: readonly number[]): string {
  return widths.map((w, c) => (RIGHT[c] ? padStart(cells[c] ?? '', w) : pad(cells[c] ?? '', w))).join(' '.repeat(COLUMN_GAP));
}
