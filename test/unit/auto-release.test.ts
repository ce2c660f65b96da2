import { describe, expect, it } from 'vitest';
import { newRoom, step, type Room, type RoomInput } from '../../src/roles/shared/room.js';
import { AUTO_RELEASE, withAutoRelease, type StallLog } from '../../src/roles/shared/auto-release.js';
import { thrown } from '../helpers/thrown.js';

const T0 = 1_700_000_000_000;

/** ann's room with bob and cy watching, playing since T0, auto-release `on`. */
function playing(on: boolean): Room {
  let room = newRoom({ id: 'r-1', videoId: 1, videoName: 'v.mkv', durationMs: 600_000, admin: 'ann', invite: ['bob', 'cy'], nowMs: T0 }).room;
  for (const u of ['ann', 'bob', 'cy']) room = step(room, u, { type: 'join' }, T0).room;
  room = step(room, 'ann', { type: 'autoRelease', on }, T0).room;
  return step(room, 'ann', { type: 'play' }, T0).room;
}

const wait = (...users: string[]): RoomInput => ({ type: 'wait', users, why: 'buffering 0.4 / 3 s' });

/** bob stalls at each of `times` (s after T0): each wait is applied, and the room plays on after it. */
function stallsAt(room: Room, times: number[], log: StallLog = new Map()): { room: Room; log: StallLog; last: RoomInput[] } {
  let last: RoomInput[] = [];
  for (const t of times) {
    const r = withAutoRelease(room, wait('bob'), log, T0 + t * 1000);
    log = r.log;
    last = r.inputs;
    for (const input of r.inputs) room = step(room, 'bob', input, T0 + t * 1000).room;
    if (room.waitingFor.length > 0) room = step(room, 'central', { type: 'ready' }, T0 + t * 1000 + 500).room;
  }
  return { room, log, last };
}

describe('auto-release: a room that goes on without a member who keeps stalling', () => {
  it('the third stall within two minutes releases the member instead of pausing the room', () => {
    const { room, last } = stallsAt(playing(true), [10, 50, 90]);
    expect(last).toEqual([{ type: 'release', users: ['bob'], why: 'stalled 3 times in 2 minutes' }]);
    expect(room).toMatchObject({ paused: false, waitingFor: [], released: ['bob'] });
  });

  it('stalls further apart than the window, or with the setting off, keep the room waiting', () => {
    expect(stallsAt(playing(true), [10, 80, 140]).last).toEqual([wait('bob')]);
    const off = stallsAt(playing(false), [10, 20, 30]);
    expect(off.last).toEqual([wait('bob')]);
    expect(off.room.released).toEqual([]);
    // Stalls counted while it was off count once it is turned on.
    const on = step(off.room, 'ann', { type: 'autoRelease', on: true }, T0 + 31_000).room;
    expect(stallsAt(on, [40], off.log).last[0]).toMatchObject({ type: 'release', users: ['bob'] });
  });

  it('a wait that only names someone already waited for is no new stall; others in the same wait are still waited for', () => {
    let room = playing(true);
    let log: StallLog = new Map([['bob', [T0 + 1000, T0 + 2000]]]);
    room = step(room, 'cy', wait('cy'), T0 + 3000).room;
    const again = withAutoRelease(room, wait('cy'), log, T0 + 3500);
    expect(again.log.get('cy')).toBeUndefined();
    const both = withAutoRelease(room, wait('bob', 'cy'), log, T0 + 4000);
    expect(both.inputs).toEqual([{ type: 'release', users: ['bob'], why: 'stalled 3 times in 2 minutes' }, wait('cy')]);
    log = both.log;
    expect(log.get('bob')).toBeUndefined();
  });

  it('keeps at most the last few stalls per member and forgets old ones', () => {
    const { log } = stallsAt(playing(false), [1, 2, 3, 4, 5, 6]);
    expect(log.get('bob')).toHaveLength(AUTO_RELEASE.stalls);
    const later = withAutoRelease(playing(false), { type: 'ready' }, log, T0 + 600_000);
    expect(later.log).toBe(log);
    expect(withAutoRelease(playing(false), wait('cy'), log, T0 + 600_000).log.has('bob')).toBe(false);
  });

  it('only the admin changes the setting; setting it to what it is says nothing', () => {
    const room = playing(false);
    expect(thrown(() => step(room, 'bob', { type: 'autoRelease', on: true }, T0)).code).toBe('NOT_ADMIN');
    const on = step(room, 'ann', { type: 'autoRelease', on: true }, T0);
    expect(on.room.autoRelease).toBe(true);
    expect(on.events.map((e) => [e.change, e.text])).toEqual([['setting', 'ann set the room to go on without a member who keeps stalling']]);
    expect(step(on.room, 'ann', { type: 'autoRelease', on: true }, T0).events).toEqual([]);
  });
});
