import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../src/core/errors.js';
import { clock, newRoom, positionAt, ROOM_RULES, roomSpeed, stepSpeed, step, type Room, type RoomEvent, type RoomInput } from '../../src/roles/shared/room.js';
import { thrown } from '../helpers/thrown.js';

const T0 = 1_700_000_000_000;
const LEAD = ROOM_RULES.startLeadMs;
const SILENCE = ROOM_RULES.adminSilenceMs;
const DURATION = 600_000;

/** One input: who sends it, what it is, and central's clock when it arrives (ms after T0). */
type Step = [by: string, input: RoomInput, atMs: number];

const play: RoomInput = { type: 'play' };
const pause: RoomInput = { type: 'pause' };
const seek = (positionMs: number): RoomInput => ({ type: 'seek', positionMs });
const close: RoomInput = { type: 'close' };
const heartbeat: RoomInput = { type: 'heartbeat' };
const join: RoomInput = { type: 'join' };
const leave: RoomInput = { type: 'leave' };
const tick: RoomInput = { type: 'tick' };

/** A frozen copy, so a `step` that changed the room it was given would throw. */
function frozen(room: Room): Room {
  Object.freeze(room.members);
  Object.freeze(room.watching);
  return Object.freeze(room);
}

/** alice's room for a 10-minute video, with bob and carol invited, created at T0. */
function created(): Room {
  return frozen(newRoom({ id: 'r-1', videoId: 7, videoName: 'Movie.mp4', durationMs: DURATION, admin: 'alice', invite: ['bob', 'carol'], nowMs: T0 }).room);
}

/** Apply the steps in order; returns the final room and every event. */
function run(steps: Step[], from: Room = created()): { room: Room; events: RoomEvent[] } {
  let room = from;
  const events: RoomEvent[] = [];
  for (const [by, input, at] of steps) {
    const out = step(room, by, input, T0 + at);
    room = frozen(out.room);
    events.push(...out.events);
  }
  return { room, events };
}

/** Run `before`, then one more step: the room before it, after it, and the events of that step only. */
function then(before: Step[], last: Step): { prev: Room; room: Room; events: RoomEvent[] } {
  const prev = run(before).room;
  const { room, events } = run([last], prev);
  return { prev, room, events };
}


describe('clock', () => {
  it.each<[number, string]>([
    [0, '0:00'],
    [999, '0:00'],
    [1000, '0:01'],
    [12_000, '0:12'],
    [59_999, '0:59'],
    [61_000, '1:01'],
    [600_000, '10:00'],
    [3_599_999, '59:59'],
    [3_600_000, '1:00:00'],
    [3_723_000, '1:02:03'],
    [36_000_000, '10:00:00'],
  ])('%d ms → %s', (ms, text) => {
    expect(clock(ms)).toBe(text);
  });
});

describe('newRoom', () => {
  it('starts paused at 0 with seq 1 and a created event', () => {
    const { room, event } = newRoom({ id: 'r-1', videoId: 7, videoName: 'Movie.mp4', durationMs: DURATION, admin: 'alice', invite: ['bob'], nowMs: T0 });
    expect(room).toEqual({
      id: 'r-1',
      videoId: 7,
      videoName: 'Movie.mp4',
      durationMs: DURATION,
      admin: 'alice',
      members: ['alice', 'bob'],
      watching: [],
      paused: true,
      positionMs: 0,
      atMs: T0,
      speed: 1,
      seq: 1,
      adminPresent: false,
      adminSeenMs: T0,
      resumeWhenAdminBack: false,
      closed: false,
      createdMs: T0,
      waitingFor: [],
      released: [],
      autoRelease: false,
      muted: [],
      queue: [],
      suggestions: [],
    });
    expect(event).toEqual({ roomId: 'r-1', seq: 1, change: 'created', by: 'alice', text: 'alice created a room for Movie.mp4' });
  });

  it.each<[string[], string[]]>([
    [[], ['alice']],
    [['bob'], ['alice', 'bob']],
    [['bob', 'carol'], ['alice', 'bob', 'carol']],
    [['alice', 'bob'], ['alice', 'bob']],
    [['bob', 'alice'], ['alice', 'bob']],
    [['ALICE', 'bob', 'Alice'], ['alice', 'bob']],
  ])('invite %j → members %j (admin first, never twice)', (invite, members) => {
    const { room } = newRoom({ id: 'r-1', videoId: 7, videoName: 'Movie.mp4', durationMs: DURATION, admin: 'alice', invite, nowMs: T0 });
    expect(room.members).toEqual(members);
  });
});

describe('positionAt', () => {
  const at = 10_000;
  it.each<[string, { paused: boolean; positionMs: number }, number, number]>([
    // what, state (atMs 10 000, duration 600 000), now, expected
    ['paused, long after atMs', { paused: true, positionMs: 5000 }, 50_000, 5000],
    ['paused, before atMs', { paused: true, positionMs: 5000 }, 0, 5000],
    ['playing, before atMs (scheduled start)', { paused: false, positionMs: 5000 }, 9_600, 5000],
    ['playing, exactly at atMs', { paused: false, positionMs: 5000 }, at, 5000],
    ['playing, 1 ms after atMs', { paused: false, positionMs: 5000 }, at + 1, 5001],
    ['playing, 12.5 s after atMs', { paused: false, positionMs: 5000 }, at + 12_500, 17_500],
    ['playing, runs into the end: clamped to the duration', { paused: false, positionMs: 590_000 }, at + 20_000, DURATION],
    ['playing, exactly reaching the end', { paused: false, positionMs: 590_000 }, at + 10_000, DURATION],
    ['paused past the end: clamped to the duration', { paused: true, positionMs: DURATION + 1 }, at, DURATION],
    ['negative position: clamped to 0', { paused: true, positionMs: -50 }, at, 0],
  ])('%s', (_what, state, nowMs, expected) => {
    expect(positionAt({ ...state, atMs: at, durationMs: DURATION }, nowMs)).toBe(expected);
  });
});

