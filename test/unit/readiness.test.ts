import { describe, expect, it } from 'vitest';
import { newRoom, step, type Room, type RoomInput } from '../../src/roles/shared/room.js';
import { isReady, READINESS, readinessInput, startLead, type HealthEntry } from '../../src/roles/shared/readiness.js';
import { thrown } from '../helpers/thrown.js';

const T0 = 1_700_000_000_000;
const LEAD = 400;

/** ann's room with bob and cy, all watching, playing since T0 (admin present). */
function playing(): Room {
  let room = newRoom({ id: 'r-1', videoId: 1, videoName: 'v.mkv', durationMs: 600_000, admin: 'ann', invite: ['bob', 'cy'], nowMs: T0 }).room;
  for (const u of ['ann', 'bob', 'cy']) room = step(room, u, { type: 'join' }, T0).room;
  return step(room, 'ann', { type: 'play' }, T0).room;
}

const h = (over: Partial<HealthEntry> = {}): HealthEntry => ({ state: 'playing', bufferedMs: 8000, eof: false, atMs: T0 + 10_000, ...over });
const book = (entries: Record<string, HealthEntry>) => new Map(Object.entries(entries));
const apply = (room: Room, by: string, input: RoomInput, at: number) => step(room, by, input, at);

describe('readiness: when a room waits', () => {
  it('a holder who ran dry while the room plays makes it wait, naming them and their buffer', () => {
    const input = readinessInput(playing(), book({ ann: h(), bob: h({ state: 'stalled', bufferedMs: 1200 }), cy: h() }), T0 + 10_000);
    expect(input).toEqual({ type: 'wait', users: ['bob'], why: 'buffering 1.2 / 3 s' });
  });

  it('healthy members, a stale report, or a member loading (a late joiner) do not stop the room', () => {
    const room = playing();
    expect(readinessInput(room, book({ ann: h(), bob: h(), cy: h() }), T0 + 10_000)).toBeUndefined();
    expect(readinessInput(room, book({ bob: h({ state: 'stalled', atMs: T0 }) }), T0 + 10_000)).toBeUndefined();
    expect(readinessInput(room, book({ cy: h({ state: 'loading', bufferedMs: 0 }) }), T0 + 10_000)).toBeUndefined();
  });

  it('a released member who runs dry does not stop the room', () => {
    let room = apply(playing(), 'bob', { type: 'wait', users: ['bob'], why: 'buffering' }, T0 + 10_000).room;
    room = apply(room, 'ann', { type: 'go' }, T0 + 11_000).room;
    expect(readinessInput(room, book({ bob: h({ state: 'stalled', bufferedMs: 0, atMs: T0 + 12_000 }) }), T0 + 12_000)).toBeUndefined();
  });
});

describe('readiness: when a waiting room plays on', () => {
  const waiting = () => apply(playing(), 'bob', { type: 'wait', users: ['bob'], why: 'buffering' }, T0 + 10_000).room;

  it('once every holder has refilled to the resume mark (hysteresis: a little is not enough)', () => {
    const room = waiting();
    const at = T0 + 12_000;
    expect(readinessInput(room, book({ ann: h({ state: 'paused', atMs: at }), bob: h({ state: 'paused', bufferedMs: 1500, atMs: at }), cy: h({ state: 'paused', atMs: at }) }), at)).toBeUndefined();
    expect(readinessInput(room, book({ ann: h({ state: 'paused', atMs: at }), bob: h({ state: 'paused', bufferedMs: READINESS.resumeBufferedMs, atMs: at }) }), at)).toEqual({ type: 'ready' });
  });

  it('a member holding the rest of the file is ready whatever its buffer', () => {
    expect(isReady(h({ state: 'paused', bufferedMs: 200, eof: true }), T0 + 10_000)).toBe(true);
    expect(isReady(h({ state: 'seeking', bufferedMs: 9000 }), T0 + 10_000)).toBe(false);
  });

  it('someone else running dry while it waits joins the wait', () => {
    const at = T0 + 12_000;
    expect(readinessInput(waiting(), book({ bob: h({ state: 'paused', bufferedMs: 500, atMs: at }), cy: h({ state: 'paused', bufferedMs: 100, atMs: at }) }), at)).toEqual({ type: 'wait', users: ['bob', 'cy'], why: 'buffering' });
  });

  it('a member only seeking onto the wait frame holds the start but does not change whom the room waits for', () => {
    const at = T0 + 12_000;
    // ann seeks (her buffer is full): not news while bob is still short, and no start until she is paused.
    expect(readinessInput(waiting(), book({ ann: h({ state: 'seeking', atMs: at }), bob: h({ state: 'paused', bufferedMs: 500, atMs: at }) }), at)).toBeUndefined();
    expect(readinessInput(waiting(), book({ ann: h({ state: 'seeking', atMs: at }), bob: h({ state: 'paused', atMs: at }) }), at)).toBeUndefined();
    expect(readinessInput(waiting(), book({ ann: h({ state: 'paused', atMs: at }), bob: h({ state: 'paused', atMs: at }) }), at)).toEqual({ type: 'ready' });
  });

  it('a wait is bounded: after maxWaitMs it goes on without the members still filling', () => {
    const at = T0 + 10_000 + READINESS.maxWaitMs + 1;
    expect(readinessInput(waiting(), book({ bob: h({ state: 'paused', bufferedMs: 500, atMs: at }) }), at)).toEqual({ type: 'release', users: ['bob'], why: 'still buffering after 30 s' });
  });

  it('a released member back on the frame with a healthy buffer holds the room again', () => {
    let room = apply(waiting(), 'ann', { type: 'go' }, T0 + 11_000).room;
    const at = T0 + 20_000;
    expect(readinessInput(room, book({ bob: h({ offsetMs: 300, atMs: at }) }), at)).toBeUndefined();
    expect(readinessInput(room, book({ bob: h({ offsetMs: -12, atMs: at }) }), at)).toEqual({ type: 'caughtUp', user: 'bob' });
    room = apply(room, 'bob', { type: 'caughtUp', user: 'bob' }, at).room;
    expect(room.released).toEqual([]);
  });
});

