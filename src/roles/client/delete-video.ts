/** Deleting a video, shared by `watchparty delete` and the TUI: the operator's secret and the request. */
import type { Peer } from '../../net/peer.js';
import type { Result, VideoInfo } from '../../net/messages.js';
import { readSecretFile } from '../cluster-secret.js';

/**
 * The cluster secret an operator presents to delete someone else's video: `--secret-file`, else
 * WATCHPARTY_SECRET, else none (then only your own uploads can be deleted). Never from the command line.
 */
export function operatorSecret(given: { file?: string | undefined; env?: string | undefined }): string | undefined {
  if (given.file) return readSecretFile(given.file).secret;
  const env = given.env?.trim();
  return env ? env : undefined;
}

/** Ask central (through our sub) to delete `video` everywhere; rooms on it are closed. */
export function deleteVideo(peer: Peer, video: VideoInfo, secret: string | undefined): Promise<Result<'video.delete'>> {
  return peer.request('video.delete', { videoId: video.id, ...(secret ? { secret } : {}) });
}

/** One line saying what happened. */
export function deletedText(r: Result<'video.delete'>): string {
  return `deleted "${r.name}" everywhere${r.closedRooms > 0 ? `; closed ${r.closedRooms} room${r.closedRooms === 1 ? '' : 's'} on it` : ''}`;
}