describe('who may do what', () => {
  const guestControls: [string, RoomInput][] = [
    ['play', play],
    ['pause', pause],
    ['seek', seek(1000)],
    ['speed', { type: 'speed', rate: 2 }],
    ['close', close],
  ];

  describe.each<[string, Step[]]>([
    ['paused room', []],
    ['playing room', [['alice', play, 0]]],
  ])('on a %s', (_state, before) => {
    it.each(guestControls)('a guest cannot %s: NOT_ADMIN naming the admin', (_name, input) => {
      const room = run(before).room;
      for (const guest of ['bob', 'Carol']) {
        const err = thrown(() => step(room, guest, input, T0 + 1000));
        expect(err.code).toBe('NOT_ADMIN');
        expect(err.message).toContain('alice');
      }
    });
  });

  it.each<[string, RoomInput]>([...guestControls, ['heartbeat', heartbeat], ['join', join], ['leave', leave]])(
    'a non-member cannot %s: NOT_MEMBER',
    (_name, input) => {
      const err = thrown(() => step(created(), 'mallory', input, T0 + 1000));
      expect(err.code).toBe('NOT_MEMBER');
      expect(err.message).toContain('mallory');
    },
  );

  it('the admin is recognised whatever the case', () => {
    const { room, events } = run([['ALICE', play, 1000]]);
    expect(room.paused).toBe(false);
    expect(events.map((e) => e.change)).toEqual(['play']);
  });

  it.each<[string, Step]>([
    ['guest join', ['bob', join, 1000]],
    ['guest heartbeat', ['bob', heartbeat, 1000]],
    ['guest leave', ['bob', leave, 1000]],
  ])('a guest may %s', (_what, last) => {
    expect(() => then([], last)).not.toThrow();
  });
});

describe('a closed room', () => {
  const closed = (): Room => run([['alice', play, 0], ['bob', join, 100], ['alice', close, 5000]]).room;
  const everything: [string, RoomInput][] = [
    ['play', play],
    ['pause', pause],
    ['seek', seek(1000)],
    ['close', close],
    ['heartbeat', heartbeat],
    ['join', join],
    ['leave', leave],
  ];

  it.each(everything)('refuses %s from the admin or a guest with ROOM_CLOSED', (_name, input) => {
    const room = closed();
    for (const by of ['alice', 'bob']) {
      expect(thrown(() => step(room, by, input, T0 + 6000)).code).toBe('ROOM_CLOSED');
    }
  });

  it('still refuses non-members with NOT_MEMBER', () => {
    expect(thrown(() => step(closed(), 'mallory', play, T0 + 6000)).code).toBe('NOT_MEMBER');
  });

  it('ignores ticks, even long after the admin went silent', () => {
    const room = closed();
    const out = step(room, 'central', tick, T0 + 60_000);
    expect(out.events).toEqual([]);
    expect(out.room).toEqual(room);
  });
});

describe('play', () => {
  it('from paused: starts from the current position after the start lead, with one event', () => {
    const { prev, room, events } = then([['alice', seek(12_000), 100]], ['alice', play, 1000]);
    expect(room).toMatchObject({ paused: false, positionMs: 12_000, atMs: T0 + 1000 + LEAD, seq: prev.seq + 1, resumeWhenAdminBack: true, adminPresent: true });
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'play', by: 'alice', text: 'alice played at 0:12' }]);
  });

  it.each<[string, Step[], number, number, string]>([
    // what, before, play at, expected position, clock in the text
    ['a new room', [], 1000, 0, '0:00'],
    ['after a pause at 1:15', [['alice', play, 0], ['alice', pause, LEAD + 75_500]], 90_000, 75_500, '1:15'],
    ['after seeking past the end', [['alice', seek(10_000_000), 0]], 1000, DURATION, '10:00'],
  ])('from %s', (_what, before, at, positionMs, text) => {
    const { room, events } = then(before, ['alice', play, at]);
    expect(room).toMatchObject({ paused: false, positionMs, atMs: T0 + at + LEAD });
    expect(events.map((e) => e.text)).toEqual([`alice played at ${text}`]);
  });

  it('when already playing: no event, seq and schedule unchanged', () => {
    const { prev, room, events } = then([['alice', play, 0]], ['alice', play, 30_000]);
    expect(events).toEqual([]);
    expect(room).toMatchObject({ seq: prev.seq, paused: false, positionMs: prev.positionMs, atMs: prev.atMs });
  });

  it('the expected position then advances from the start instant', () => {
    const { room } = then([['alice', seek(12_000), 100]], ['alice', play, 1000]);
    expect(positionAt(room, T0 + 1000)).toBe(12_000);
    expect(positionAt(room, T0 + 1000 + LEAD)).toBe(12_000);
    expect(positionAt(room, T0 + 1000 + LEAD + 2500)).toBe(14_500);
  });
});

describe('pause', () => {
  it.each<[string, number, number, string]>([
    // what, pause at (play was at 0, start at LEAD), expected position, clock
    ['while playing', LEAD + 75_500, 75_500, '1:15'],
    ['before the scheduled start', LEAD - 1, 0, '0:00'],
    ['after the end', LEAD + 2 * DURATION, DURATION, '10:00'],
  ])('%s: freezes the position at that instant', (_what, at, positionMs, text) => {
    const { prev, room, events } = then([['alice', play, 0]], ['alice', pause, at]);
    expect(room).toMatchObject({ paused: true, positionMs, atMs: T0 + at, seq: prev.seq + 1, resumeWhenAdminBack: false });
    expect(positionAt(room, T0 + at + 60_000)).toBe(positionMs);
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'pause', by: 'alice', text: `alice paused at ${text}` }]);
  });

  it.each<[string, Step[]]>([
    ['a new room', []],
    ['a paused room', [['alice', play, 0], ['alice', pause, 5000]]],
  ])('on %s: no event, nothing moves', (_what, before) => {
    const { prev, room, events } = then(before, ['alice', pause, 20_000]);
    expect(events).toEqual([]);
    expect(room).toMatchObject({ seq: prev.seq, paused: true, positionMs: prev.positionMs, atMs: prev.atMs });
  });
});

