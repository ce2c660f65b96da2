/**
 * Deleted videos stay deleted: a sub's replicator ignores a catalogue list or event that still names a
 * video central has deleted, and a room saved before `watchedMs` existed does not close on the first tick.
 * Real files in a temp folder; the only fake is central's side of the link (a list of videos).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Replicator } from '../../src/roles/sub/replicas.js';
import { CentralStore } from '../../src/roles/central/store.js';
import { RoomService } from '../../src/roles/central/rooms.js';
import { newRoom, ROOM_RULES } from '../../src/roles/shared/room.js';
import { createLogger } from '../../src/core/log.js';
import type { Peer } from '../../src/net/peer.js';
import type { VideoInfo } from '../../src/net/messages.js';

const dirs: string[] = [];
const temp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-tomb-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const log = createLogger('test', () => {}, 'error');
const video = (id: number): VideoInfo => ({ id, name: `v${id}.mkv`, size: 3, sha256: 'a'.repeat(64), durationMs: 1000, width: 2, height: 2, videoCodec: 'h264', audioCodec: null, uploader: 'ann', createdMs: 1, replicas: 0 });

describe('a sub after a deletion', () => {
  it('drops the replica, and a stale list or event naming the video does not bring it back', async () => {
    const dir = temp();
    fs.mkdirSync(path.join(dir, 'replicas'));
    fs.writeFileSync(path.join(dir, 'replicas', '7'), 'abc');
    // central's list still names #7: it was sent before the deletion and arrives after it.
    const central = { request: async () => ({ videos: [video(7)] }), closed: false } as unknown as Peer;
    const r = new Replicator(dir, log, () => central, () => {});
    r.added(video(7));
    r.removed(7);
    expect(fs.existsSync(path.join(dir, 'replicas', '7'))).toBe(false);
    await r.sync();
    r.added(video(7));
    expect(r.video(7)).toBeUndefined();
    expect(r.transfers()).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'replicas'))).toEqual([]);
    r.stop();
  });
});

describe('rooms saved before watchedMs existed', () => {
  it('count as used at load, so a room whose admin was last seen long ago does not close at once', async () => {
    const dir = temp();
    const first = await CentralStore.open({ dataDir: dir });
    const longAgo = Date.now() - 2 * ROOM_RULES.idleCloseMs;
    const { room } = newRoom({ id: 'r-0000abcd', videoId: 1, videoName: 'v.mkv', durationMs: 1000, admin: 'ann', invite: [], nowMs: longAgo });
    const { watchedMs: _w, ...old } = room;
    first.saveRoom(old);
    await first.close();
    const store = await CentralStore.open({ dataDir: dir });
    const rooms = new RoomService(store, log, { deliver: () => {}, invite: () => {}, health: () => {}, closed: () => {} });
    rooms.tick(Date.now());
    expect(rooms.all().map((r) => r.id)).toEqual(['r-0000abcd']);
    rooms.tick(Date.now() + ROOM_RULES.idleCloseMs + 1000);
    expect(rooms.all()).toEqual([]);
    await store.close();
  });
});
