/**
 * Central's side of a registered sub's link: the requests a sub makes for itself (session checks,
 * replica chunks) and one handler per relayed request, generated from the relay table. Every relayed
 * message names the user it acts for; central refuses it unless that user is assigned to this sub.
 */
import { PayloadReply, type Peer, type RequestContext } from '../../net/peer.js';
import { CloseCode, type Params, type Result } from '../../net/messages.js';
import { CentralAcceptsFromSub, RELAYED_NAMES, type ActingEvent, type ActingParams, type RelayedName } from '../../net/directions.js';
import { CLUSTER_LIMITS } from '../../net/flow.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import type { AccountService } from './account-service.js';
import type { VideoService } from './videos.js';
import type { RoomService } from './rooms.js';
import type { CentralStore } from './store.js';
import { storeUnavailable } from './write-queue.js';
import type { QuotaBook } from '../shared/quota.js';
import { deleteVideo, type DeleteVideoDeps } from './delete-video.js';
import { centralClock } from './delivery.js';
import type { JobService } from './jobs.js';
import type { TalkService } from './talk.js';
import { cancelJob, jobList, retryTask, type JobAdminDeps } from './job-admin.js';
import { serveWorkerLink } from './job-handlers.js';

export interface SubLinkDeps {
  store: CentralStore;
  accounts: AccountService;
  videos: VideoService;
  rooms: RoomService;
  log: Logger;
  /** Whether `subId` may act for `user` now (assigned, or moving away from it). */
  mayActFor(user: string, subId: string): boolean;
  /** Rate limits on room creation and invitations, per user. */
  quotas: QuotaBook;
  deletion: DeleteVideoDeps;
  jobs: JobService;
  jobAdmin: JobAdminDeps;
  talk: TalkService;
}

/** Relayed requests one user may have running at central at once (all their connections together). */
export const MAX_IN_FLIGHT_PER_USER = 32;

type Out<K extends RelayedName> = Result<K> | PayloadReply<Result<K>> | Promise<Result<K> | PayloadReply<Result<K>>>;
/** One handler for every relayed request: the type system refuses a table with one missing. */
export type RelayHandlers = { [K in RelayedName]: (user: string, params: Params<K>, ctx: RequestContext) => Out<K> };

