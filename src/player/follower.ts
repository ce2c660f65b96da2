/**
 * The client's whole sync behaviour as one pure state machine: `follow(state, input, nowMs)` returns the
 * next state and the commands for the player and the room link. Times are central's clock (ms); the
 * driver (roles/client/follow-runner.ts) converts, runs the commands and feeds back what happened.
 *
 * Phases:
 *   loading  the player is opening the stream (at the start, or another rendition); room changes are
 *            recorded, nothing is ordered
 *   holding  paused for the room; waiting for a fresh sample to see whether the frame is right
 *   seeking  an exact seek is on its way; what follows is a hold or a scheduled start
 *   armed    on the start frame, paused, waiting for the room's start instant (one wake timer)
 *   steady   following: samples correct small drifts by speed, large ones by a new scheduled start
 *   behind   the player cannot reach the playing room's frame in time (a seek slower than any lead, on
 *            a slow link): paused, reported as buffering, until the room waits for us or goes on
 *            without us; chasing a moving frame with seeks further ahead would never end
 *   closed   the room closed or removed us; nothing more happens
 *
 * Echo suppression is one mechanism: every pause or seek we order is recorded as an expected echo, and
 * a player event that matches one is ours, not a person's at the keys.
 */
import { clock, positionAt } from '../core/playback.js';
import { SYNC, planStart, startLeadFor, steadyAction } from './sync-policy.js';
import { playsOnOwnBuffer, urgentChange, type BufferState } from './buffer-health.js';
import {
  BEHIND_RETRY_MS,
  CATCH_UP_BACKOFF,
  NO_CATCH_UP,
  ECHO_MS,
  LANDING_MS,
  QUIET_AFTER_LOAD_MS,
  SEEK_ECHO_MS,
  SEEK_MATCH_MS,
  holdNeedsSeek,
  isAdmin,
  tracksCommand,
  isReleased,
  playerSeeking,
  reportFor,
  roomRate,
  same,
  type FollowedRoom,
  type FollowerCommand,
  type FollowerInput,
  type FollowerState,
  type Phase,
  type Step,
} from './follower-state.js';

// The follower's public face: its state, how it starts, and what can be read from it.
export { newFollower, isAdmin, isReleased, reportFor, statusOf, wantsSample } from './follower-state.js';
export type { Echo, FollowedRoom, FollowerCommand, FollowerInput, FollowerState, FollowerStatus, Phase, Step } from './follower-state.js';

/** One step of the follower. */
export function follow<R extends FollowedRoom>(s: FollowerState<R>, input: FollowerInput<R>, nowMs: number): Step<R> {
  // A seek of ours that the player is still carrying out is ours however long it takes: taken for a
  // person's once its window passed, it was "reverted" with another seek, every few seconds.
  const echoes = s.echoes.filter((e) => e.untilMs > nowMs || (e.what === 'seek' && s.playerSeekingSinceMs !== undefined));
  const state = echoes.length === s.echoes.length ? s : { ...s, echoes };
  if (state.phase.name === 'closed') return { state, commands: [] };
  const out = react(state, input, nowMs);
  // Whatever changed it, a member who ran dry or became ready says so at once.
  if (out.state.phase.name !== 'closed' && urgentChange(reportFor(s), reportFor(out.state))) return { state: out.state, commands: [...out.commands, { kind: 'report' }] };
  return out;
}