describe('seek', () => {
  it.each<[string, Step[], number, number, boolean, number]>([
    // what, before, target, expected position, paused, atMs − now
    ['paused', [], 30_000, 30_000, true, 0],
    ['paused, negative target', [], -5000, 0, true, 0],
    ['paused, past the end', [], DURATION + 1, DURATION, true, 0],
    ['paused, exactly the end', [], DURATION, DURATION, true, 0],
    ['paused, fractional target is rounded', [], 1234.6, 1235, true, 0],
    ['playing', [['alice', play, 0]], 30_000, 30_000, false, LEAD],
    ['playing, negative target', [['alice', play, 0]], -1, 0, false, LEAD],
    ['playing, past the end', [['alice', play, 0]], 10_000_000, DURATION, false, LEAD],
  ])('%s: to %d', (_what, before, target, positionMs, paused, lead) => {
    const at = 50_000;
    const { prev, room, events } = then(before, ['alice', seek(target), at]);
    expect(room).toMatchObject({ positionMs, paused, atMs: T0 + at + lead, seq: prev.seq + 1 });
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'seek', by: 'alice', text: `alice jumped to ${clock(positionMs)}` }]);
  });

  it('while playing, every member sees the new position hold until the common start', () => {
    const { room } = then([['alice', play, 0]], ['alice', seek(30_000), 50_000]);
    expect(positionAt(room, T0 + 50_000)).toBe(30_000);
    expect(positionAt(room, T0 + 50_000 + LEAD)).toBe(30_000);
    expect(positionAt(room, T0 + 50_000 + LEAD + 1000)).toBe(31_000);
  });
});

describe('total order and determinism', () => {
  const script: Step[] = [
    ['alice', join, 10],
    ['bob', join, 20],
    ['bob', heartbeat, 30],
    ['alice', play, 1000],
    ['alice', heartbeat, 2000],
    ['carol', join, 2500],
    ['central', tick, 3000],
    ['alice', seek(90_000), 4000],
    ['bob', join, 4100], // already watching
    ['alice', pause, 9000],
    ['alice', pause, 9100], // already paused
    ['bob', leave, 9500],
    ['alice', play, 12_000],
    ['central', tick, 15_000], // admin silent for 3000 ms: not yet
    ['alice', close, 20_000],
  ];

  it('events come out in the order of the inputs with seq increasing by 1', () => {
    const { room, events } = run(script);
    expect(events.map((e) => e.change)).toEqual(['member.joined', 'member.joined', 'play', 'member.joined', 'seek', 'pause', 'member.left', 'play', 'closed']);
    expect(events.map((e) => e.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(events.every((e) => e.roomId === 'r-1')).toBe(true);
    expect(room.seq).toBe(10);
  });

  it('replaying the same inputs from the same room gives the same events and state', () => {
    const start = created();
    const a = run(script, start);
    const b = run(script, start);
    expect(b.events).toEqual(a.events);
    expect(b.room).toEqual(a.room);
    // And the start room was not modified by either run (it is frozen; this checks the values too).
    expect(start).toEqual(created());
  });

  it('the final state follows from the inputs', () => {
    const { room } = run(script);
    // The seek at 4000 starts 90 000 at 4000 + LEAD; the pause at 9000 stops at 94 600; the play at
    // 12 000 restarts at 12 000 + LEAD; the close at 20 000 freezes 94 600 + 7600.
    expect(room).toMatchObject({ closed: true, paused: true, positionMs: 102_200, watching: ['alice', 'carol'] });
  });
});

describe('admin presence', () => {
  // alice plays at 1000 (start at 1000 + LEAD, from 0); then the last sign of life.
  const played: Step = ['alice', play, 1000];

  it.each<[string, Step[], number]>([
    // what, steps after the play, time the silence is counted from
    ['the play itself', [], 1000],
    ['a heartbeat', [['alice', heartbeat, 2000]], 2000],
    ['a seek', [['alice', seek(0), 2500]], 2500],
    ['a join', [['alice', join, 1500]], 1500],
    ['a heartbeat with another case', [['ALICE', heartbeat, 2200]], 2200],
    ['a repeated play (no event)', [['alice', play, 2700]], 2700],
    ['not a guest heartbeat', [['bob', heartbeat, 2000]], 1000],
    ['not a leave', [['alice', leave, 2000]], 1000],
  ])('silence is counted from %s', (_what, after, lastSeen) => {
    const before = [played, ...after];
    const quiet = then(before, ['central', tick, lastSeen + SILENCE]);
    expect(quiet.events).toEqual([]);
    expect(quiet.room).toMatchObject({ adminPresent: true, paused: false });

    const lost = then(before, ['central', tick, lastSeen + SILENCE + 1]);
    expect(lost.events.map((e) => e.change)).toEqual(['admin.lost']);
    expect(lost.room.paused).toBe(true);
  });

  /** Playing from 0 since 1000 + LEAD; alice's last sign of life is the play at 1000. */
  const lostAt = 1000 + SILENCE + 1;
  const lostPosition = lostAt - (1000 + LEAD);

  it('a silent admin pauses a playing room at the expected position', () => {
    const { prev, room, events } = then([played], ['central', tick, lostAt]);
    expect(room).toMatchObject({ paused: true, positionMs: lostPosition, atMs: T0 + lostAt, adminPresent: false, resumeWhenAdminBack: true, seq: prev.seq + 1 });
    expect(positionAt(room, T0 + lostAt)).toBe(positionAt(prev, T0 + lostAt));
    expect(events).toEqual([expect.objectContaining({ seq: prev.seq + 1, change: 'admin.lost', text: `alice went silent: paused at ${clock(lostPosition)}` })]);
  });

  it('the loss is announced once', () => {
    const { room, events } = then([played, ['central', tick, lostAt]], ['central', tick, lostAt + 60_000]);
    expect(events).toEqual([]);
    expect(room.positionMs).toBe(lostPosition);
  });

  it('the admin coming back resumes from where it paused, after the start lead', () => {
    const backAt = lostAt + 20_000;
    const { prev, room, events } = then([played, ['central', tick, lostAt]], ['alice', heartbeat, backAt]);
    expect(room).toMatchObject({ paused: false, positionMs: lostPosition, atMs: T0 + backAt + LEAD, adminPresent: true, seq: prev.seq + 1 });
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'admin.back', by: 'alice', text: `alice is back: playing from ${clock(lostPosition)}` }]);
    // And the admin is watched again from then on.
    expect(then([played, ['central', tick, lostAt], ['alice', heartbeat, backAt]], ['central', tick, backAt + SILENCE]).events).toEqual([]);
    expect(then([played, ['central', tick, lostAt], ['alice', heartbeat, backAt]], ['central', tick, backAt + SILENCE + 1]).events.map((e) => e.change)).toEqual(['admin.lost']);
  });

  it('a room the admin left paused stays paused when the admin comes back', () => {
    const pausedAt = 2000; // at position 2000 − 1000 − LEAD = 600
    const before: Step[] = [played, ['alice', pause, pausedAt]];
    const lost = then(before, ['central', tick, pausedAt + SILENCE + 1]);
    expect(lost.room).toMatchObject({ paused: true, positionMs: 600, adminPresent: false, resumeWhenAdminBack: false });
    expect(lost.events).toEqual([expect.objectContaining({ change: 'admin.lost', text: 'alice went silent' })]);

    const back = then([...before, ['central', tick, pausedAt + SILENCE + 1]], ['alice', heartbeat, 30_000]);
    expect(back.room).toMatchObject({ paused: true, positionMs: 600, adminPresent: true });
    expect(back.events).toEqual([expect.objectContaining({ change: 'admin.back', text: 'alice is here' })]);
  });

  it('a room the admin left paused stays paused on return, even if it had been paused by an earlier silence', () => {
    // Playing; alice goes silent (the room pauses); alice comes back with a seek, which does not
    // resume; alice goes silent again with the room paused; alice's heartbeat must not start it.
    const before: Step[] = [played, ['central', tick, lostAt], ['alice', seek(30_000), 10_000], ['central', tick, 10_000 + SILENCE + 1]];
    const { room, events } = then(before, ['alice', heartbeat, 20_000]);
    expect(events.map((e) => e.change)).toEqual(['admin.back']);
    expect(room).toMatchObject({ paused: true, positionMs: 30_000 });
  });

  it('a tick before the admin has ever been seen does nothing', () => {
    const { room, events } = then([], ['central', tick, 60_000]);
    expect(events).toEqual([]);
    expect(room.paused).toBe(true);
  });
});