/** Central's answers to the requests subs relay, each for an already-checked acting user. */
export function relayHandlers(d: SubLinkDeps): RelayHandlers {
  return {
    'users.list': () => ({ users: d.store.userNames() }),
    'notify.list': async (user) => ({ items: await d.store.pendingNotifications(user) }),
    'notify.ack': async (user, p) => {
      await d.store.ackNotifications(user, p.upToId);
      return {};
    },
    'upload.begin': (user, p) => d.videos.begin(user, p),
    'upload.chunk': (user, p, ctx) => d.videos.chunk(user, p.uploadId, p.offset, ctx.payload),
    'upload.finish': (user, p) => d.videos.finish(user, p.uploadId),
    'upload.cancel': (user, p) => d.videos.cancel(user, p.uploadId),
    'videos.list': () => ({ videos: d.videos.list() }),
    'video.delete': (user, p) => deleteVideo(d.deletion, user, p),
    'room.create': (user, p) => {
      const video = d.store.video(p.videoId);
      if (!video) throw new WatchpartyError('UNKNOWN_VIDEO', `no video #${p.videoId}`);
      const now = Date.now();
      const roomWait = d.quotas.take('roomCreate', user, now);
      if (roomWait > 0) throw new WatchpartyError('RATE_LIMITED', `you created many rooms in a short time: try again in ${Math.ceil(roomWait / 1000)} s`);
      const inviteWait = p.invite.length > 0 ? d.quotas.take('invite', user, now, p.invite.length) : 0;
      if (inviteWait > 0) {
        throw new WatchpartyError('RATE_LIMITED', Number.isFinite(inviteWait) ? `you sent many invitations in a short time: try again in ${Math.ceil(inviteWait / 1000)} s` : 'that is more invitations than one room may send');
      }
      return { room: d.rooms.create(user, video, p.invite, (u) => d.store.canonicalUser(u)) };
    },
    'rooms.list': (user) => ({ rooms: d.rooms.list(user) }),
    'room.get': (user, p) => ({ room: d.rooms.snapshot(p.roomId, user), health: d.rooms.healthOf(p.roomId, user) }),
    'room.control': (user, p) => {
      if (p.action === 'seek' && p.positionMs === undefined) throw new WatchpartyError('BAD_INPUT', 'seek needs positionMs');
      if (p.action === 'speed' && p.rate === undefined) throw new WatchpartyError('BAD_INPUT', 'speed needs a rate');
      if (p.action === 'auto-release' && p.on === undefined) throw new WatchpartyError('BAD_INPUT', 'auto-release needs on or off');
      if (p.action === 'tracks' && p.audio === undefined && p.subtitles === undefined) throw new WatchpartyError('BAD_INPUT', 'tracks needs an audio or a subtitle track');
      const input =
        p.action === 'seek'
          ? { type: 'seek' as const, positionMs: p.positionMs! }
          : p.action === 'speed'
            ? { type: 'speed' as const, rate: p.rate! }
            : p.action === 'go'
              ? { type: 'go' as const, ...(p.member ? { users: [p.member] } : {}) }
              : p.action === 'auto-release'
                ? { type: 'autoRelease' as const, on: p.on! }
                : p.action === 'tracks'
                  ? { type: 'tracks' as const, audio: p.audio, subtitles: p.subtitles }
                  : { type: p.action };
      return { room: d.rooms.apply(p.roomId, user, input) };
    },
    'room.members': (user, p) => {
      if (p.action === 'invite') {
        const wait = d.quotas.take('invite', user, Date.now(), p.users.length);
        if (wait > 0) throw new WatchpartyError('RATE_LIMITED', Number.isFinite(wait) ? `you sent many invitations in a short time: try again in ${Math.ceil(wait / 1000)} s` : 'that is more invitations than one room may send');
      }
      return { room: d.rooms.manage(p.roomId, user, p.action, p.users, (u) => d.store.canonicalUser(u)) };
    },
    'room.queue': (user, p) => ({
      room: d.rooms.queue(p.roomId, user, p, (videoId) => {
        const v = d.store.video(videoId);
        if (!v) throw new WatchpartyError('UNKNOWN_VIDEO', `no video #${videoId}`);
        return { videoId: v.id, videoName: v.name, durationMs: v.durationMs };
      }),
    }),
    'room.join': (user, p) => ({ room: d.rooms.apply(p.roomId, user, { type: 'join' }) }),
    'room.leave': (user, p) => {
      d.rooms.apply(p.roomId, user, { type: 'leave' });
      return {};
    },
    'time.sync': () => ({ centralMs: centralClock() }),
    'jobs.list': (_user, p) => ({ tasks: jobList(d.jobAdmin, p.videoId) }),
    'jobs.retry': (user, p) => {
      retryTask(d.jobAdmin, user, p.taskId, p.secret);
      d.jobs.wake();
      return {};
    },
    'chat.send': async (user, p) => ({ line: await d.talk.say(user, p.roomId, p.text) }),
    'chat.history': async (user, p) => ({ lines: await d.talk.history(user, p.roomId, p.afterSeq, p.limit) }),
    'msg.send': async (user, p) => ({ message: await d.talk.send(user, p.to, p.text) }),
    'msg.list': (user, p) => d.talk.list(user, p.afterId, p.limit),
    'msg.ack': (user, p) => d.talk.read(user, p.upToId),
    'msg.block': (user, p) => d.talk.block(user, p.name, p.on),
    'jobs.cancel': (user, p) => {
      const cancelled = cancelJob(d.jobAdmin, user, p.videoId, p.replan ?? false, p.secret);
      return { cancelled };
    },
  };
}