describe('room: the waiting inputs', () => {
  it('wait pauses a playing room on one frame for everyone and says who it waits for', () => {
    const { room, events } = apply(playing(), 'bob', { type: 'wait', users: ['bob'], why: 'buffering 0.0 / 3 s' }, T0 + LEAD + 10_000);
    expect(room).toMatchObject({ paused: true, positionMs: 10_000, waitingFor: ['bob'] });
    expect(events.map((e) => [e.change, e.text])).toEqual([['waiting', 'waiting for bob (buffering 0.0 / 3 s) at 0:10']]);
  });

  it('ready plays on together after the start lead, from the frame it waited on', () => {
    const waited = apply(playing(), 'bob', { type: 'wait', users: ['bob'], why: 'b' }, T0 + LEAD + 10_000).room;
    const { room, events } = apply(waited, 'ann', { type: 'ready' }, T0 + LEAD + 14_000);
    expect(room).toMatchObject({ paused: false, positionMs: 10_000, atMs: T0 + 2 * LEAD + 14_000, waitingFor: [] });
    expect(events[0]!.text).toBe('everyone is ready: playing from 0:10');
  });

  it('the admin pausing a waiting room keeps it paused when everyone is ready', () => {
    let room = apply(playing(), 'bob', { type: 'wait', users: ['bob'], why: 'b' }, T0 + 10_000).room;
    room = apply(room, 'ann', { type: 'pause' }, T0 + 11_000).room;
    expect(room.waitingFor).toEqual([]);
    expect(apply(room, 'ann', { type: 'ready' }, T0 + 12_000).events).toEqual([]);
  });

  it('go: the admin goes on without the members it waits for; the room plays at once', () => {
    const waited = apply(playing(), 'bob', { type: 'wait', users: ['bob'], why: 'b' }, T0 + LEAD + 10_000).room;
    const { room, events } = apply(waited, 'ann', { type: 'go' }, T0 + LEAD + 11_000);
    expect(room).toMatchObject({ paused: false, waitingFor: [], released: ['bob'], atMs: T0 + 2 * LEAD + 11_000 });
    expect(events[0]!.text).toBe('ann went on without bob: playing from 0:10');
  });

  it('go is the admin’s, and needs someone to go on without', () => {
    const waited = apply(playing(), 'bob', { type: 'wait', users: ['bob'], why: 'b' }, T0 + 10_000).room;
    expect(thrown(() => step(waited, 'cy', { type: 'go' }, T0 + 11_000)).code).toBe('NOT_ADMIN');
    expect(thrown(() => step(playing(), 'ann', { type: 'go' }, T0 + 11_000)).code).toBe('NOT_WAITING');
    expect(thrown(() => step(waited, 'ann', { type: 'go', users: ['zed'] }, T0 + 11_000))).toMatchObject({ code: 'NOT_WAITING', message: expect.stringMatching(/zed is not holding the room/) });
  });

  it('go for one member of two keeps waiting for the other', () => {
    const waited = apply(playing(), 'bob', { type: 'wait', users: ['bob', 'cy'], why: 'b' }, T0 + 10_000).room;
    const { room } = apply(waited, 'ann', { type: 'go', users: ['Bob'] }, T0 + 11_000);
    expect(room).toMatchObject({ paused: true, waitingFor: ['cy'], released: ['bob'] });
  });

  it('a member who leaves is no longer waited for or released', () => {
    const waited = apply(playing(), 'bob', { type: 'wait', users: ['bob'], why: 'b' }, T0 + LEAD + 10_000).room;
    const { room, events } = apply(waited, 'bob', { type: 'leave' }, T0 + LEAD + 11_000);
    expect(room).toMatchObject({ waitingFor: [], released: [], paused: false, atMs: T0 + 2 * LEAD + 11_000 });
    expect(events[0]!.text).toBe('bob left: playing from 0:10');
  });

  it('a repeated wait for the same members says nothing new', () => {
    const waited = apply(playing(), 'bob', { type: 'wait', users: ['bob'], why: 'b' }, T0 + 10_000).room;
    expect(apply(waited, 'bob', { type: 'wait', users: ['bob'], why: 'b' }, T0 + 10_500).events).toEqual([]);
  });
});

