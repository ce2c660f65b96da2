/** A member's copy of a room's chat: in order, each line once, gaps filled from the history. */
import { describe, expect, it } from 'vitest';
import { RoomChat } from '../../src/roles/client/room-chat.js';
import type { ChatLine } from '../../src/net/chat-messages.js';
import { FakePeer } from '../fakes/fake-peer.js';

const ROOM = 'r-00000001';
const line = (seq: number): ChatLine => ({ roomId: ROOM, seq, atMs: seq, user: 'ann', text: `line ${seq}` });

/** Central's chat so far; history answers `afterSeq` like central does (the last `limit`). */
function central(said: number[]) {
  return new FakePeer((type, p) => {
    if (type !== 'chat.history') throw new Error(type);
    const after = (p.afterSeq as number | undefined) ?? 0;
    return { lines: said.filter((s) => s > after).slice(-(p.limit as number)).map(line) };
  });
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe('RoomChat', () => {
  it('shows the history on joining, then pushes, each once and in order', async () => {
    const said = [1, 2];
    const peer = central(said);
    const chat = new RoomChat(ROOM);
    const shown: [number, boolean][] = [];
    chat.onLine((l, fromHistory) => shown.push([l.seq, fromHistory]));
    await chat.attach(peer.asPeer());
    peer.emit('room.chat', { line: line(3) });
    peer.emit('room.chat', { line: line(3) });
    expect(shown).toEqual([[1, true], [2, true], [3, false]]);
  });

  it('a line that skips a number fetches the missing ones first (a push was lost)', async () => {
    const said = [1];
    const peer = central(said);
    const chat = new RoomChat(ROOM);
    const shown: number[] = [];
    chat.onLine((l) => shown.push(l.seq));
    await chat.attach(peer.asPeer());
    said.push(2, 3, 4);
    peer.emit('room.chat', { line: line(4) });
    await settle();
    expect(shown).toEqual([1, 2, 3, 4]);
    expect(peer.requests.at(-1)).toEqual({ type: 'chat.history', params: { roomId: ROOM, limit: 100, afterSeq: 1 } });
  });

  it('the sub back with central lists again; pushes during the listing follow it', async () => {
    const said = [1];
    const peer = central(said);
    const chat = new RoomChat(ROOM);
    const shown: number[] = [];
    chat.onLine((l) => shown.push(l.seq));
    await chat.attach(peer.asPeer());
    said.push(2, 3);
    peer.emit('talk.resync', {});
    peer.emit('room.chat', { line: line(3) });
    await settle();
    expect(shown).toEqual([1, 2, 3]);
  });

  it('--last N: the first listing brings N lines', async () => {
    const peer = central([1, 2, 3, 4, 5]);
    const chat = new RoomChat(ROOM, 2);
    await chat.attach(peer.asPeer());
    expect(chat.all.map((l) => l.seq)).toEqual([4, 5]);
  });
});
