/**
 * Rooms: the picker (left, or on top when narrow) and the watched room (right, or below). The admin
 * plays, pauses and seeks from here; guests are told, in place, that only the admin can.
 */
import { useEffect, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import { pageSize, useKeys } from './keys.js';
import { moveSelection } from './list-window.js';
import { PANEL_CHROME_ROWS } from './Panel.js';
import { RoomPicker } from './RoomPicker.js';
import { RoomView } from './RoomView.js';
import { editText, tail } from './TextField.js';
import { parseClock } from './time-input.js';
import { parseQueueInput, QUEUE_FIELD_HELP } from './queue-input.js';
import { line } from '../width.js';
import { stepSpeed } from '../../core/playback.js';
import type { TabProps } from './tab-props.js';

/** Below this many columns the room view goes under the picker instead of beside it. */
export const SIDE_BY_SIDE_MIN_COLUMNS = 100;
/** ←/→ seek this far. */
export const SEEK_STEP_MS = 10_000;
/** Arrow presses this close together step on from the last target. */
export const SEEK_CHAIN_MS = 1500;
/** How long a local notice ("only the admin…") stays. */
const NOTICE_MS = 4000;

export type RoomsTabProps = TabProps;

type MemberAction = 'invite' | 'remove' | 'handover' | 'mute' | 'unmute';
type Prompt = { kind: 'goto'; text: string } | { kind: 'close'; roomId: string; what: string } | { kind: 'members'; action: MemberAction; text: string } | { kind: 'say'; text: string } | { kind: 'queue'; text: string } | undefined;

/** What each member prompt asks for. */
const MEMBER_PROMPTS: Record<MemberAction, string> = { invite: 'invite (names, comma-separated): ', remove: 'remove member: ', handover: 'make admin: ', mute: 'mute in the chat (names): ', unmute: 'unmute (names): ' };
/** The member keys of the admin: i invite, k remove, a make admin, m mute, M unmute. */
const MEMBER_KEYS: Record<string, MemberAction> = { i: 'invite', k: 'remove', a: 'handover', m: 'mute', M: 'unmute' };

/**
 * Where an arrow seek starts: the last target while presses come quickly (the room's position has
 * not caught up with the first seek yet, so two quick → would land on the same place), else the
 * expected position.
 */
export function arrowSeekBase(expectedMs: number, last: { toMs: number; atMs: number } | undefined, nowMs: number): number {
  return last !== undefined && nowMs - last.atMs < SEEK_CHAIN_MS ? last.toMs : expectedMs;
}

/** The Rooms tab: picker, watched room, a notice line and the key hints. */
export function RoomsTab({ snapshot, actions, width, height, active, keys }: RoomsTabProps) {
  const [selectedId, setSelectedId] = useState<string | undefined>(undefined);
  const [prompt, setPrompt] = useState<Prompt>(undefined);
  const lastArrowSeek = useRef<{ toMs: number; atMs: number } | undefined>(undefined);
  // An object, so the same text said twice restarts its timer.
  const [notice, setNoticeState] = useState<{ text: string } | undefined>(undefined);
  const setNotice = (text: string) => setNoticeState({ text });
  const { rooms, watching } = snapshot;
  const found = rooms.findIndex((r) => r.id === (selectedId ?? watching?.room.id));
  const index = found >= 0 ? found : 0;

  useEffect(() => {
    if (notice === undefined) return;
    const timer = setTimeout(() => setNoticeState(undefined), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice]);
  // A prompt about a room that is no longer watched means nothing (closing one picked from the list stays).
  useEffect(() => {
    if (!watching) setPrompt((p) => (p?.kind === 'close' ? p : undefined));
  }, [watching?.room.id]);

  const wide = width >= SIDE_BY_SIDE_MIN_COLUMNS;
  const bodyHeight = Math.max(2 * (PANEL_CHROME_ROWS + 1), height - 2);
  const pickerHeight = wide ? bodyHeight : Math.max(PANEL_CHROME_ROWS + 1, Math.min(rooms.length + PANEL_CHROME_ROWS, Math.floor(bodyHeight * 0.4)));
  const pickerRows = pickerHeight - PANEL_CHROME_ROWS;

  const adminOnly = (): boolean => {
    if (!watching) {
      setNotice('open a room first: pick one and press Enter');
      return false;
    }
    if (!watching.isAdmin) {
      setNotice(`only the admin (${watching.room.admin}) controls this room`);
      return false;
    }
    return true;
  };
  const seekTo = (ms: number): number => {
    if (!watching) return ms;
    const to = Math.max(0, Math.min(watching.room.durationMs, Math.round(ms)));
    void actions.control('seek', to);
    return to;
  };

  useKeys(keys, (input, key) => {
    if (prompt?.kind === 'close') {
      if (input === 'y') void actions.closeRoom(prompt.roomId);
      setPrompt(undefined);
      return true;
    }
    if (prompt?.kind === 'queue') {
      if (key.escape) setPrompt(undefined);
      else if (key.return) {
        const edit = parseQueueInput(prompt.text);
        if ('error' in edit) setNotice(edit.error);
        else {
          void actions.editQueue(edit);
          setPrompt(undefined);
        }
      } else {
        setPrompt((p) => {
          const next = p?.kind === 'queue' ? editText(p.text, input, key) : undefined;
          return next !== undefined && next.length <= 20 ? { kind: 'queue', text: next } : p;
        });
      }
      return true;
    }
    if (prompt?.kind === 'say') {
      if (key.escape) setPrompt(undefined);
      else if (key.return) {
        if (prompt.text.trim()) void actions.say(prompt.text);
        setPrompt(undefined);
      } else {
        // 500 characters is central's limit; stop typing there rather than be refused after.
        setPrompt((p) => {
          const next = p?.kind === 'say' ? editText(p.text, input, key) : undefined;
          return next !== undefined && Array.from(next).length <= 500 ? { kind: 'say', text: next } : p;
        });
      }
      return true;
    }
    if (prompt?.kind === 'members') {
      if (key.escape) setPrompt(undefined);
      else if (key.return) {
        const users = prompt.text.split(',').map((u) => u.trim()).filter(Boolean);
        const many = prompt.action === 'invite' || prompt.action === 'mute' || prompt.action === 'unmute';
        if (users.length > 0) void actions.manageRoom(prompt.action, many ? users : users.slice(0, 1));
        setPrompt(undefined);
      } else {
        setPrompt((p) => {
          const next = p?.kind === 'members' ? editText(p.text, input, key) : undefined;
          return next !== undefined && p?.kind === 'members' ? { ...p, text: next } : p;
        });
      }
      return true;
    }
    if (prompt?.kind === 'goto') {
      if (key.escape) setPrompt(undefined);
      else if (key.return) {
        const ms = parseClock(prompt.text);
        if (ms === undefined) setNotice(`"${prompt.text}" is not a time: type 90, 1:30 or 1:02:03`);
        else {
          seekTo(ms);
          setPrompt(undefined);
        }
      } else {
        const next = editText(prompt.text, input, key);
        if (next !== undefined) setPrompt({ kind: 'goto', text: next });
      }
      return true;
    }
    const select = (by: number) => setSelectedId(rooms[moveSelection(index, by, rooms.length)]?.id);
    if (key.upArrow) select(-1);
    else if (key.downArrow) select(1);
    else if (key.pageUp) select(-pageSize(pickerRows));
    else if (key.pageDown) select(pageSize(pickerRows));
    else if (key.return) {
      const room = rooms[index];
      if (room) void actions.openRoom(room.id);
    } else if (input === ' ') {
      if (adminOnly() && watching) void actions.control(watching.room.paused ? 'play' : 'pause');
    } else if (key.leftArrow || key.rightArrow) {
      if (adminOnly() && watching) {
        const now = Date.now();
        const base = arrowSeekBase(watching.expectedMs, lastArrowSeek.current, now);
        lastArrowSeek.current = { toMs: seekTo(base + (key.rightArrow ? SEEK_STEP_MS : -SEEK_STEP_MS)), atMs: now };
      }
    } else if (input === 'o') {
      if (adminOnly() && watching) {
        if (watching.room.waitingFor.length === 0) setNotice('the room is not waiting for anyone');
        else void actions.goOn();
      }
    } else if (input === 'f') {
      if (watching) void actions.playOwnCopy();
    } else if (input === 'A') {
      if (adminOnly() && watching) void actions.setAutoRelease(!watching.room.autoRelease);
    } else if (input === '[' || input === ']') {
      if (adminOnly() && watching) void actions.setSpeed(stepSpeed(watching.room.speed, input === ']' ? 1 : -1));
    } else if (input === 'g') {
      if (adminOnly()) setPrompt({ kind: 'goto', text: '' });
    } else if (input === 'x') {
      // The room picked in the list (the watched one unless another is picked): its admin may close it.
      const room = rooms[index];
      if (!room) setNotice('no room to close');
      else if (room.admin.toLowerCase() !== snapshot.user?.toLowerCase()) setNotice(`only its admin (${room.admin}) can close room ${room.id}`);
      else setPrompt({ kind: 'close', roomId: room.id, what: `${room.id} (${room.videoName})` });
    } else if (MEMBER_KEYS[input]) {
      if (adminOnly()) setPrompt({ kind: 'members', action: MEMBER_KEYS[input]!, text: '' });
    } else if (input === 'e') {
      if (adminOnly()) setPrompt({ kind: 'queue', text: '' });
    } else if (input === 't') {
      if (watching) setPrompt({ kind: 'say', text: '' });
      else setNotice('open a room first: pick one and press Enter');
    } else if (input === 'l') {
      if (watching) void actions.leaveRoom();
      else setNotice('not watching a room');
    } else return false;
    return true;
  });

  if (!active) return null;

  const footer =
    prompt?.kind === 'goto' ? (
      <Text color="cyan" wrap="truncate-end">
        {'go to (90, 1:30, 1:02:03): '}
        {line(prompt.text, 20)}
        <Text inverse> </Text>
        <Text dimColor>{'  Enter go · Esc cancel'}</Text>
      </Text>
    ) : prompt?.kind === 'queue' ? (
      <Text color="cyan" wrap="truncate-end">
        {'queue: '}
        {prompt.text}
        <Text inverse> </Text>
        <Text dimColor>{`  ${QUEUE_FIELD_HELP} · Esc cancel`}</Text>
      </Text>
    ) : prompt?.kind === 'say' ? (
      <Text color="cyan" wrap="truncate-end">
        {'say: '}
        {tail(prompt.text, Math.max(10, width - 40))}
        <Text inverse> </Text>
        <Text dimColor>{'  Enter send · Esc cancel'}</Text>
      </Text>
    ) : prompt?.kind === 'members' ? (
      <Text color="cyan" wrap="truncate-end">
        {MEMBER_PROMPTS[prompt.action]}
        {line(prompt.text, 30)}
        <Text inverse> </Text>
        <Text dimColor>{'  Enter ok · Esc cancel'}</Text>
      </Text>
    ) : undefined;

  const pickerWidth = wide ? Math.max(28, Math.min(48, Math.floor(width * 0.36))) : width;
  const picker = <RoomPicker rooms={rooms} index={index} watchingId={watching?.room.id} width={pickerWidth} height={pickerHeight} />;
  const view = (
    <RoomView watch={watching} hasRooms={rooms.length > 0} width={wide ? width - pickerWidth : width} height={wide ? bodyHeight : bodyHeight - pickerHeight} focused={watching !== undefined} footer={footer} />
  );
  const hints = !watching
    ? '↑↓ pick a room · Enter open it in mpv · x close (admin)'
    : watching.isAdmin
      ? '↑↓ Enter open · space play/pause · ←→ seek 10 s · [ ] speed · o go on without · g go to · e queue · t chat · m mute · x close · l leave'
      : `↑↓ Enter open · t chat · l leave · only the admin (${watching.room.admin}) controls playback`;

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Box flexDirection={wide ? 'row' : 'column'} height={bodyHeight} flexShrink={0}>
        {picker}
        {view}
      </Box>
      <Text color="yellow" bold={prompt?.kind === 'close'} wrap="truncate-end">
        {line(prompt?.kind === 'close' ? `close room ${prompt.what} for everyone? y/n` : (notice?.text ?? ' '), width)}
      </Text>
      <Text dimColor wrap="truncate-end">
        {line(hints, width)}
      </Text>
    </Box>
  );
}