describe('join and leave', () => {
  it.each<[string, Step[], string[], string[]]>([
    // what, steps, watching afterwards, event texts
    ['one join', [['bob', join, 0]], ['bob'], ['bob joined']],
    ['two members', [['bob', join, 0], ['alice', join, 10]], ['bob', 'alice'], ['bob joined', 'alice joined']],
    ['a repeated join', [['bob', join, 0], ['bob', join, 10]], ['bob'], ['bob joined']],
    ['a repeated join in another case', [['bob', join, 0], ['BOB', join, 10]], ['bob'], ['bob joined']],
    ['join then leave', [['bob', join, 0], ['bob', leave, 10]], [], ['bob joined', 'bob left']],
    ['leave in another case', [['bob', join, 0], ['Bob', leave, 10]], [], ['bob joined', 'Bob left']],
    ['leave without a join', [['bob', leave, 0]], [], []],
    ['a repeated leave', [['bob', join, 0], ['bob', leave, 10], ['bob', leave, 20]], [], ['bob joined', 'bob left']],
    ['one of two leaves', [['bob', join, 0], ['carol', join, 10], ['bob', leave, 20]], ['carol'], ['bob joined', 'carol joined', 'bob left']],
    ['leave and come back', [['bob', join, 0], ['bob', leave, 10], ['bob', join, 20]], ['bob'], ['bob joined', 'bob left', 'bob joined']],
  ])('%s', (_what, steps, watching, texts) => {
    const { room, events } = run(steps);
    expect(room.watching).toEqual(watching);
    expect(events.map((e) => e.text)).toEqual(texts);
    expect(events.map((e) => e.change)).toEqual(texts.map((t) => (t.endsWith('joined') ? 'member.joined' : 'member.left')));
    expect(room.seq).toBe(1 + events.length);
  });

  it('joining and leaving do not touch playback', () => {
    const { prev, room } = then([['alice', play, 0], ['bob', join, 100]], ['bob', leave, 5000]);
    expect(room).toMatchObject({ paused: prev.paused, positionMs: prev.positionMs, atMs: prev.atMs });
  });
});

describe('close', () => {
  it.each<[string, Step[], number, number]>([
    // what, before, close at, position frozen at
    ['a paused room', [['alice', seek(42_000), 0]], 5000, 42_000],
    ['a playing room', [['alice', play, 0]], LEAD + 7000, 7000],
  ])('%s: closed and paused, with a closed event', (_what, before, at, positionMs) => {
    const { prev, room, events } = then(before, ['alice', close, at]);
    expect(room).toMatchObject({ closed: true, paused: true, positionMs, seq: prev.seq + 1 });
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'closed', by: 'alice', text: 'alice closed the room' }]);
  });

  it.each<[string, Step[], number, number]>([
    ['a paused room', [['alice', seek(42_000), 0]], 5000, 42_000],
    ['a playing room', [['alice', play, 0]], LEAD + 7000, 7000],
  ])('its video deleted by anyone central allowed (a non-member operator too): %s closes, saying why', (_what, before, at, positionMs) => {
    const { prev, room, events } = then(before, ['op', { type: 'videoDeleted' }, at]);
    expect(room).toMatchObject({ closed: true, paused: true, positionMs, seq: prev.seq + 1 });
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'closed', by: 'op', text: `op deleted "${prev.videoName}": the room is closed` }]);
  });

  it('closes a room nobody has open, whose admin is away (the tick fast path must not swallow it)', () => {
    const room = created();
    const { room: after, events } = step(room, 'op', { type: 'videoDeleted' }, T0 + 1000);
    expect(after.closed).toBe(true);
    expect(events.map((e) => e.change)).toEqual(['closed']);
  });

  it('a video deleted under a room closed already changes nothing', () => {
    const { room } = run([['alice', close, 0]]);
    expect(step(room, 'op', { type: 'videoDeleted' }, T0 + 1000)).toEqual({ room, events: [] });
  });
});

