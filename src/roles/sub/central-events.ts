/**
 * What central asks of and tells a registered sub on its control link, besides probes and the users'
 * traffic (client-sessions.ts): catalogue changes, media tasks, a drain, and, for a central that took
 * over the leadership on another machine, the bytes of the videos and renditions it lacks.
 */
import fsp from 'node:fs/promises';
import { PayloadReply, type Peer } from '../../net/peer.js';
import type { RenditionInfo } from '../../net/job-messages.js';
import { WatchpartyError } from '../../core/errors.js';
import { readChunk } from '../files.js';
import type { Replicator } from './replicas.js';
import type { Worker } from './worker.js';
import type { SubDrain } from './drain.js';

export interface CentralEventDeps {
  name(): string;
  replicas: Replicator;
  renditions: Replicator<RenditionInfo>;
  worker: Worker;
  drain: SubDrain;
}

export function serveCentralEvents(peer: Peer, d: CentralEventDeps): void {
  peer.handle('replica.read', async (p) => {
    const file = (p.kind === 'video' ? d.replicas : d.renditions).file(p.itemId);
    if (!file) throw new WatchpartyError('UNKNOWN_VIDEO', `${d.name()} holds no verified replica of ${p.kind} #${p.itemId}`);
    const { payload, ...result } = await readChunk(file, (await fsp.stat(file)).size, p.offset, p.length);
    return new PayloadReply(result, payload);
  });
  peer.on('sub.draining', (body) => {
    // No new media tasks: the ones under way lose their leases and go to another sub.
    d.worker.stop();
    d.drain.begin(body.timeoutMs, body.otherSubs);
  });
  peer.on('video.added', (body) => d.replicas.added(body.video));
  peer.on('video.removed', (body) => {
    d.replicas.removed(body.videoId);
    // Its renditions leave the list too: the next comparison drops them.
    void d.renditions.sync();
  });
  peer.on('rendition.added', (body) => d.renditions.added(body.rendition));
  peer.on('job.available', () => void d.worker.poll());
}
