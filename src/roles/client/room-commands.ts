/** room create / rooms / room close / control / watch: rooms from the command line. */
import path from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import chalk from 'chalk';
import type { MemberHealth, RoomState } from '../../net/messages.js';
import { WatchpartyError } from '../../core/errors.js';
import { positionAt, clock, SPEED_RANGE, speedText } from '../shared/room.js';
import { common, context, out, withSession, type CommonOptions } from './command-kit.js';
import { findVideo } from './video-commands.js';
import { watchRoom } from './watch.js';
import { parseSeekTarget, seekPositionMs } from './seek-target.js';
import { parseQuality } from './quality-driver.js';

function roomSummary(r: RoomState, nowMs = Date.now()) {
  return { id: r.id, video: r.videoName, admin: r.admin, members: r.members, paused: r.paused, position: Math.round(positionAt(r, nowMs)) / 1000, speed: r.speed, watching: r.watching, waiting_for: r.waitingFor, released: r.released, auto_release: r.autoRelease, audio_track: r.audioTrack ?? null, subtitle_track: r.subtitleTrack ?? null };
}

/** Each watching member's state from their latest report: playing / waiting / catching up / stalled. */
function memberStates(r: RoomState, health: MemberHealth[]) {
  return r.watching.map((user) => {
    const h = health.find((m) => m.user.toLowerCase() === user.toLowerCase());
    const released = r.released.some((u) => u.toLowerCase() === user.toLowerCase());
    const waited = r.waitingFor.some((u) => u.toLowerCase() === user.toLowerCase());
    const state = h?.state === 'stalled' ? 'stalled' : waited ? 'waiting' : released ? 'catching up' : (h?.state ?? 'unknown');
    return { user, state, buffered_ms: h?.bufferedMs ?? null, offset_ms: h?.offsetMs ?? null, rate_bps: h?.rateBps ?? null, need_bps: h?.needBps ?? null, slow_link: h?.slowLink ?? false, delivery_ms: h?.deliveryMs ?? null, rendition: h?.rendition ?? null };
  });
}

/** A track number (from 1), or with `offAllowed` also `off` (0). */
function parseTrack(value: string | undefined, offAllowed: boolean): number {
  if (offAllowed && value === 'off') return 0;
  if (value !== undefined && /^\d{1,3}$/.test(value) && Number(value) >= 1 && Number(value) <= (offAllowed ? 256 : 64)) return Number(value);
  throw new WatchpartyError('BAD_INPUT', `${offAllowed ? 'subtitles need a track number or off' : 'audio needs a track number'}${value === undefined ? '' : `, not "${value}"`}`, { hint: offAllowed ? 'e.g. watchparty control ROOM subtitles 1' : 'e.g. watchparty control ROOM audio 2' });
}

