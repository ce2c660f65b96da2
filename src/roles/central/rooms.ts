/**
 * Central as each room's sequencer: applies controls through the pure `step`, persists the new state,
 * and sends each event, with the state after it, to every member through their sub. A restarted
 * central loads every room as it was.
 */
import crypto from 'node:crypto';
import type { EventBody, MemberHealth, MemberReport, RoomState } from '../../net/messages.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { isMember, newRoom, ROOM_RULES, step, type QueueChange, type Room, type RoomEvent, type RoomInput, type RoomRules } from '../shared/room.js';
import type { CentralStore } from './store.js';
import { readinessInput, READINESS, startLead, type ReadinessRules } from '../shared/readiness.js';
import { withAutoRelease, type StallLog } from '../shared/auto-release.js';
import { HealthBook } from './room-health.js';

/** How often the members' reports are sent out to the room (when they changed). */
const HEALTH_PUSH_MS = 1000;
/** A room's readiness is checked on every report, and by the tick when none came for this long. */
const READINESS_RECHECK_MS = 250;

export interface RoomHooks {
  /** Deliver an event with the room state to these users (through their subs). */
  deliver(users: readonly string[], event: RoomEvent, room: Room): void;
  invite(users: readonly string[], text: string): void;
  /** A room closed: what belongs only to it (its chat) can go. */
  closed(roomId: string): void;
  /** Send the watching members' latest reports to these users. */
  health(users: readonly string[], body: Omit<EventBody<'room.health'>, 'to' | 'sentAtMs'>): void;
}

/** `rules` whose `startLeadMs` is `lead()`, called at most once and only if a transition reads it. */
function withLazyLead(rules: RoomRules, lead: () => number): RoomRules {
  let ms: number | undefined;
  return Object.defineProperty({ ...rules }, 'startLeadMs', { get: () => (ms ??= lead()), enumerable: true });
}

export class RoomService {
  private readonly rooms = new Map<string, Room>();
  private readonly health = new HealthBook();
  /** When each member last made each room wait (for auto-release; memory only). */
  private readonly stalls = new Map<string, StallLog>();
  /** When each room's readiness was last checked. */
  private readonly checkedMs = new Map<string, number>();

  constructor(
    private readonly store: CentralStore,
    private readonly log: Logger,
    private readonly hooks: RoomHooks,
    private readonly rules: RoomRules = ROOM_RULES,
    private readonly readiness: ReadinessRules = READINESS,
  ) {
    // Rooms saved before `watchedMs` existed count as used now, not as idle since their admin's last
    // visit; rooms saved before `speed` existed play at 1×. A present admin counts as heard from now:
    // while no central ran (a restart, a standby taking over) their reports had nowhere to go, and that
    // silence must not pause the room.
    const now = Date.now();
    for (const r of store.rooms()) this.rooms.set(r.id, { ...r, adminSeenMs: r.adminPresent ? Math.max(r.adminSeenMs, now) : r.adminSeenMs, watchedMs: r.watchedMs ?? now, speed: r.speed ?? 1, waitingFor: r.waitingFor ?? [], released: r.released ?? [], autoRelease: r.autoRelease ?? false, muted: r.muted ?? [], queue: r.queue ?? [], suggestions: r.suggestions ?? [] });
    if (this.rooms.size) this.log.info(`loaded ${this.rooms.size} rooms`);
  }

  private get(id: string, user: string): Room {
    const room = this.rooms.get(id);
    if (!room) throw new WatchpartyError('UNKNOWN_ROOM', `no room ${id}`);
    if (!isMember(room, user)) throw new WatchpartyError('NOT_MEMBER', `${user} is not a member of room ${id}`);
    return room;
  }

  list(user: string): RoomState[] {
    return [...this.rooms.values()].filter((r) => !r.closed && isMember(r, user)).sort((a, b) => b.createdMs - a.createdMs);
  }

  all(): Room[] {
    return [...this.rooms.values()].filter((r) => !r.closed);
  }

  snapshot(id: string, user: string): Room {
    return this.get(id, user);
  }