function react<R extends FollowedRoom>(state: FollowerState<R>, input: FollowerInput<R>, nowMs: number): Step<R> {
  switch (input.type) {
    case 'event':
      return onEvent(state, input, nowMs);
    case 'snapshot':
    {
      const rejoined = input.why === 'rejoined';
      const next = { ...state, fetchingSnapshot: input.why === 'snapshot' ? false : state.fetchingSnapshot, rejoining: rejoined ? false : state.rejoining };
      if (input.room.id !== state.room.id || (rejoined && input.room.seq <= state.room.seq)) return { state: next, commands: [] };
      // Back on a new sub (a drain, a failover) with the room playing as before: mpv never stopped, so
      // there is nothing to redo (a replan would pause and seek, a gap the audience sees); samples correct
      // any drift as always. A room that changed meanwhile is replanned like any change.
      return apply(next, input.room, input.why === 'joined' || input.why === 'snapshot', nowMs);
    }
    case 'snapshotFailed':
      return { state: { ...state, fetchingSnapshot: false }, commands: [] };
    case 'rejoinDone':
      return { state: { ...state, rejoining: false }, commands: [] };
    case 'reload':
      // Samples of the old stream are stale from here; the new one is planned like a join once loaded.
      return { state: { ...state, phase: { name: 'loading' }, plan: state.plan + 1, playerSeekingSinceMs: undefined }, commands: [{ kind: 'wake', atMs: undefined }] };
    case 'loaded': {
      if (state.phase.name !== 'loading') return { state, commands: [] };
      const next = plan({ ...state, quietUntilMs: nowMs + QUIET_AFTER_LOAD_MS }, nowMs, 'joined');
      return { state: next.state, commands: [...next.commands, ...tracksCommand(next.state)] };
    }
    case 'ownTracks': {
      const next = { ...state, ownTracks: input.tracks };
      return { state: next, commands: next.phase.name === 'loading' ? [] : tracksCommand(next) };
    }
    case 'sample':
      return onSample(state, input, nowMs);
    case 'paused':
      return onPaused(state, input.value, nowMs, input.atEnd === true);
    case 'speedChanged':
      return onSpeedChanged(state, input.rate, nowMs);
    case 'seeking':
      return { state: { ...state, playerSeekingSinceMs: nowMs }, commands: [] };
    case 'seeked':
      return onSeeked({ ...state, playerSeekingSinceMs: undefined }, input.positionMs, nowMs);
    case 'wake':
      return onWake(state, nowMs);
    case 'key':
      if (!isAdmin(state)) return { state, commands: [{ kind: 'osd', text: `only the admin (${state.room.admin}) controls this room` }] };
      if ((state.room.waitingFor ?? []).length === 0) return { state, commands: [{ kind: 'osd', text: 'the room is not waiting for anyone' }] };
      return { state, commands: [{ kind: 'control', action: 'go' }] };
  }
}

function onEvent<R extends FollowedRoom>(s: FollowerState<R>, e: { seq: number; text: string; room: R }, nowMs: number): Step<R> {
  if (e.room.id !== s.room.id || e.seq <= s.room.seq) return { state: s, commands: [] };
  if (e.seq > s.room.seq + 1) {
    if (s.fetchingSnapshot) return { state: s, commands: [] };
    return {
      state: { ...s, fetchingSnapshot: true },
      commands: [{ kind: 'log', level: 'warn', text: `room ${s.room.id}: missed events ${s.room.seq + 1}..${e.seq - 1}; fetching a snapshot` }, { kind: 'fetchSnapshot' }],
    };
  }
  const step = apply(s, e.room, false, nowMs, `room ${e.room.id}: ${e.text}`);
  return { state: step.state, commands: [...step.commands, { kind: 'osd', text: e.text }] };
}

/** Take `room` as the room's state; replan when its playback changed (or `force`). */
function apply<R extends FollowedRoom>(s: FollowerState<R>, room: R, force: boolean, nowMs: number, closedText?: string): Step<R> {
  const prev = s.room;
  let state: FollowerState<R> = { ...s, room };
  // Caught up (or never let go): the next release starts its back-off afresh.
  if (!isReleased(state) && s.catchUp.failures > 0) state = { ...state, catchUp: NO_CATCH_UP };
  const commands: FollowerCommand[] = [];
  const member = room.members.some((m) => same(m, s.user));
  if (room.closed || !member) {
    const text = !member ? `${room.admin} removed you from room ${room.id}` : (closedText ?? `room ${room.id} was closed by ${room.admin}`);
    return { state: { ...state, phase: { name: 'closed' } }, commands: [{ kind: 'wake', atMs: undefined }, { kind: 'closed', text }] };
  }
  // The room says we are away while this player is open: another client of ours (a second terminal)
  // left it, and central counts people, not players. Say again that we are here.
  if (!room.watching.some((w) => same(w, s.user)) && !s.rejoining) {
    state = { ...state, rejoining: true };
    commands.push({ kind: 'log', level: 'info', text: `room ${room.id} lists us as away while we watch: joining again` }, { kind: 'rejoin' });
  }
  // The admin chose other tracks: play them (unless this member chose its own).
  if ((prev.audioTrack !== room.audioTrack || prev.subtitleTrack !== room.subtitleTrack) && state.phase.name !== 'loading') commands.push(...tracksCommand(state));
  // Membership and presence changes carry the same playback: nothing to redo.
  const samePlayback = prev.paused === room.paused && prev.positionMs === room.positionMs && prev.atMs === room.atMs && (prev.speed ?? 1) === (room.speed ?? 1);
  // Behind a room that went on without us: from now on we play on our own buffer.
  if (state.phase.name === 'behind' && isReleased(state) && !room.paused) {
    const next = unpause(state, nowMs);
    return { state: next.state, commands: [...commands, { kind: 'wake', atMs: undefined }, ...next.commands] };
  }
  if ((samePlayback && !force) || state.phase.name === 'loading') return { state, commands };
  const next = plan(state, nowMs, `#${room.seq}`);
  return { state: next.state, commands: [...commands, ...next.commands] };
}