/** The same for an option (commander turns a refusal into a usage error). */
function trackOption(value: string, offAllowed: boolean): number {
  try {
    return parseTrack(value, offAllowed);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function registerRoomCommands(program: Command): void {
  const room = program
    .command('room')
    .description('create, manage or close rooms (see also: rooms, watch, control)')
    .addHelpText('after', '\nExamples:\n  $ watchparty room create clip.mkv --invite bob\n  $ watchparty room invite r-1a2b3c4d carol\n  $ watchparty room close r-1a2b3c4d');

  common(room.command('create <video>'))
    .description('create a room for a video and invite users; you are its admin')
    .option('--invite <users>', 'comma-separated user names', '')
    .option('--json', 'print the room as JSON')
    .addHelpText('after', '\nExamples:\n  $ watchparty room create "holiday.mp4" --invite bob,carol\n  $ watchparty watch $(watchparty room create clip.mkv --invite bob --json | jq -r .id)')
    .action(async (videoName: string, o: CommonOptions & { invite: string }) => {
      const invite = o.invite.split(',').map((s) => s.trim()).filter(Boolean);
      const r = await withSession(o, async (s) => {
        const { videos } = await s.peer.request('videos.list', {});
        const video = findVideo(videos, videoName);
        return (await s.peer.request('room.create', { videoId: video.id, invite })).room;
      });
      if (o.json) out(JSON.stringify(roomSummary(r)));
      else out(`${r.id}  (room for "${r.videoName}", admin ${r.admin}, members ${r.members.join(', ')}) — start it with: watchparty watch ${r.id}`);
    });

  common(room.command('close <roomId>'))
    .description('close a room you administer: every member is told and their player stops')
    .addHelpText('after', '\nExamples:\n  $ watchparty room close r-1a2b3c4d')
    .action(async (roomId: string, o: CommonOptions) => {
      await withSession(o, (s) => s.peer.request('room.control', { roomId, action: 'close' }));
      out(`closed ${roomId}`);
    });

  const manage = (name: string, args: string, action: 'invite' | 'remove' | 'handover' | 'mute' | 'unmute', what: string, example: string, done: (r: RoomState, users: string[]) => string) =>
    common(room.command(`${name} <roomId> ${args}`))
      .description(what)
      .addHelpText('after', `\nExample:\n  $ ${example}`)
      .action(async (roomId: string, who: string, o: CommonOptions) => {
        const users = who.split(',').map((u) => u.trim()).filter(Boolean);
        if (users.length === 0) throw new WatchpartyError('BAD_INPUT', `${name} needs a user name`, { hint: `e.g. ${example}` });
        const { room: r } = await withSession(o, (s) => s.peer.request('room.members', { roomId, action, users }));
        out(done(r, users));
      });
  manage('invite', '<users>', 'invite', 'invite more users to a room you administer (comma-separated); each gets a notification', 'watchparty room invite r-1a2b3c4d carol,dave', (r) => `${r.id}: members ${r.members.join(', ')}`);
  manage('remove', '<user>', 'remove', 'remove a member from a room you administer; their player stops', 'watchparty room remove r-1a2b3c4d dave', (r, [u]) => `${r.id}: removed ${u}; members ${r.members.join(', ')}`);
  manage('mute', '<users>', 'mute', "mute members in your room's chat (comma-separated); they keep watching", 'watchparty room mute r-1a2b3c4d dave', (r) => `${r.id}: muted ${r.muted.join(', ') || 'nobody'}`);
  manage('unmute', '<users>', 'unmute', "let muted members write in your room's chat again", 'watchparty room unmute r-1a2b3c4d dave', (r) => `${r.id}: muted ${r.muted.join(', ') || 'nobody'}`);
  manage('admin', '<user>', 'handover', 'hand the admin role of your room to another member', 'watchparty room admin r-1a2b3c4d bob', (r) => `${r.id}: ${r.admin} is the admin now`);

  common(program.command('rooms'))
    .description('the rooms you belong to')
    .option('--json', 'print [{"id","video","admin","members","paused","position"}]')
    .addHelpText('after', '\nExamples:\n  $ watchparty rooms\n  $ watchparty rooms --json | jq -r .[].id')
    .action(async (o: CommonOptions) => {
      const { rooms, health } = await withSession(o, async (s) => {
        const { rooms } = await s.peer.request('rooms.list', {});
        // Reports only for rooms someone has open (one request each).
        const health = new Map<string, MemberHealth[]>();
        for (const r of rooms.filter((x) => x.watching.length > 0).slice(0, 50)) health.set(r.id, (await s.peer.request('room.get', { roomId: r.id })).health);
        return { rooms, health };
      });
      if (o.json) {
        out(JSON.stringify(rooms.map((r) => ({ ...roomSummary(r), member_states: memberStates(r, health.get(r.id) ?? []) }))));
        return;
      }
      if (rooms.length === 0) out('no rooms: create one with "watchparty room create VIDEO --invite USERS"');
      for (const r of rooms) {
        const s = roomSummary(r);
        out(`${r.id}  ${r.videoName}  admin ${r.admin}  ${r.paused ? 'paused' : 'playing'} at ${clock(s.position * 1000)}${r.speed !== 1 ? ` (${speedText(r.speed)})` : ''}  members ${r.members.join(', ')}${r.watching.length ? `  watching ${r.watching.join(', ')}` : ''}${r.waitingFor.length ? `  waiting for ${r.waitingFor.join(', ')}` : ''}`);
      }
    });

  common(program.command('control <roomId> <action> [value]'))
    .description('play, pause, seek, set the speed of, or stop waiting in a room (admin only)')
    .addHelpText(
      'after',
      `\nseek TIME: seconds (90, 12.5), a clock (1:30, 1:02:03) or a step from the room's position (+10, -5).\nspeed RATE: ${SPEED_RANGE.min} to ${SPEED_RANGE.max} (1 is normal); every member follows from one instant.\ngo [USER]: while the room waits for members who are buffering, play on without them (or only USER).\nauto-release on|off: go on by itself without a member who stalls 3 times in 2 minutes (default off).\naudio N, subtitles N|off: the tracks every member plays (from 1, as mpv numbers them); a member may pick its own with watch --audio / --subtitles.\n\nExamples:\n  $ watchparty control r-1a2b3c4d play\n  $ watchparty control r-1a2b3c4d seek 90\n  $ watchparty control r-1a2b3c4d seek 1:30\n  $ watchparty control r-1a2b3c4d seek -5      # back five seconds\n  $ watchparty control r-1a2b3c4d speed 1.5\n  $ watchparty control r-1a2b3c4d go bob        # stop waiting for bob
  $ watchparty control r-1a2b3c4d auto-release on
  $ watchparty control r-1a2b3c4d audio 2
  $ watchparty control r-1a2b3c4d subtitles off`,
    )
    .action(async (roomId: string, action: string, value: string | undefined, o: CommonOptions) => {
      if (action !== 'play' && action !== 'pause' && action !== 'seek' && action !== 'speed' && action !== 'go' && action !== 'auto-release' && action !== 'audio' && action !== 'subtitles') {
        throw new WatchpartyError('BAD_INPUT', `unknown action "${action}": use play, pause, seek TIME, speed RATE, go [USER], auto-release on|off, audio N or subtitles N|off`, { hint: 'e.g. watchparty control ROOM seek 90' });
      }
      if (action === 'audio' || action === 'subtitles') {
        const track = parseTrack(value, action === 'subtitles');
        const { room: r } = await withSession(o, (s) => s.peer.request('room.control', { roomId, action: 'tracks', ...(action === 'audio' ? { audio: track } : { subtitles: track }) }));
        out(`${r.id}: audio track ${r.audioTrack ?? 'as in the file'}, subtitles ${r.subtitleTrack === 0 ? 'off' : (r.subtitleTrack ?? 'as in the file')}`);
        return;
      }
      if (action === 'auto-release') {
        if (value !== 'on' && value !== 'off') throw new WatchpartyError('BAD_INPUT', `auto-release needs on or off${value === undefined ? '' : `, not "${value}"`}`, { hint: 'e.g. watchparty control ROOM auto-release on' });
        const { room: r } = await withSession(o, (s) => s.peer.request('room.control', { roomId, action, on: value === 'on' }));
        out(`${r.id}: ${r.autoRelease ? 'goes on without a member who stalls 3 times in 2 minutes' : 'waits for every member'}`);
        return;
      }
      if (action === 'go') {
        const { room: r } = await withSession(o, (s) => s.peer.request('room.control', { roomId, action, ...(value ? { member: value } : {}) }));
        out(`${r.id}: ${r.paused ? 'paused' : 'playing'} at ${clock(positionAt(r, Date.now()))}; going on without ${r.released.join(', ') || 'nobody'}`);
        return;
      }
      if (action === 'seek' && value === undefined) throw new WatchpartyError('BAD_INPUT', 'seek needs a time: seconds, a clock or a step (+10, -5)', { hint: 'e.g. watchparty control ROOM seek 90' });
      if (action === 'speed') {
        const rate = Number(value);
        if (value === undefined || !/^\d+(\.\d+)?$/.test(value) || rate < SPEED_RANGE.min || rate > SPEED_RANGE.max) {
          throw new WatchpartyError('BAD_INPUT', `speed needs a rate from ${SPEED_RANGE.min} to ${SPEED_RANGE.max}${value === undefined ? '' : `, not "${value}"`}`, { hint: 'e.g. watchparty control ROOM speed 1.5' });
        }
        const { room: r } = await withSession(o, (s) => s.peer.request('room.control', { roomId, action, rate }));
        out(`${r.id}: ${speedText(r.speed)}, ${r.paused ? 'paused' : 'playing'} at ${clock(positionAt(r, Date.now()))}`);
        return;
      }
      const seconds = value;
      const target = action === 'seek' ? parseSeekTarget(seconds!) : undefined;
      const { room: r } = await withSession(o, async (s) => {
        if (!target) return s.peer.request('room.control', { roomId, action });
        // A step (+10, -5) is taken from where the room is now, so it needs the room's state first.
        const now = target.kind === 'relative' ? (await s.peer.request('room.get', { roomId })).room : undefined;
        const positionMs = seekPositionMs(target, now ? positionAt(now, Date.now()) : 0, now?.durationMs);
        return s.peer.request('room.control', { roomId, action, positionMs });
      });
      out(`${r.id}: ${r.paused ? 'paused' : 'playing'} at ${clock(positionAt(r, Date.now()))}`);
    });

  common(program.command('watch [roomId]'))
    .description('join a room and play it in sync (no argument: the last room you watched)')
    .option('--headless', 'no window or sound (mpv --vo=null --ao=null); print one JSON status line per second')
    .option('--mpv-ipc <path>', "mpv's IPC socket path, so other tools can observe it")
    .addOption(new Option('--mpv-arg <arg>', 'extra mpv argument (repeatable)').argParser((v: string, prev: string[] = []) => [...prev, v]))
    .addOption(new Option('--quality <q>', 'auto (what your link carries, switching in sync), source, or a rendition such as 480p').default('auto').argParser(parseQuality))
    .option('--file <path>', 'play your own copy of the video from this file (checked against the catalogue; no streaming)')
    .option('--own-copy', 'play the copy you uploaded (or checked with --file before) from the disk, if it is unchanged')
    .addOption(new Option('--audio <n>', "your own audio track (from 1), over the room's").argParser((v: string) => trackOption(v, false)))
    .addOption(new Option('--subtitles <n|off>', "your own subtitles (a track from 1, or off), over the room's").argParser((v: string) => trackOption(v, true)))
    .addHelpText('after', '\nExamples:\n  $ watchparty watch r-1a2b3c4d\n  $ watchparty watch            # rejoin the last room\n  $ watchparty watch r-1a2b3c4d --quality 480p\n  $ watchparty watch r-1a2b3c4d --file ~/Videos/holiday.mp4\n  $ watchparty watch r-1a2b3c4d --audio 2 --subtitles 1\n  $ watchparty watch r-1a2b3c4d --headless --mpv-ipc /tmp/mpv.sock')
    .action(async (roomId: string | undefined, o: CommonOptions & { headless?: boolean; mpvIpc?: string; mpvArg?: string[]; quality: string; audio?: number; subtitles?: number; file?: string; ownCopy?: boolean }) => {
      const ctx = context(o);
      const id = roomId ?? ctx.profile.data.lastRoom?.id;
      if (!id) throw new WatchpartyError('BAD_INPUT', 'no room given and none watched before', { hint: 'Name one: watchparty watch ROOM_ID ("watchparty rooms" lists yours).' });
      await watchRoom({
        ...ctx,
        roomId: id,
        headless: Boolean(o.headless),
        ...(o.mpvIpc ? { ipcPath: path.resolve(o.mpvIpc) } : {}),
        mpvArgs: o.mpvArg ?? [],
        quality: o.quality,
        ...(o.file ? { ownFile: path.resolve(o.file) } : {}),
        useKnownCopy: Boolean(o.ownCopy),
        tracks: { ...(o.audio !== undefined ? { audio: o.audio } : {}), ...(o.subtitles !== undefined ? { subtitles: o.subtitles } : {}) },
        onLine: (line) => out(line),
        onInfo: (m) => process.stderr.write(chalk.dim(m) + '\n'),
      });
    });
}