  create(admin: string, video: { id: number; name: string; durationMs: number }, invite: string[], knownUser: (u: string) => string | undefined): Room {
    const names: string[] = [];
    for (const u of invite) {
      const canonical = knownUser(u);
      if (!canonical) throw new WatchpartyError('UNKNOWN_USER', `cannot invite "${u}": no such user`);
      if (!names.some((n) => n.toLowerCase() === canonical.toLowerCase())) names.push(canonical);
    }
    const id = `r-${crypto.randomBytes(4).toString('hex')}`;
    const { room, event } = newRoom({ id, videoId: video.id, videoName: video.name, durationMs: video.durationMs, admin, invite: names, nowMs: Date.now() });
    this.rooms.set(id, room);
    this.store.saveRoom(room);
    this.log.info(`${admin} created room ${id} for "${video.name}" with ${names.join(', ') || 'nobody else'}`);
    const guests = room.members.filter((m) => m.toLowerCase() !== admin.toLowerCase());
    this.hooks.invite(guests, `${admin} invited you to watch "${video.name}" (room ${id})`);
    this.hooks.deliver(room.members, event, room);
    return room;
  }

  /** Apply one input; persists and delivers any events. */
  apply(id: string, user: string, input: RoomInput, nowMs = Date.now()): Room {
    const room = input.type === 'tick' || input.type === 'videoDeleted' || input.type === 'unqueue' || input.type === 'wait' || input.type === 'ready' || input.type === 'release' || input.type === 'caughtUp' ? this.rooms.get(id)! : this.get(id, user);
    // Starts are scheduled as far ahead as the members' links and players need, not a fixed lead.
    const fromPause = room.paused && (input.type === 'play' || input.type === 'ready' || input.type === 'go' || input.type === 'release');
    // Worked out only when a transition schedules a start: ticks and presence apply inputs all the time.
    const lead = () => startLead(room, this.health.of(id), nowMs, this.rules.startLeadMs, this.readiness, fromPause);
    const rules = withLazyLead(this.rules, lead);
    const { room: next, events } = step(room, user, input, nowMs, rules);
    if (next === room) return room;
    this.rooms.set(id, next);
    if (next.closed) {
      this.health.forget(id);
      this.stalls.delete(id);
      this.checkedMs.delete(id);
      if (!room.closed) this.hooks.closed(id);
    }
    for (const gone of room.watching) if (!next.watching.includes(gone)) this.health.forget(id, gone);
    // Heartbeats change only adminSeenMs; persisting them would write to disk every second per room.
    if (events.length > 0 || input.type !== 'heartbeat') this.store.saveRoom(next);
    // A removed member hears of it too, so their player stops.
    const to = [...new Set([...room.members, ...next.members])];
    for (const e of events) {
      this.log.info(`room ${id} #${e.seq}: ${e.text}`);
      this.hooks.deliver(to, e, next);
    }
    return next;
  }

  /** The admin invites users (who get a notification), removes a member, or hands the room over. */
  manage(id: string, admin: string, action: 'invite' | 'remove' | 'handover' | 'mute' | 'unmute', users: string[], knownUser: (u: string) => string | undefined): Room {
    if (action === 'mute' || action === 'unmute') return this.apply(id, admin, { type: 'mute', users, on: action === 'mute' });
    if (action !== 'invite') {
      if (users.length !== 1) throw new WatchpartyError('BAD_INPUT', `${action} takes one user`);
      return this.apply(id, admin, action === 'remove' ? { type: 'remove', user: users[0]! } : { type: 'handover', to: users[0]! });
    }
    const names = users.map((u) => {
      const canonical = knownUser(u);
      if (!canonical) throw new WatchpartyError('UNKNOWN_USER', `cannot invite "${u}": no such user`);
      return canonical;
    });
    const before = this.get(id, admin);
    const after = this.apply(id, admin, { type: 'invite', users: names });
    const added = after.members.filter((m) => !isMember(before, m));
    if (added.length) this.hooks.invite(added, `${admin} invited you to watch "${after.videoName}" (room ${id})`);
    return after;
  }

  /**
   * `by` deleted `videoId`: it leaves every queue, and each room playing it moves on to its queue's head,
   * or closes when nothing is queued; returns how many rooms closed.
   */
  closeForVideo(videoId: number, by: string): number {
    for (const r of this.all()) if (r.queue.some((e) => e.videoId === videoId) || r.suggestions.some((e) => e.videoId === videoId)) this.apply(r.id, by, { type: 'unqueue', videoId });
    return this.all()
      .filter((r) => r.videoId === videoId)
      .filter((r) => this.apply(r.id, by, { type: 'videoDeleted' }).closed).length;
  }