/** Make the player match the room from now: hold its frame, or a scheduled start. */
function plan<R extends FollowedRoom>(s: FollowerState<R>, nowMs: number, why: string): Step<R> {
  const room = s.room;
  const planNo = s.plan + 1;
  const commands: FollowerCommand[] = [{ kind: 'wake', atMs: undefined }, { kind: 'log', level: 'debug', text: `plan ${why}: ${room.paused ? 'paused' : 'playing'} at ${room.positionMs} ms` }];
  let state: FollowerState<R> = { ...s, plan: planNo, measureBias: false };
  state = order(state, commands, { kind: 'pause', value: true }, nowMs);
  if (state.speed !== roomRate(room)) state = order(state, commands, { kind: 'speed', rate: roomRate(room) }, nowMs);
  if (room.paused) {
    commands.push({ kind: 'sample', plan: planNo });
    return { state: { ...state, phase: { name: 'holding' } }, commands };
  }
  // Paused on the very frame the room starts from (a play from pause, the admin's own key): nothing to
  // seek, only the instant to wait for. This is what lets a room's lead be a few tens of ms.
  // The learned start bias moves the unpause itself (behind after past starts: unpause that much earlier),
  // as it moves the seek target when a start seeks.
  const aligned = s.phase.name === 'steady' && s.playerPaused === true && nowMs - s.last.atMs <= 300 && !holdNeedsSeek(s, s.last.positionMs) && room.atMs > nowMs;
  if (aligned) {
    const startAtMs = Math.max(nowMs, room.atMs + state.startBiasMs);
    return { state: { ...state, phase: { name: 'armed', startAtMs } }, commands: [...commands, { kind: 'wake', atMs: startAtMs }] };
  }
  // The room's own instant when a seek fits before it (with a margin), else one a lead from now.
  const planned = planStart(room, nowMs, startLeadFor(state.seekCostMs), state.seekCostMs + 20);
  const toMs = Math.max(0, planned.seekToMs - state.startBiasMs);
  commands.push({ kind: 'log', level: 'debug', text: `start with a seek to ${toMs.toFixed(0)} ms (${s.phase.name}, player ${s.playerPaused ? 'paused' : 'playing'} at ${s.last.positionMs.toFixed(0)} ms sampled ${(nowMs - s.last.atMs).toFixed(0)} ms ago)` });
  return seek(state, commands, toMs, { startAtMs: planned.startAtCentralMs }, nowMs);
}

/** Order an exact seek, with a timeout (the wake timer) in case its end is never reported. */
function seek<R extends FollowedRoom>(s: FollowerState<R>, commands: FollowerCommand[], toMs: number, then: { startAtMs: number } | 'hold', nowMs: number): Step<R> {
  const state = order(s, commands, { kind: 'seek', toMs }, nowMs);
  commands.push({ kind: 'wake', atMs: nowMs + SEEK_ECHO_MS });
  return { state: { ...state, phase: { name: 'seeking', toMs, sentMs: nowMs, then } }, commands };
}