describe('rooms nobody uses close by themselves', () => {
  const IDLE = ROOM_RULES.idleCloseMs;
  const DAYS = 'nobody has opened it for 7 days: the room is closed';
  it.each<[string, Step[], number, boolean]>([
    // what, before, tick at, closes
    ['never opened, a week and a bit after creation', [], IDLE + 1, true],
    ['never opened, exactly a week after creation', [], IDLE, false],
    ['last left a week ago', [['bob', join, 1000], ['bob', leave, 60_000]], 60_000 + IDLE + 1, true],
    ['left six days ago', [['bob', join, 1000], ['bob', leave, 60_000]], 60_000 + IDLE - 86_400_000, false],
    ['someone still has it open after a week', [['bob', join, 1000]], 1000 + IDLE + 1, false],
    ['the admin controlled it (without opening it) a day ago', [['alice', seek(5000), IDLE - 86_400_000]], IDLE + 1, false],
    ['closed already', [['alice', close, 0]], IDLE + 1, false],
  ])('%s', (_what, before, at, closes) => {
    const { prev, room, events } = then(before, ['central', tick, at]);
    if (closes) {
      expect(room).toMatchObject({ closed: true, paused: true });
      expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'closed', by: 'central', text: DAYS }]);
    } else {
      expect(room.closed).toBe(prev.closed);
      expect(events.filter((e) => e.change === 'closed')).toEqual([]);
    }
  });

  it('a tick with nothing due answers the very same object, so central has nothing to save', () => {
    for (const [before, at] of [[[], IDLE], [[['bob', join, 1000]], IDLE * 2], [[['alice', close, 0]], IDLE * 2]] as [Step[], number][]) {
      const prev = run(before).room;
      expect(step(prev, 'central', tick, T0 + at).room).toBe(prev);
    }
  });

  it('says how long, in the unit that reads best', () => {
    const rules = { ...ROOM_RULES, idleCloseMs: 3 * 3_600_000 };
    expect(step(created(), 'central', tick, T0 + rules.idleCloseMs + 1, rules).events[0]?.text).toBe('nobody has opened it for 3 hours: the room is closed');
    const quick = { ...ROOM_RULES, idleCloseMs: 2000 };
    expect(step(created(), 'central', tick, T0 + 2001, quick).events[0]?.text).toBe('nobody has opened it for 2 seconds: the room is closed');
  });

  it('a tick with nothing due on a room whose admin is there changes nothing (it used to save the room every tick)', () => {
    const { room } = run([['alice', join, 0], ['alice', heartbeat, 1000]]);
    expect(step(room, 'central', tick, T0 + 1500).room).toBe(room);
  });
});

describe('errors carry their codes', () => {
  it.each<[string, ErrorCode, Room, string, RoomInput]>([
    ['guest control', 'NOT_ADMIN', created(), 'bob', play],
    ['non-member', 'NOT_MEMBER', created(), 'mallory', join],
    ['closed', 'ROOM_CLOSED', run([['alice', close, 0]]).room, 'bob', join],
  ])('%s → %s, and the room is left as it was', (_what, code, room, by, input) => {
    const copy = structuredClone(room);
    expect(thrown(() => step(room, by, input, T0 + 1000)).code).toBe(code);
    expect(room).toEqual(copy);
  });
});

describe('membership: invite, remove, hand over', () => {
  const invite = (...users: string[]): RoomInput => ({ type: 'invite', users });
  const remove = (user: string): RoomInput => ({ type: 'remove', user });
  const handover = (to: string): RoomInput => ({ type: 'handover', to });

  it.each<[string, RoomInput, ErrorCode]>([
    ['bob', invite('dave'), 'NOT_ADMIN'],
    ['bob', remove('carol'), 'NOT_ADMIN'],
    ['bob', handover('bob'), 'NOT_ADMIN'],
    ['dave', invite('dave'), 'NOT_MEMBER'],
    ['alice', remove('alice'), 'BAD_INPUT'],
    ['alice', remove('dave'), 'NOT_MEMBER'],
    ['alice', handover('dave'), 'NOT_MEMBER'],
  ])('%s sending %j is refused with %s', (by, input, code) => {
    expect(thrown(() => step(created(), by, input, T0 + 10)).code).toBe(code);
  });

  it('invite adds only new names, once each, with one event', () => {
    const { room, events } = run([['alice', invite('dave', 'BOB', 'dave', 'erin'), 10]]);
    expect(room.members).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect(events.map((e) => [e.change, e.text])).toEqual([['member.invited', 'alice invited dave, erin']]);
  });

  it('inviting only members changes nothing', () => {
    const { room, events } = run([['alice', invite('bob'), 10]]);
    expect(events).toEqual([]);
    expect(room.seq).toBe(1);
  });

  it('remove drops the member from members and watching', () => {
    const { room, events } = run([
      ['carol', join, 10],
      ['alice', remove('Carol'), 20],
    ]);
    expect(room.members).toEqual(['alice', 'bob']);
    expect(room.watching).toEqual([]);
    expect(events.at(-1)).toMatchObject({ change: 'member.removed', text: 'alice removed carol from the room' });
    expect(thrown(() => step(room, 'carol', join, T0 + 30)).code).toBe('NOT_MEMBER');
  });

  it('hand over to a watching member: they control, the old admin does not, playback goes on', () => {
    const { room, events } = run([
      ['bob', join, 10],
      ['alice', play, 20],
      ['alice', handover('bob'), 1000],
    ]);
    expect(room.admin).toBe('bob');
    expect(room.paused).toBe(false);
    expect(room.adminPresent).toBe(true);
    expect(events.at(-1)).toMatchObject({ change: 'admin.changed', text: 'alice made bob the admin' });
    expect(thrown(() => step(room, 'alice', pause, T0 + 1100)).code).toBe('NOT_ADMIN');
    expect(step(room, 'bob', pause, T0 + 1100).room.paused).toBe(true);
  });

  it('hand over to a member who is not watching: a playing room pauses until they come', () => {
    const { room } = run([
      ['alice', play, 0],
      ['alice', handover('carol'), 1000 + LEAD],
    ]);
    expect(room).toMatchObject({ admin: 'carol', paused: true, positionMs: 1000, adminPresent: false, resumeWhenAdminBack: true });
    const back = step(room, 'carol', heartbeat, T0 + 5000);
    expect(back.room.paused).toBe(false);
    expect(back.events.map((e) => e.change)).toEqual(['admin.back']);
  });

  it('the old admin can then be removed by the new one', () => {
    const { room } = run([
      ['alice', handover('bob'), 10],
      ['bob', remove('alice'), 20],
    ]);
    expect(room.members).toEqual(['bob', 'carol']);
  });
});

