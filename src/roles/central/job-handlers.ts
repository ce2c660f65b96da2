/**
 * Central's answers to its worker subs (the media-job lease protocol and rendition replication), on a
 * registered sub's control and bulk links: a sub acts only as itself, and only on the leases it holds.
 */
import { PayloadReply, type Peer } from '../../net/peer.js';
import type { JobService } from './jobs.js';
import { storeUnavailable } from './write-queue.js';

export function serveWorkerLink(peer: Peer, subId: string, jobs: JobService, settled: () => Promise<void>): void {
  peer.handle('job.take', (p) => {
    const task = jobs.take(subId, p.have);
    return task ? { task } : {};
  });
  peer.handle('job.renew', (p) => {
    jobs.renew(subId, p.taskId, p.attempt, p.progress);
    return {};
  });
  peer.handle('job.put', (p, ctx) => jobs.put(subId, p, ctx.payload));
  peer.handle('job.done', async (p) => {
    await jobs.done(subId, p);
    // An accepted task is in the database before its worker hears so: a restart never repeats it.
    await settled().catch(storeUnavailable);
    return {};
  });
  peer.handle('job.fail', (p) => {
    jobs.fail(subId, p.taskId, p.attempt, p.error);
    return {};
  });
  peer.handle('job.input', async (p) => {
    const { payload, ...result } = await jobs.input(subId, p);
    return new PayloadReply(result, payload);
  });
  peer.handle('rendition.list', () => ({ renditions: jobs.renditionInfos() }));
  peer.handle('rendition.chunk', async (p) => {
    const { payload, ...result } = await jobs.readRendition(p.renditionId, p.offset, p.length);
    return new PayloadReply(result, payload);
  });
}