/** Add a pause, speed or seek to `commands`, expecting its echo (a pause that changes nothing sends none). */
function order<R extends FollowedRoom>(s: FollowerState<R>, commands: FollowerCommand[], c: { kind: 'pause'; value: boolean } | { kind: 'speed'; rate: number } | { kind: 'seek'; toMs: number }, nowMs: number): FollowerState<R> {
  commands.push(c);
  if (c.kind === 'speed') return { ...s, speed: c.rate, echoes: [...s.echoes, { what: 'speed', rate: c.rate, untilMs: nowMs + ECHO_MS }] };
  if (c.kind === 'pause') {
    if (s.playerPaused === c.value) return s;
    return { ...s, playerPaused: c.value, echoes: [...s.echoes, { what: 'pause', value: c.value, untilMs: nowMs + ECHO_MS }] };
  }
  return { ...s, echoes: [...s.echoes, { what: 'seek', toMs: c.toMs, untilMs: nowMs + SEEK_ECHO_MS }] };
}

function onSample<R extends FollowedRoom>(s0: FollowerState<R>, x: { plan: number; positionMs: number; paused: boolean; atMs: number; buffer?: BufferState }, nowMs: number): Step<R> {
  // The buffer is news whatever the plan; the position only for the plan it was taken under.
  const s = x.buffer ? { ...s0, buffer: x.buffer } : s0;
  if (x.plan !== s.plan || playerSeeking(s, nowMs)) return { state: s, commands: [] };
  const expectedMs = positionAt(s.room, x.atMs);
  const errorMs = x.positionMs - expectedMs;
  let state: FollowerState<R> = { ...s, last: { positionMs: x.positionMs, expectedMs, errorMs, atMs: x.atMs } };
  // Holding a paused frame while the player is still busy (a slow seek, a stall): wait for it, for a
  // new seek now would only start the slow one over.
  if ((s.phase.name === 'holding' || (s.phase.name === 'steady' && s.room.paused)) && s.buffer.stalled) return { state, commands: [] };
  // The first sample after a hold seek: where the player landed is the room's frame for this player.
  if (state.landed && state.landed.positionMs === undefined && Math.abs(x.positionMs - state.landed.targetMs) <= LANDING_MS) state = { ...state, landed: { ...state.landed, positionMs: x.positionMs } };
  if (s.phase.name === 'holding') {
    if (!holdNeedsSeek(state, x.positionMs)) return { state: { ...state, phase: { name: 'steady', settleUntilMs: nowMs + SYNC.settleMs } }, commands: [] };
    return seek(state, [], s.room.positionMs, 'hold', nowMs);
  }
  if (s.phase.name !== 'steady' || nowMs < s.phase.settleUntilMs) return { state, commands: [] };
  if (s.room.paused) {
    if (holdNeedsSeek(state, x.positionMs) || !x.paused) return plan(state, nowMs, 'paused drift');
    return { state, commands: [] };
  }
  const commands: FollowerCommand[] = [];
  if (s.measureBias && Math.abs(errorMs) < SYNC.resyncIfOffByMs) {
    const startBiasMs = Math.max(-150, Math.min(150, s.startBiasMs + 0.5 * errorMs));
    state = { ...state, measureBias: false, startBiasMs };
    commands.push({ kind: 'log', level: 'debug', text: `error after the start ${errorMs.toFixed(1)} ms; start bias now ${startBiasMs.toFixed(1)} ms` });
  }
  // The end: nothing to correct. Ran dry: the room waits for us (or plays on without us); chasing it
  // with seeks would only empty the buffer again.
  // Released after failing to get back on the frame: no new try before the back-off says.
  if (expectedMs >= s.room.durationMs - 50 || s.buffer.stalled || (isReleased(s) && (playsOnOwnBuffer(s.buffer) || nowMs < s.catchUp.notBeforeMs))) return { state, commands };
  const action = steadyAction(errorMs, state.speed, SYNC, roomRate(s.room));
  if (action.kind === 'resync') {
    const next = plan(state, nowMs, `off by ${errorMs.toFixed(0)} ms`);
    return { state: next.state, commands: [...commands, ...next.commands] };
  }
  if (action.kind === 'speed') state = order(state, commands, { kind: 'speed', rate: action.rate }, nowMs);
  return { state, commands };
}