describe('speed', () => {
  const speed = (rate: number): RoomInput => ({ type: 'speed', rate });

  it('a new room plays at 1×', () => {
    expect(created().speed).toBe(1);
  });

  it('on a paused room: takes the new rate from the same frame, one event', () => {
    const { prev, room, events } = then([['alice', seek(60_000), 0]], ['alice', speed(1.5), 1000]);
    expect(room).toMatchObject({ speed: 1.5, paused: true, positionMs: 60_000, atMs: T0 + 1000, seq: prev.seq + 1 });
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'speed', by: 'alice', text: 'alice set the speed to 1.5×' }]);
  });

  it('on a playing room: goes on from where it is, at the new rate, after the start lead', () => {
    const { room } = then([['alice', play, 0]], ['alice', speed(2), LEAD + 10_000]);
    expect(room).toMatchObject({ speed: 2, paused: false, positionMs: 10_000, atMs: T0 + 2 * LEAD + 10_000 });
    // Held until the common start, then twice as fast.
    expect(positionAt(room, T0 + 2 * LEAD + 10_000)).toBe(10_000);
    expect(positionAt(room, T0 + 2 * LEAD + 11_000)).toBe(12_000);
  });

  it('the same rate again changes nothing', () => {
    const { prev, room, events } = then([['alice', speed(1.25), 0]], ['alice', speed(1.25), 1000]);
    expect(events).toEqual([]);
    expect(room.seq).toBe(prev.seq);
  });

  it.each([
    [0.1, 0.25],
    [9, 4],
    [1.333, 1.33],
  ])('a rate of %s is played as %s', (asked, played) => {
    expect(run([['alice', speed(asked), 0]]).room.speed).toBe(played);
    expect(roomSpeed(asked)).toBe(played);
  });

  it('a rate that is not a number is refused', () => {
    expect(thrown(() => step(created(), 'alice', speed(Number.NaN), T0)).code).toBe('BAD_INPUT');
  });

  it('pause, seek and play keep the rate', () => {
    const { room } = run([['alice', speed(0.5), 0], ['alice', play, 100], ['alice', pause, 10_000], ['alice', seek(5000), 11_000], ['alice', play, 12_000]]);
    expect(room.speed).toBe(0.5);
    expect(positionAt(room, T0 + 12_000 + LEAD + 2000)).toBe(6000);
  });

  it.each<[number, -1 | 1, number]>([
    [1, 1, 1.25],
    [1, -1, 0.75],
    [4, 1, 4],
    [0.25, -1, 0.25],
    [1.1, 1, 1.25],
    [1.1, -1, 1],
    [2.2, -1, 2],
  ])('the TUI keys step %s by %s to %s', (from, by, to) => {
    expect(stepSpeed(from, by)).toBe(to);
  });
});

describe('positions stay whole milliseconds', () => {
  it('at 1.65×, a pause lands on a whole ms', () => {
    let room = run([['alice', { type: 'speed', rate: 1.65 }, 0], ['alice', play, 0]]).room;
    room = step(room, 'alice', pause, T0 + LEAD + 333).room;
    expect(Number.isInteger(room.positionMs)).toBe(true);
    expect(room.positionMs).toBe(Math.round(333 * 1.65));
  });
});

describe('tracks', () => {
  const tracks = (audio?: number, subtitles?: number): RoomInput => ({ type: 'tracks', audio, subtitles });

  it('a new room plays the file\'s own tracks', () => {
    expect(created()).not.toHaveProperty('audioTrack');
    expect(created()).not.toHaveProperty('subtitleTrack');
  });

  it.each([
    { name: 'audio only', input: tracks(2), want: { audioTrack: 2 }, text: 'alice chose audio track 2 for everyone' },
    { name: 'subtitles off', input: tracks(undefined, 0), want: { subtitleTrack: 0 }, text: 'alice chose subtitles off for everyone' },
    { name: 'both', input: tracks(3, 1), want: { audioTrack: 3, subtitleTrack: 1 }, text: 'alice chose audio track 3, subtitle track 1 for everyone' },
  ])('the admin picks $name: one setting event, playback untouched', ({ input, want, text }) => {
    const { prev, room, events } = then([['alice', play, 0]], ['alice', input, 5000]);
    expect(room).toMatchObject({ ...want, paused: prev.paused, positionMs: prev.positionMs, atMs: prev.atMs });
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'setting', by: 'alice', text }]);
  });

  it('one track at a time keeps the other; the same choice again changes nothing', () => {
    const first = run([['alice', tracks(2, 1), 0], ['alice', tracks(undefined, 0), 1000]]).room;
    expect(first).toMatchObject({ audioTrack: 2, subtitleTrack: 0 });
    const again = step(first, 'alice', tracks(2), T0 + 2000);
    expect(again.events).toEqual([]);
    expect(again.room.seq).toBe(first.seq);
  });

  it('a guest cannot choose for the room', () => {
    expect(thrown(() => run([['bob', tracks(2), 0]])).code).toBe('NOT_ADMIN' satisfies ErrorCode);
  });
});

