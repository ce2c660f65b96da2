/**
 * The room's playback transitions: the admin's controls (play, pause, seek, speed, a setting, close),
 * the admin's presence (heartbeat, and the tick that notices silence or a room nobody uses), and the
 * deletion of its video. Each takes the turn and the room so far (`next`) and returns the outcome.
 */
import { clock, roomSpeed, speedText } from '../../core/playback.js';
import { lastUsedMs, type Outcome, type Room, type RoomInput, type Turn } from './room-model.js';

/** "7 days", "5 hours", "3 minutes", "20 seconds": how long idle rooms last, for the closing message. */
function span(ms: number): string {
  const [n, unit] = ms >= 2 * 86_400_000 ? [ms / 86_400_000, 'day'] : ms >= 2 * 3_600_000 ? [ms / 3_600_000, 'hour'] : ms >= 120_000 ? [ms / 60_000, 'minute'] : [ms / 1000, 'second'];
  const whole = Math.round(n);
  return `${whole} ${unit}${whole === 1 ? '' : 's'}`;
}

/** Playing from here, a lead from now (every member seeks and starts on one frame). */
const startFromHere = (t: Turn) => ({ paused: false, positionMs: t.here, atMs: t.nowMs + t.rules.startLeadMs });
/** Paused here, now. */
const stopHere = (t: Turn) => ({ paused: true, positionMs: t.here, atMs: t.nowMs });

export function play(t: Turn, next: Room): Outcome {
  if (!t.room.paused) return { room: next };
  return { room: { ...next, ...startFromHere(t), resumeWhenAdminBack: true, adminPresent: true, waitingFor: [] }, event: { change: 'play', text: `${t.by} played at ${clock(t.here)}` } };
}

export function pause(t: Turn, next: Room): Outcome {
  const event = { change: 'pause' as const, text: `${t.by} paused at ${clock(t.here)}` };
  if (t.room.paused) {
    // Pausing a waiting room: it stays paused once everyone is ready.
    if (t.room.waitingFor.length === 0) return { room: next };
    return { room: { ...next, waitingFor: [], resumeWhenAdminBack: false }, event };
  }
  return { room: { ...next, ...stopHere(t), resumeWhenAdminBack: false }, event };
}

export function seek(t: Turn, next: Room, input: Extract<RoomInput, { type: 'seek' }>): Outcome {
  const to = Math.max(0, Math.min(t.room.durationMs, Math.round(input.positionMs)));
  return { room: { ...next, positionMs: to, atMs: t.room.paused ? t.nowMs : t.nowMs + t.rules.startLeadMs }, event: { change: 'seek', text: `${t.by} jumped to ${clock(to)}` } };
}

export function speed(t: Turn, next: Room, input: Extract<RoomInput, { type: 'speed' }>): Outcome {
  const rate = roomSpeed(input.rate);
  if (rate === t.room.speed) return { room: next };
  // From here, at the new rate; a playing room restarts a lead ahead so everyone changes together.
  return { room: { ...next, speed: rate, positionMs: t.here, atMs: t.room.paused ? t.nowMs : t.nowMs + t.rules.startLeadMs }, event: { change: 'speed', text: `${t.by} set the speed to ${speedText(rate)}` } };
}

export function autoRelease(t: Turn, next: Room, input: Extract<RoomInput, { type: 'autoRelease' }>): Outcome {
  if (t.room.autoRelease === input.on) return { room: next };
  const text = input.on ? `${t.by} set the room to go on without a member who keeps stalling` : `${t.by} set the room to wait for every member`;
  return { room: { ...next, autoRelease: input.on }, event: { change: 'setting', text } };
}

/** "audio track 2, subtitles off": what a track choice says. */
function tracksText(audio: number | undefined, subtitles: number | undefined): string {
  const parts = [...(audio !== undefined ? [`audio track ${audio}`] : []), ...(subtitles !== undefined ? [subtitles === 0 ? 'subtitles off' : `subtitle track ${subtitles}`] : [])];
  return parts.join(', ');
}

export function tracks(t: Turn, next: Room, input: Extract<RoomInput, { type: 'tracks' }>): Outcome {
  const audio = input.audio ?? t.room.audioTrack;
  const subtitles = input.subtitles ?? t.room.subtitleTrack;
  if (audio === t.room.audioTrack && subtitles === t.room.subtitleTrack) return { room: next };
  const chosen = { ...(audio !== undefined ? { audioTrack: audio } : {}), ...(subtitles !== undefined ? { subtitleTrack: subtitles } : {}) };
  return { room: { ...next, ...chosen }, event: { change: 'setting', text: `${t.by} chose ${tracksText(input.audio, input.subtitles)} for everyone` } };
}

export function close(t: Turn, next: Room, why: 'admin' | 'videoDeleted'): Outcome {
  const text = why === 'admin' ? `${t.by} closed the room` : `${t.by} deleted "${t.room.videoName}": the room is closed`;
  return { room: { ...next, closed: true, ...stopHere(t) }, event: { change: 'closed', text } };
}

/** The admin says it is there: a silent admin who comes back resumes a room it left playing. */
export function heartbeat(t: Turn, next: Room, isAdmin: boolean): Outcome {
  if (!isAdmin || t.room.adminPresent) return { room: next };
  const present = { ...next, adminPresent: true };
  if (t.room.resumeWhenAdminBack && t.room.paused) return { room: { ...present, ...startFromHere(t) }, event: { change: 'admin.back', text: `${t.by} is back: playing from ${clock(t.here)}` } };
  return { room: present, event: { change: 'admin.back', text: `${t.by} is here` } };
}

/** Central's clock moved: a silent admin pauses the room; a room nobody uses closes. */
export function tick(t: Turn, next: Room): Outcome {
  const { room, nowMs, rules } = t;
  if (room.adminPresent && nowMs - room.adminSeenMs > rules.adminSilenceMs) {
    const absent = { ...next, adminPresent: false };
    if (!room.paused) return { room: { ...absent, ...stopHere(t), resumeWhenAdminBack: true }, event: { change: 'admin.lost', text: `${room.admin} went silent: paused at ${clock(t.here)}` } };
    // Left paused: coming back must not start playback on its own.
    return { room: { ...absent, resumeWhenAdminBack: false }, event: { change: 'admin.lost', text: `${room.admin} went silent` } };
  }
  if (!room.adminPresent && room.watching.length === 0 && nowMs - lastUsedMs(room) > rules.idleCloseMs) {
    return { room: { ...next, closed: true, ...stopHere(t) }, event: { change: 'closed', text: `nobody has opened it for ${span(rules.idleCloseMs)}: the room is closed` } };
  }
  return { room: next };
}