/** A seek finished (ours, or a person's). */
function onSeeked<R extends FollowedRoom>(s: FollowerState<R>, positionMs: number, nowMs: number): Step<R> {
  const mine = s.echoes.findIndex((e) => e.what === 'seek' && Math.abs(e.toMs - positionMs) <= SEEK_MATCH_MS);
  const state = mine >= 0 ? { ...s, echoes: s.echoes.filter((_, i) => i !== mine) } : s;
  if (s.phase.name === 'seeking') {
    if (Math.abs(positionMs - s.phase.toMs) > SEEK_MATCH_MS) return { state, commands: [] };
    return seekDone(state, s.phase, nowMs);
  }
  if (mine >= 0 || nowMs < s.quietUntilMs || s.phase.name !== 'steady') return { state, commands: [] };
  // A seek we did not order: the person used the keys or the seek bar.
  if (isAdmin(s)) {
    return { state, commands: [{ kind: 'log', level: 'info', text: `admin seeked in mpv to ${clock(positionMs)}` }, { kind: 'control', action: 'seek', positionMs: Math.round(positionMs) }] };
  }
  const next = plan(state, nowMs, 'guest seek reverted');
  return { state: next.state, commands: [{ kind: 'osd', text: `only the admin (${s.room.admin}) controls this room` }, ...next.commands] };
}

function seekDone<R extends FollowedRoom>(s: FollowerState<R>, phase: Extract<Phase, { name: 'seeking' }>, nowMs: number): Step<R> {
  if (phase.then === 'hold') return { state: { ...s, landed: { targetMs: phase.toMs, positionMs: undefined }, phase: { name: 'steady', settleUntilMs: nowMs + SYNC.settleMs } }, commands: [{ kind: 'wake', atMs: undefined }] };
  const state = { ...s, seekCostMs: 0.7 * s.seekCostMs + 0.3 * (nowMs - phase.sentMs) };
  const waitMs = phase.then.startAtMs - nowMs;
  // The seek took longer than planned: plan again from where the room is now, unless no lead is long
  // enough for this player (then a new plan would only be missed again).
  if (waitMs < -SYNC.resyncIfOffByMs) {
    if (nowMs - phase.sentMs > startLeadFor(Number.POSITIVE_INFINITY)) return fallBehind(state, nowMs, `a seek took ${(nowMs - phase.sentMs).toFixed(0)} ms`);
    return plan(state, nowMs, `start missed by ${(-waitMs).toFixed(0)} ms`);
  }
  if (waitMs <= 0) {
    const next = unpause(state, nowMs);
    return { state: next.state, commands: [{ kind: 'wake', atMs: undefined }, ...next.commands] };
  }
  return { state: { ...state, phase: { name: 'armed', startAtMs: phase.then.startAtMs } }, commands: [{ kind: 'wake', atMs: phase.then.startAtMs }] };
}

/** The player cannot reach the playing room in time: stay paused and let the room know (it will wait). */
function fallBehind<R extends FollowedRoom>(s: FollowerState<R>, nowMs: number, why: string): Step<R> {
  if (isReleased(s)) {
    const failures = s.catchUp.failures + 1;
    const waitMs = Math.min(CATCH_UP_BACKOFF.maxMs, CATCH_UP_BACKOFF.baseMs * 2 ** (failures - 1));
    const next = unpause({ ...s, catchUp: { failures, notBeforeMs: nowMs + waitMs } }, nowMs);
    return { state: next.state, commands: [{ kind: 'log', level: 'info', text: `${why}; released, playing on our own buffer (next try to catch up in ${waitMs / 1000} s)` }, ...next.commands] };
  }
  const commands: FollowerCommand[] = [{ kind: 'log', level: 'info', text: `behind the room (${why}): asking it to wait` }, { kind: 'wake', atMs: nowMs + BEHIND_RETRY_MS }];
  const state = order(s, commands, { kind: 'pause', value: true }, nowMs);
  return { state: { ...state, phase: { name: 'behind', sinceMs: nowMs } }, commands };
}

