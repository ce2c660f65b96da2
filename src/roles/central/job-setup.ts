/**
 * Central's media jobs, put together: the service over the store's tables and the data folder, the
 * hooks that reach the subs, and who may retry or cancel (as for deleting: the uploader, or an operator
 * with the cluster secret, whose tries at it are rate-limited).
 */
import type { Logger } from '../../core/log.js';
import type { RenditionInfo } from '../../net/job-messages.js';
import type { EventBody, EventName } from '../../net/messages.js';
import { deleteRight } from './delete-video.js';
import type { JobAdminDeps } from './job-admin.js';
import { JobService } from './jobs.js';
import { LEASE_RULES, type LeaseRules } from '../shared/task-lease.js';
import type { CentralStore } from './store.js';

export interface JobSetup {
  dataDir: string;
  store: CentralStore;
  log: Logger;
  toSubs<E extends EventName>(type: E, body: EventBody<E>): void;
  renditionReplicas(renditionId: number): number;
  secretMatches(given: string): boolean;
  secretTry(user: string): number;
  changed(): void;
  leaseMs?: number | undefined;
  attempts?: number | undefined;
}

export function setUpJobs(s: JobSetup): { service: JobService; admin: JobAdminDeps } {
  const rules: LeaseRules = { ...LEASE_RULES, ...(s.leaseMs ? { leaseMs: s.leaseMs } : {}), ...(s.attempts ? { maxAttempts: s.attempts } : {}) };
  const service = new JobService(s.dataDir, s.store, s.store.jobs, s.log, {
    announce: () => {
      s.toSubs('job.available', {});
      s.changed();
    },
    renditionAdded: (rendition: RenditionInfo) => {
      s.toSubs('rendition.added', { rendition });
      s.changed();
    },
    renditionReplicas: s.renditionReplicas,
  }, rules);
  const admin: JobAdminDeps = {
    store: s.store,
    jobs: s.store.jobs,
    service,
    log: s.log,
    mayManage: (user, videoId, secret) => {
      const video = s.store.video(videoId);
      if (!video) return false;
      if (deleteRight(video, user, false)) return true;
      if (secret === undefined || s.secretTry(user) > 0) return false;
      return deleteRight(video, user, s.secretMatches(secret)) !== undefined;
    },
  };
  // Videos published before media jobs existed, or in the instant before a crash: plan them now.
  for (const video of s.store.videos()) if (s.store.jobs.tasksOf(video.id).length === 0) service.plan(video);
  return { service, admin };
}