describe('chat mute', () => {
  const mute = (users: string[], on = true): RoomInput => ({ type: 'mute', users, on });

  it('a new room mutes nobody', () => {
    expect(created().muted).toEqual([]);
  });

  it.each([
    { name: 'one guest', steps: [mute(['bob'])], want: ['bob'], text: 'alice muted bob in the chat' },
    { name: 'names as members spell them', steps: [mute(['BOB', 'Carol'])], want: ['bob', 'carol'], text: 'alice muted bob, carol in the chat' },
    { name: 'then unmuted', steps: [mute(['bob', 'carol']), mute(['bob'], false)], want: ['carol'], text: 'alice unmuted bob in the chat' },
  ])('the admin mutes $name: a setting event, playback untouched', ({ steps, want, text }) => {
    const before: Step[] = [['alice', play, 0], ...steps.slice(0, -1).map((s, i): Step => ['alice', s, 1000 + i])];
    const { prev, room, events } = then(before, ['alice', steps.at(-1)!, 5000]);
    expect(room.muted).toEqual(want);
    expect(room).toMatchObject({ paused: prev.paused, positionMs: prev.positionMs, atMs: prev.atMs });
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'setting', by: 'alice', text }]);
  });

  it('a muted member handed the admin role is muted no more', () => {
    const { room } = run([['alice', mute(['bob']), 0], ['alice', { type: 'handover', to: 'bob' }, 1000]]);
    expect(room).toMatchObject({ admin: 'bob', muted: [] });
  });

  it('muting someone already muted changes nothing', () => {
    const first = run([['alice', mute(['bob']), 0]]).room;
    const again = step(first, 'alice', mute(['bob']), T0 + 1000);
    expect(again.events).toEqual([]);
    expect(again.room.seq).toBe(first.seq);
  });

  it('a name asked many times is muted once, and the event names at most five', () => {
    const { room, events } = then([], ['alice', mute(Array.from({ length: 100 }, () => 'BOB')), 0]);
    expect(room.muted).toEqual(['bob']);
    expect(events.at(-1)!.text).toBe('alice muted bob in the chat');
    const many = Array.from({ length: 30 }, (_, i) => `guest${i}`);
    const big = step(created(), 'alice', { type: 'invite', users: many }, T0);
    expect(big.events.at(-1)!.text).toBe('alice invited guest0, guest1, guest2, guest3, guest4 and 25 more');
    const all = step(big.room, 'alice', mute(many), T0 + 1);
    expect(all.events.at(-1)!.text).toBe('alice muted guest0, guest1, guest2, guest3, guest4 and 25 more in the chat');
  });

  it('a muted member cannot suggest videos either (a suggestion is a line every member reads)', () => {
    const { room } = run([['alice', mute(['bob']), 0]]);
    const suggest: RoomInput = { type: 'suggest', entry: { videoId: 9, videoName: 'Spam.mkv', durationMs: 1000, by: 'bob' } };
    expect(thrown(() => step(room, 'bob', suggest, T0 + 2000)).code).toBe('MUTED');
  });

  it('a removed member leaves the muted list (invited again, they may write)', () => {
    const { room } = run([['alice', mute(['bob']), 0], ['alice', { type: 'remove', user: 'bob' }, 1000]]);
    expect(room.muted).toEqual([]);
  });

  it('a room takes at most 200 members', () => {
    const full = step(created(), 'alice', { type: 'invite', users: Array.from({ length: 200 - created().members.length }, (_, i) => `g${i}`) }, T0).room;
    expect(full.members).toHaveLength(200);
    expect(thrown(() => step(full, 'alice', { type: 'invite', users: ['one-more'] }, T0 + 1)).message).toMatch(/at most 200 members/);
  });

  it.each([
    { name: 'a guest mutes', by: 'bob', input: mute(['carol']), code: 'NOT_ADMIN' },
    { name: 'a stranger is named', by: 'alice', input: mute(['dave']), code: 'NOT_MEMBER' },
    { name: 'the admin is named', by: 'alice', input: mute(['alice']), code: 'BAD_INPUT' },
  ])('refused when $name', ({ by, input, code }) => {
    expect(thrown(() => run([[by, input, 0]])).code).toBe(code satisfies string);
  });
});