function unpause<R extends FollowedRoom>(s: FollowerState<R>, nowMs: number): Step<R> {
  const commands: FollowerCommand[] = [];
  const state = order(s, commands, { kind: 'pause', value: false }, nowMs);
  return { state: { ...state, measureBias: true, phase: { name: 'steady', settleUntilMs: nowMs + SYNC.settleMs } }, commands };
}

function onWake<R extends FollowedRoom>(s: FollowerState<R>, nowMs: number): Step<R> {
  const p = s.phase;
  if (p.name === 'armed') {
    // Timers can fire a little early; never start before the instant.
    if (nowMs < p.startAtMs - 1) return { state: s, commands: [{ kind: 'wake', atMs: p.startAtMs }] };
    return unpause(s, nowMs);
  }
  if (p.name === 'seeking') {
    // The player never reported the seek's end. Holding a paused frame: go on as if it had (a sample
    // will tell). Starting with a playing room: we are behind it.
    const next = p.then === 'hold' ? seekDone(s, p, nowMs) : fallBehind(s, nowMs, `no end of a seek within ${SEEK_ECHO_MS} ms`);
    return { state: next.state, commands: [{ kind: 'log', level: 'warn', text: `the player did not report the end of a seek to ${p.toMs.toFixed(0)} ms within ${SEEK_ECHO_MS} ms` }, ...next.commands] };
  }
  if (p.name === 'behind') return plan(s, nowMs, 'still behind; trying again');
  return { state: s, commands: [] };
}

/** mpv's pause flipped: ours, or a person's in the mpv window? */
function onPaused<R extends FollowedRoom>(s: FollowerState<R>, value: boolean, nowMs: number, atEnd = false): Step<R> {
  const mine = s.echoes.findIndex((e) => e.what === 'pause' && e.value === value);
  const state: FollowerState<R> = { ...s, playerPaused: value, echoes: mine >= 0 ? s.echoes.filter((_, i) => i !== mine) : s.echoes };
  // The file ran out under a playing room: the room's own end (its queue moves on), not a person's pause.
  if (mine >= 0 || atEnd || nowMs < s.quietUntilMs || s.phase.name !== 'steady') return { state, commands: [] };
  if (!isAdmin(s)) {
    const next = plan(state, nowMs, 'guest pause reverted');
    return { state: next.state, commands: [{ kind: 'osd', text: `only the admin (${s.room.admin}) controls this room` }, ...next.commands] };
  }
  if (value) return { state, commands: [{ kind: 'log', level: 'info', text: 'admin paused in mpv' }, { kind: 'control', action: 'pause' }] };
  // The admin's mpv has already started: hold it on its frame, and start everyone (the admin too) at
  // the room's one scheduled instant.
  const commands: FollowerCommand[] = [{ kind: 'log', level: 'info', text: 'admin played in mpv' }];
  const held = order(state, commands, { kind: 'pause', value: true }, nowMs);
  commands.push({ kind: 'control', action: 'play' });
  return { state: held, commands };
}

/** The player's rate changed: ours (a nudge, a room speed), or a person's keys? */
function onSpeedChanged<R extends FollowedRoom>(s: FollowerState<R>, rate: number, nowMs: number): Step<R> {
  const mine = s.echoes.findIndex((e) => e.what === 'speed' && Math.abs(e.rate - rate) < 1e-6);
  const state: FollowerState<R> = mine >= 0 ? { ...s, echoes: s.echoes.filter((_, i) => i !== mine) } : s;
  if (mine >= 0 || nowMs < s.quietUntilMs || s.phase.name !== 'steady' || Math.abs(rate - s.speed) < 1e-6) return { state, commands: [] };
  if (isAdmin(s)) {
    // mpv's keys scale the rate it had (our nudge included): scale the room's speed the same way.
    const wanted = Math.round(Math.max(0.25, Math.min(4, (roomRate(s.room) * rate) / s.speed)) * 100) / 100;
    return { state: { ...state, speed: rate }, commands: [{ kind: 'log', level: 'info', text: `admin set the speed to ${wanted}× in mpv` }, { kind: 'control', action: 'speed', rate: wanted }] };
  }
  const commands: FollowerCommand[] = [{ kind: 'osd', text: `only the admin (${s.room.admin}) controls this room` }];
  return { state: order(state, commands, { kind: 'speed', rate: s.speed }, nowMs), commands };
}

