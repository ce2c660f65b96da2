/**
 * Whether an upload fits on central's disk (pure): free space minus what uploads in progress still
 * need minus a safety margin (so SQLite and the logs keep room) must cover what this upload still needs.
 */
import { formatBytes } from '../shared/format-bytes.js';

/** The margin is a share of the file system, clamped: a few MiB on a tiny disk, 64 MiB on a big one. */
export const SPACE = { marginShare: 0.05, minMarginBytes: 1024 * 1024, maxMarginBytes: 64 * 1024 * 1024 } as const;

export interface SpaceFacts {
  /** Bytes an unprivileged process may still write on the data folder's file system (statfs bavail). */
  freeBytes: number;
  /** Size of that file system. */
  totalBytes: number;
  /** Bytes other uploads in progress have been promised and not yet written. */
  reservedBytes: number;
  /** Bytes this upload still has to write. */
  needBytes: number;
}

export type SpaceVerdict = { ok: true } | { ok: false; message: string };

/** Room kept free on a file system of `totalBytes`. */
export function marginBytes(totalBytes: number): number {
  return Math.min(SPACE.maxMarginBytes, Math.max(SPACE.minMarginBytes, Math.floor(totalBytes * SPACE.marginShare)));
}

/** Accept or refuse with the sentence the uploader reads (sizes only: never a path). */
export function spaceVerdict(f: SpaceFacts): SpaceVerdict {
  const usable = Math.max(0, f.freeBytes - f.reservedBytes - marginBytes(f.totalBytes));
  if (f.needBytes <= usable) return { ok: true };
  const held = f.reservedBytes > 0 ? ` (another ${formatBytes(f.reservedBytes)} is held for uploads in progress)` : '';
  return { ok: false, message: `central has ${formatBytes(usable)} free${held}, this video needs ${formatBytes(f.needBytes)}` };
}