  /** A queue edit or a suggestion; `video` looks a video up in the catalogue (throws UNKNOWN_VIDEO). */
  queue(id: string, user: string, p: { op: 'add' | 'remove' | 'move' | 'accept' | 'reject' | 'next' | 'suggest'; videoId?: number | undefined; index?: number | undefined; to?: number | undefined }, video: (videoId: number) => { videoId: number; videoName: string; durationMs: number }): Room {
    const need = <T,>(v: T | undefined, what: string): T => {
      if (v === undefined) throw new WatchpartyError('BAD_INPUT', `queue ${p.op} needs ${what}`);
      return v;
    };
    const entry = () => ({ ...video(need(p.videoId, 'a video')), by: user });
    // A guest's add is a suggestion (the admin's suggestion is an add): one way in for people and scripts.
    const admin = this.get(id, user).admin.toLowerCase() === user.toLowerCase();
    if (p.op === 'suggest' || (p.op === 'add' && !admin)) return this.apply(id, user, { type: 'suggest', entry: entry() });
    const change: QueueChange =
      p.op === 'add' ? { op: 'add', entry: entry(), at: p.index }
      : p.op === 'move' ? { op: 'move', from: need(p.index, 'the place to move from'), to: need(p.to, 'the place to move to') }
      : p.op === 'next' ? { op: 'next' }
      : { op: p.op, index: need(p.index, 'a place in the list') };
    return this.apply(id, user, { type: 'queue', change });
  }

  /** Mark `users` as no longer watching any room (their sub died under them). */
  leaveAll(users: readonly string[]): void {
    if (users.length === 0) return;
    const gone = new Set(users.map((u) => u.toLowerCase()));
    for (const r of this.all()) {
      for (const w of r.watching) if (gone.has(w.toLowerCase())) this.apply(r.id, w, { type: 'leave' });
    }
  }

  /** A watching member's report of its player: kept, counted as the admin's heartbeat, and acted on. */
  presence(id: string, user: string, report: MemberReport, nowMs = Date.now()): void {
    const room = this.get(id, user);
    if (room.closed || !room.watching.some((w) => w.toLowerCase() === user.toLowerCase())) return;
    this.health.record(id, user, report, nowMs);
    if (room.admin.toLowerCase() === user.toLowerCase()) this.apply(id, user, { type: 'heartbeat' }, nowMs);
    this.checkReadiness(id, nowMs);
  }

  /** The watching members' latest reports. */
  healthOf(id: string, user: string, nowMs = Date.now()): MemberHealth[] {
    const room = this.get(id, user);
    return this.health.view(id, room.watching, nowMs);
  }

  /** Let the members' reports move the room: wait for a member who ran dry, play on once all are ready. */
  private checkReadiness(id: string, nowMs: number): void {
    const room = this.rooms.get(id);
    if (!room || room.closed) return;
    this.checkedMs.set(id, nowMs);
    const asked = readinessInput(room, this.health.of(id), nowMs, this.readiness);
    if (!asked) return;
    const { inputs, log } = withAutoRelease(room, asked, this.stalls.get(id) ?? new Map(), nowMs);
    if (log.size > 0) this.stalls.set(id, log);
    else this.stalls.delete(id);
    for (const input of inputs) {
      const by = input.type === 'wait' || input.type === 'release' ? input.users[0]! : input.type === 'caughtUp' ? input.user : room.admin;
      this.apply(id, by, input, nowMs);
    }
  }

  /**
   * Check every open room for a silent admin, for having gone unused so long that it closes, and for
   * waits that are over; send out the reports that changed.
   */
  tick(nowMs: number): void {
    for (const r of this.rooms.values()) {
      if (r.closed) continue;
      this.apply(r.id, 'central', { type: 'tick' }, nowMs);
      // Reports check their room as they come; the tick catches what only time changes (a report
      // going stale, a wait running out), for which a few hundred ms are nothing.
      if (nowMs - (this.checkedMs.get(r.id) ?? -Infinity) >= READINESS_RECHECK_MS) this.checkReadiness(r.id, nowMs);
    }
    for (const id of this.health.takeDue(nowMs, HEALTH_PUSH_MS)) {
      const room = this.rooms.get(id);
      if (room && !room.closed) this.hooks.health(room.watching, { roomId: id, members: this.health.view(id, room.watching, nowMs) });
    }
  }
}