/** Serve a registered sub's link: its own requests, then every relayed one behind the assignment check. */
export function serveSubLink(peer: Peer, subId: string, d: SubLinkDeps): void {
  /** The acting user, canonical, and only if this sub may act for them. */
  const actingUser = (named: string): string => {
    const user = d.store.canonicalUser(named);
    if (!user || !d.mayActFor(user, subId)) {
      d.log.warn(`refused a request from ${subId} acting for a user it does not serve`, { user: named.slice(0, 40) });
      throw new WatchpartyError('NOT_ASSIGNED', `${subId} does not serve that user`);
    }
    return user;
  };
  const handlers = relayHandlers(d);
  // The link itself is never paused (every user of the sub shares it); each user has a share instead.
  const inFlight = new Map<string, number>();
  for (const type of RELAYED_NAMES) {
    const handler = handlers[type] as (user: string, p: Params<RelayedName>, ctx: RequestContext) => Out<RelayedName>;
    peer.handle(type, async (p, ctx) => {
      const { user: named, ...params } = p as ActingParams<RelayedName>;
      const user = actingUser(named);
      const running = inFlight.get(user) ?? 0;
      if (running >= MAX_IN_FLIGHT_PER_USER) throw new WatchpartyError('BUSY', `${user} has ${running} requests running: wait for their replies`);
      inFlight.set(user, running + 1);
      try {
        const out = await handler(user, params as Params<RelayedName>, ctx);
        // What the request changed is in the database before the user hears it was done (a control a
        // client saw accepted survives a kill -9 of central).
        await d.store.settled().catch(storeUnavailable);
        return out as never;
      } finally {
        const left = (inFlight.get(user) ?? 1) - 1;
        if (left <= 0) inFlight.delete(user);
        else inFlight.set(user, left);
      }
    });
  }
  peer.on('room.heartbeat', (body) => {
    const { user, roomId } = body as ActingEvent<'room.heartbeat'>;
    try {
      d.rooms.apply(roomId, actingUser(user), { type: 'heartbeat' });
    } catch (err) {
      d.log.debug(`heartbeat for ${roomId} ignored: ${(err as Error).message}`);
    }
  });
  peer.on('room.presence', (body) => {
    const { user, roomId, report } = body as ActingEvent<'room.presence'>;
    try {
      d.rooms.presence(roomId, actingUser(user), report);
    } catch (err) {
      d.log.debug(`presence for ${roomId} ignored: ${(err as Error).message}`);
    }
  });
  peer.handle('session.check', (p) => d.accounts.checkSession(p.token));
  peer.handle('session.end', async (p) => {
    await d.accounts.logout(p.token, subId);
    return {};
  });
  serveWorkerLink(peer, subId, d.jobs, () => d.store.settled());
  peer.handle('replica.list', () => ({ videos: d.videos.list() }));
  peer.handle('replica.chunk', async (p) => {
    const { payload, ...result } = await d.videos.readChunk(p.videoId, p.offset, p.length);
    return new PayloadReply(result, payload);
  });
}

/**
 * A second connection of a registered sub becomes its bulk link (upload and replica chunks), with the
 * cluster secret; it lives only as long as the sub's control link.
 */
export function serveSubAttach(
  peer: Peer,
  remoteHost: string,
  d: { secretMatches(given: string): boolean; control(subId: string): Peer | undefined; log: Logger; linkDeps(): SubLinkDeps },
): void {
  peer.handle('sub.attach', (p) => {
    const control = d.control(p.subId);
    if (!d.secretMatches(p.secret) || !control) {
      d.log.warn(`refused a bulk link from ${remoteHost} for ${p.subId}: ${control ? 'wrong cluster secret' : 'no such connected sub'}`);
      setTimeout(() => peer.close(CloseCode.badSecret, 'refused'), 50);
      throw new WatchpartyError('BAD_SECRET', 'central refused this bulk link');
    }
    peer.name = `${p.subId} (bulk)`;
    peer.setAccepts(CentralAcceptsFromSub);
    peer.setLimits(CLUSTER_LIMITS);
    peer.markReady();
    serveSubLink(peer, p.subId, d.linkDeps());
    control.onceClosed(() => peer.close(CloseCode.replaced, 'the control link closed'));
    d.log.info(`${p.subId} attached its bulk link (chunks travel apart from probes)`);
    return {};
  });
}