describe('the shared queue', () => {
  const entry = (videoId: number, by = 'alice', durationMs = 60_000) => ({ videoId, videoName: `Video ${videoId}.mkv`, durationMs, by });
  const add = (videoId: number, at?: number): RoomInput => ({ type: 'queue', change: { op: 'add', entry: entry(videoId), at } });
  const q = (change: Extract<RoomInput, { type: 'queue' }>['change']): RoomInput => ({ type: 'queue', change });
  const suggest = (videoId: number): RoomInput => ({ type: 'suggest', entry: entry(videoId, 'someone') });
  const ids = (room: Room) => room.queue.map((e) => e.videoId);

  it('its video deleted, a room with something queued moves on to it instead of closing', () => {
    const { prev, room, events } = then([['alice', add(2), 0], ['alice', add(3), 100], ['alice', play, 200]], ['op', { type: 'videoDeleted' }, LEAD + 5000]);
    expect(room).toMatchObject({ closed: false, videoId: 2, paused: true, positionMs: 0, queue: [entry(3)] });
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'video', by: 'op', text: `op deleted "${prev.videoName}": up next: Video 2.mkv` }]);
  });

  it.each([
    { name: 'adds at the end', steps: [add(2), add(3)], want: [2, 3], text: 'alice queued Video 3.mkv (2 of 2)' },
    { name: 'adds at a place', steps: [add(2), add(3), add(4, 0)], want: [4, 2, 3], text: 'alice queued Video 4.mkv (1 of 3)' },
    { name: 'removes', steps: [add(2), add(3), q({ op: 'remove', index: 0 })], want: [3], text: 'alice took Video 2.mkv off the queue' },
    { name: 'moves', steps: [add(2), add(3), add(4), q({ op: 'move', from: 2, to: 0 })], want: [4, 2, 3], text: 'alice moved Video 4.mkv to 1 in the queue' },
  ])('the admin $name: a queue event, playback untouched', ({ steps, want, text }) => {
    const before: Step[] = [['alice', play, 0], ...steps.slice(0, -1).map((s, i): Step => ['alice', s, 100 + i])];
    const { prev, room, events } = then(before, ['alice', steps.at(-1)!, 1000]);
    expect(ids(room)).toEqual(want);
    expect(room).toMatchObject({ paused: false, positionMs: prev.positionMs, atMs: prev.atMs, videoId: 7 });
    expect(events).toEqual([{ roomId: 'r-1', seq: prev.seq + 1, change: 'queue', by: 'alice', text }]);
  });

  it('members suggest; the admin accepts one (to the end of the queue) and passes on another', () => {
    const { room } = run([['bob', suggest(5), 0], ['carol', suggest(6), 10], ['bob', suggest(5), 20], ['alice', q({ op: 'accept', index: 1 }), 30]]);
    expect(room.suggestions.map((s) => [s.videoId, s.by])).toEqual([[5, 'bob']]);
    expect(room.queue.map((s) => [s.videoId, s.by])).toEqual([[6, 'carol']]);
    const after = step(room, 'alice', q({ op: 'reject', index: 0 }), T0 + 40);
    expect(after.room.suggestions).toEqual([]);
    expect(after.events[0]!.text).toBe("alice passed on bob's suggestion Video 5.mkv");
  });

  it('the admin\'s own suggestion goes straight to the queue', () => {
    expect(ids(run([['alice', suggest(8), 0]]).room)).toEqual([8]);
  });

  it.each([
    { name: 'a guest edits the queue', by: 'bob', input: add(2), code: 'NOT_ADMIN' },
    { name: 'a place that is not there', by: 'alice', input: q({ op: 'remove', index: 3 }), code: 'BAD_INPUT' },
    { name: 'next with nothing queued', by: 'alice', input: q({ op: 'next' }), code: 'BAD_INPUT' },
    { name: 'a stranger suggests', by: 'mallory', input: suggest(2), code: 'NOT_MEMBER' },
  ])('refused when $name', ({ by, input, code }) => {
    expect(thrown(() => run([[by, input, 0]])).code).toBe(code satisfies string);
  });

  it('the queue and the suggestions are bounded (the room fits in one event)', () => {
    const full: Step[] = Array.from({ length: ROOM_RULES.maxQueue }, (_, i): Step => ['alice', add(100 + i), i]);
    expect(thrown(() => run([...full, ['alice', add(999), 1000]])).code).toBe('BAD_INPUT');
    const many: Step[] = Array.from({ length: ROOM_RULES.maxSuggestionsEach }, (_, i): Step => ['bob', suggest(200 + i), i]);
    expect(thrown(() => run([...many, ['bob', suggest(999), 1000]])).message).toMatch(/you have 5 suggestions/);
  });

  it('at the end of the video the tick moves everyone to the next, paused on its first frame and waiting for every watcher', () => {
    const start: Step[] = [['alice', join, 0], ['bob', join, 0], ['alice', add(2), 0], ['alice', add(3), 0], ['alice', play, 0]];
    const playing = run(start).room;
    const endsAt = playing.atMs + DURATION;
    // Just before the end: nothing to do (the admin is heard from).
    const before = step({ ...playing, adminSeenMs: endsAt - 10 }, 'central', tick, endsAt - 1);
    expect(before.events).toEqual([]);
    const { room, events } = step({ ...playing, adminSeenMs: endsAt }, 'central', tick, endsAt + 5);
    expect(room).toMatchObject({ videoId: 2, videoName: 'Video 2.mkv', durationMs: 60_000, paused: true, positionMs: 0, atMs: endsAt + 5, waitingFor: ['alice', 'bob'] });
    expect(ids(room)).toEqual([3]);
    expect(events).toEqual([{ roomId: 'r-1', seq: playing.seq + 1, change: 'video', by: 'central', text: 'up next: Video 2.mkv' }]);
    // Everyone ready: one scheduled start from the first frame.
    const ready = step(room, 'central', { type: 'ready' }, endsAt + 900);
    expect(ready.room).toMatchObject({ paused: false, positionMs: 0, atMs: endsAt + 900 + LEAD, waitingFor: [] });
  });

  it('a video ending with an empty queue plays out as before; next skips at once', () => {
    const playing = run([['alice', play, 0]]).room;
    expect(step({ ...playing, adminSeenMs: playing.atMs + DURATION }, 'central', tick, playing.atMs + DURATION + 5).events).toEqual([]);
    const skipped = run([['alice', add(4), 10], ['alice', q({ op: 'next' }), 20]], playing).room;
    expect(skipped).toMatchObject({ videoId: 4, paused: true, positionMs: 0 });
  });

  it('a deleted video leaves the queue and the suggestions', () => {
    const { room } = run([['alice', add(2), 0], ['alice', add(3), 0], ['bob', suggest(2), 0]]);
    const out = step(room, 'central', { type: 'unqueue', videoId: 2 }, T0 + 10);
    expect(ids(out.room)).toEqual([3]);
    expect(out.room.suggestions).toEqual([]);
  });
});
