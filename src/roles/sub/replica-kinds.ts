/**
 * The kinds of file a sub replicates from central: catalogue videos (the sources) and the renditions the
 * media jobs made of them. The Replicator is the same for both; only the folder, the word in logs and the
 * two requests differ.
 */
import type { Peer } from '../../net/peer.js';
import type { VideoInfo } from '../../net/messages.js';
import type { RenditionInfo } from '../../net/job-messages.js';

/** What a replicated file must say about itself (a catalogue video, a rendition). */
export interface ReplicaItem {
  id: number;
  name: string;
  size: number;
  sha256: string;
}

/** One kind of replicated file: where it lives, what logs call it, and how central lists and serves it. */
export interface ReplicaKind<T extends ReplicaItem> {
  folder: string;
  noun: string;
  list(central: Peer): Promise<T[]>;
  chunk(central: Peer, id: number, offset: number, length: number, timeoutMs: number): Promise<{ payload: Buffer | undefined }>;
}

export const VIDEO_REPLICAS: ReplicaKind<VideoInfo> = {
  folder: 'replicas',
  noun: 'replica',
  list: async (central) => (await central.request('replica.list', {})).videos,
  chunk: (central, videoId, offset, length, timeoutMs) => central.requestWithPayload('replica.chunk', { videoId, offset, length }, { timeoutMs }),
};

export const RENDITION_REPLICAS: ReplicaKind<RenditionInfo> = {
  folder: 'renditions',
  noun: 'rendition',
  list: async (central) => (await central.request('rendition.list', {})).renditions,
  chunk: (central, renditionId, offset, length, timeoutMs) => central.requestWithPayload('rendition.chunk', { renditionId, offset, length }, { timeoutMs }),
};