describe('readiness: the start lead', () => {
  const at = T0 + 10_000;
  it('follows the slowest holder: half its round trip plus its seek cost, with a margin', () => {
    const lead = startLead(playing(), book({ ann: h({ rttMs: 2, seekCostMs: 40, atMs: at }), bob: h({ rttMs: 80, seekCostMs: 90, atMs: at }), cy: h({ rttMs: 1, seekCostMs: 20, atMs: at }) }), at, 400);
    expect(lead).toBe(40 + 90 + READINESS.leadMarginMs);
  });
  it('is never below the floor, nor above the cap', () => {
    const tiny = book({ ann: h({ rttMs: 0.5, seekCostMs: 5, atMs: at }), bob: h({ rttMs: 0.5, seekCostMs: 5, atMs: at }), cy: h({ rttMs: 0.5, seekCostMs: 5, atMs: at }) });
    expect(startLead(playing(), tiny, at, 400)).toBe(READINESS.minLeadMs);
    const huge = book({ ann: h({ rttMs: 9000, seekCostMs: 5000, atMs: at }), bob: h({ rttMs: 1, seekCostMs: 5, atMs: at }), cy: h({ rttMs: 1, seekCostMs: 5, atMs: at }) });
    expect(startLead(playing(), huge, at, 400)).toBe(READINESS.maxLeadMs);
  });
  it('from pause, a holder paused on the frame needs no seek: only the news has to reach it', () => {
    const paused = step(playing(), 'ann', { type: 'pause' }, T0 + 5000).room;
    const members = book({ ann: h({ state: 'paused', rttMs: 2, seekCostMs: 140, atMs: at }), bob: h({ state: 'paused', rttMs: 60, seekCostMs: 150, atMs: at }), cy: h({ state: 'paused', rttMs: 1, seekCostMs: 120, atMs: at }) });
    expect(startLead(paused, members, at, 400, READINESS, true)).toBe(Math.max(READINESS.minLeadMs, 30 + READINESS.leadMarginMs));
    // One still seeking onto the frame does need its seek.
    members.set('cy', h({ state: 'seeking', rttMs: 1, seekCostMs: 120, atMs: at }));
    expect(startLead(paused, members, at, 400, READINESS, true)).toBe(Math.round(0.5 + 120 + READINESS.leadMarginMs));
    // A seek (not from pause) needs everyone's.
    expect(startLead(paused, members, at, 400, READINESS, false)).toBe(30 + 150 + READINESS.leadMarginMs);
  });

  it("covers a holder's queue on the way down: news lately arriving late sets the lead, not the quiet round trip", () => {
    const paused = step(playing(), 'ann', { type: 'pause' }, T0 + 5000).room;
    // bob's round trip was 12 ms once, but the room's messages reach him 260 ms late while he downloads.
    const members = book({ ann: h({ state: 'paused', rttMs: 2, seekCostMs: 40, atMs: at }), bob: h({ state: 'paused', rttMs: 12, seekCostMs: 90, deliveryMs: 260, atMs: at }), cy: h({ state: 'paused', rttMs: 1, seekCostMs: 20, deliveryMs: 3, atMs: at }) });
    expect(startLead(paused, members, at, 400, READINESS, true)).toBe(260 + READINESS.leadMarginMs);
    expect(startLead(paused, members, at, 400, READINESS, false)).toBe(260 + 90 + READINESS.leadMarginMs);
    // A delivery faster than half the round trip (a queue on the way up) leaves the round trip in charge.
    members.set('bob', h({ state: 'paused', rttMs: 200, seekCostMs: 90, deliveryMs: 20, atMs: at }));
    expect(startLead(paused, members, at, 400, READINESS, true)).toBe(100 + READINESS.leadMarginMs);
  });

  it('falls back while any holder has not reported (an older client, one still loading)', () => {
    expect(startLead(playing(), book({ ann: h({ rttMs: 2, seekCostMs: 40, atMs: at }) }), at, 400)).toBe(400);
  });
});
