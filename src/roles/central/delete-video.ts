/**
 * Deleting a video everywhere, enforced here on central: only its uploader, or an operator who presents
 * the cluster secret, may. The row goes first (so no new room, replica or stream can start on it), then
 * its rooms are closed with a message, its file is removed, and every sub is told to drop its replica.
 */
import fsp from 'node:fs/promises';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { CentralStore, VideoRow } from './store.js';

/** Who may delete `video`: its uploader, or anyone holding the cluster secret (an operator). */
export function deleteRight(video: { uploader: string }, user: string, holdsSecret: boolean): 'uploader' | 'operator' | undefined {
  if (video.uploader.toLowerCase() === user.toLowerCase()) return 'uploader';
  return holdsSecret ? 'operator' : undefined;
}

export interface DeleteVideoDeps {
  store: CentralStore;
  log: Logger;
  /** Whether `given` is the cluster secret (constant time). */
  secretMatches(given: string): boolean;
  /** Spend one of `user`'s tries at the secret; how long to wait first (0: go ahead). */
  secretTry(user: string): number;
  /** Close the open rooms on the video; returns how many. */
  closeRooms(videoId: number, by: string): number;
  videoPath(videoId: number): string;
  /** The row is gone: tell the subs and the users. */
  removed(video: VideoRow, by: string): void;
}

export async function deleteVideo(d: DeleteVideoDeps, user: string, p: { videoId: number; secret?: string | undefined }): Promise<{ name: string; closedRooms: number }> {
  const video = d.store.video(p.videoId);
  if (!video) throw new WatchpartyError('UNKNOWN_VIDEO', `no video #${p.videoId} (deleted already?)`);
  let holdsSecret = false;
  if (p.secret !== undefined && !deleteRight(video, user, false)) {
    // Guessing the secret must be slow (an operator may have chosen a weak one) and quiet in the log.
    const waitMs = d.secretTry(user);
    if (waitMs > 0) throw new WatchpartyError('RATE_LIMITED', `too many tries with a cluster secret: try again in ${Math.ceil(waitMs / 1000)} s`);
    holdsSecret = d.secretMatches(p.secret);
    if (!holdsSecret) d.log.warn(`${user} tried to delete "${video.name}" (#${video.id}) with a wrong cluster secret`);
  }
  const right = deleteRight(video, user, holdsSecret);
  if (!right) throw new WatchpartyError('NOT_UPLOADER', `only ${video.uploader}, who uploaded "${video.name}", or an operator can delete it`);
  if (!(await d.store.catalogue.deleteVideo(video.id))) throw new WatchpartyError('UNKNOWN_VIDEO', `no video #${p.videoId} (deleted already?)`);
  const closedRooms = d.closeRooms(video.id, user);
  // Subs first: a pull under way then stops as a deletion, not as a failure to retry.
  d.removed(video, user);
  try {
    await fsp.rm(d.videoPath(video.id), { force: true });
  } catch (err) {
    // The catalogue no longer names it, so nothing serves it; the bytes are only wasted space.
    d.log.warn(`"${video.name}" (#${video.id}) is deleted but its file could not be removed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  d.log.info(`${user} deleted "${video.name}" (#${video.id})${right === 'operator' ? ' as an operator' : ''}; ${closedRooms} room(s) closed`);
  return { name: video.name, closedRooms };
}
