/**
 * Central's store: one set of tests, run against both implementations (SQLite in a folder, PostgreSQL
 * in a throwaway cluster). What central keeps in memory must match what a reopened store loads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DMS_UNREAD_PER_SENDER } from '../../src/roles/central/talk-store.js';
import { newRoom } from '../../src/roles/shared/room.js';
import { freshDatabase, freshStore, startStores, stopStores, STORE_KINDS } from '../helpers/stores.js';
import { CentralStore } from '../../src/roles/central/store.js';
import { createLogger } from '../../src/core/log.js';

beforeAll(startStores, 60_000);
afterAll(stopStores);

const user = (name: string, subId: string | null = 'sub-1') => ({ name, salt: Buffer.from('s'), hash: Buffer.from('h'), subId, createdMs: 1 });
const video = (id: number, name: string) => ({ id, name, size: 10, sha256: 'a'.repeat(64), durationMs: 1000, width: 160, height: 120, videoCodec: 'h264', audioCodec: null, uploader: 'ann', createdMs: 5 });

describe.each(STORE_KINDS)('the store on %s', (kind) => {
  it('users: names without case, every change seen at once, the same after reopening; lists are copies', async () => {
    const { store, reopen } = await freshStore(kind);
    expect(store.getUser('ann')).toBeUndefined();
    expect(await store.addUser(user('Ann'))).toBe(true);
    expect(store.getUser('ANN')?.name).toBe('Ann');
    expect(await store.addUser(user('aNN'))).toBe(false);
    await store.addUser(user('bob'));
    store.setUserSub('BOB', 'sub-2');
    await store.setPassword('bob', Buffer.from('s2'), Buffer.from('h2'));
    await store.addUser(user('cat'));
    await store.deleteUser('cat');
    expect(store.getUser('bob')).toMatchObject({ subId: 'sub-2', hash: Buffer.from('h2') });
    store.userNames().push('mallory');
    expect(store.userNames()).toEqual(['Ann', 'bob']);
    await store.close();
    const again = await reopen();
    expect(again.getUser('bob')).toMatchObject({ name: 'bob', subId: 'sub-2', salt: Buffer.from('s2'), hash: Buffer.from('h2') });
    expect(again.getUser('cat')).toBeUndefined();
    expect(again.userNames()).toEqual(['Ann', 'bob']);
    await again.close();
  });

  it('keeps the users per sub in memory exactly as the table counts them, through every kind of write', async () => {
    const { store, reopen } = await freshStore(kind);
    await store.addUser(user('a', 'sub-1'));
    await store.addUser(user('b', 'sub-1'));
    await store.addUser(user('c', null));
    expect(await store.addUser(user('A', 'sub-2'))).toBe(false);
    store.setUserSub('B', 'sub-2');
    store.setUserSub('c', 'sub-2');
    store.setUserSub('nobody', 'sub-1');
    await store.deleteUser('a');
    await store.deleteUser('a');
    expect(store.assignedCounts()).toEqual(new Map([['sub-2', 2]]));
    expect(store.usersOfSub('sub-2')).toEqual(['b', 'c']);
    await store.close();
    expect((await reopen()).assignedCounts()).toEqual(new Map([['sub-2', 2]]));
  });

  it('sessions: add, look up, list, revoke, expire; the sub counter and instance id survive reopening', async () => {
    const { store, reopen } = await freshStore(kind);
    await store.addUser(user('ann'));
    expect(await store.sessions.add('tok-1', 'ann', 1000, '10.0.0.1')).toEqual([]);
    await store.sessions.add('tok-2', 'ann', 2000, '10.0.0.2');
    expect(await store.sessions.user('tok-1', 3000)).toBe('ann');
    expect(await store.sessions.user('forged', 3000)).toBeUndefined();
    expect((await store.sessions.list('ANN')).map((s) => s.source)).toEqual(['10.0.0.2', '10.0.0.1']);
    expect(await store.sessions.revokeOthers('ann', 'tok-1')).toHaveLength(1);
    expect(await store.sessions.user('tok-2', 3000)).toBeUndefined();
    const first = store.nextSubId();
    expect(store.nextSubId()).not.toBe(first);
    const instance = store.instanceId;
    await store.close();
    const again = await reopen();
    expect(again.instanceId).toBe(instance);
    expect(again.issuedSubId(first)).toBe(true);
    expect(again.nextSubId()).toBe('sub-3');
    expect(await again.sessions.user('tok-1', 4000)).toBe('ann');
    expect(await again.sessions.delete('tok-1')).toBe(true);
    await again.close();
  });

  it('the per-user session cap holds when many logins of one user land at once', async () => {
    const { store } = await freshStore(kind);
    await store.addUser(user('ann'));
    await Promise.all(Array.from({ length: 30 }, (_, i) => store.sessions.add(`tok-${i}`, 'ann', 1000 + i, 'here')));
    expect(await store.sessions.list('ann')).toHaveLength(10);
    await store.close();
  });

  it('catalogue: reserved names, ids that never repeat (also after a delete and a reopen), publish removes the reservation', async () => {
    const { store, reopen } = await freshStore(kind);
    const up = { id: 'u1', name: 'Clip.mkv', user: 'ann', size: 10, sha256: 'a'.repeat(64), createdMs: 1 };
    expect(await store.catalogue.addUpload(up)).toBe(true);
    expect(await store.catalogue.addUpload({ ...up, id: 'u2', name: 'clip.MKV' })).toBe(false);
    const [a, b] = [await store.catalogue.reserveVideoId(), await store.catalogue.reserveVideoId()];
    expect(b).toBe(a + 1);
    await store.catalogue.publishVideo('u1', video(b, 'Clip.mkv'));
    expect(store.catalogue.uploads()).toEqual([]);
    expect(store.videoByName('CLIP.mkv')?.id).toBe(b);
    // Names compare without case in every script, on both stores.
    await store.catalogue.publishVideo('none', video(await store.catalogue.reserveVideoId(), 'Über.mkv'));
    expect(await store.catalogue.addUpload({ ...up, id: 'u3', name: 'über.MKV' })).toBe(false);
    expect(await store.catalogue.deleteVideo(b)).toBe(true);
    expect(await store.catalogue.deleteVideo(b + 1)).toBe(true);
    await store.close();
    const again = await reopen();
    expect(again.videos()).toEqual([]);
    expect(await again.catalogue.reserveVideoId()).toBe(b + 2);
    await again.close();
  });

  it('notifications and rooms: stored, listed in order, acknowledged; a room reloads as last saved', async () => {
    const { store, reopen } = await freshStore(kind);
    const stored = await store.addNotifications(['ann', 'bob'], { kind: 'system', text: 'hello', atMs: 7 });
    await store.addNotifications(['ann'], { kind: 'system', text: 'again', atMs: 8 });
    expect((await store.pendingNotifications('ANN')).map((n) => n.text)).toEqual(['hello', 'again']);
    expect(await store.ackNotifications('ann', stored.get('ann')!.id)).toBe(1);
    const { room } = newRoom({ id: 'r-0000abcd', videoId: 1, videoName: 'v.mkv', durationMs: 1000, admin: 'ann', invite: ['bob'], nowMs: 1 });
    store.saveRoom(room);
    store.saveRoom({ ...room, seq: room.seq + 5 });
    await store.close();
    const again = await reopen();
    expect((await again.pendingNotifications('ann')).map((n) => n.text)).toEqual(['again']);
    expect(again.rooms()).toEqual([{ ...room, seq: room.seq + 5 }]);
    await again.close();
  });

  it('media jobs: tasks, leases and renditions are kept in memory and reload the same; ids never repeat', async () => {
    const { store, reopen } = await freshStore(kind);
    store.jobs.addTasks(3, [
      { key: 'probe', kind: 'probe', deps: [], spec: {} },
      { key: 'seg-0', kind: 'segment', deps: ['probe'], spec: { n: 1 }, segment: { index: 0 } } as never,
    ]);
    store.jobs.addTasks(3, [{ key: 'probe', kind: 'probe', deps: [], spec: {} }]);
    const [probe, seg] = store.jobs.tasksOf(3);
    store.jobs.save({ ...probe!, state: 'running', worker: 'sub-1', attempts: 1, leaseUntilMs: 99 });
    store.jobs.saveAccepted({ ...probe!, state: 'done', worker: 'sub-1', attempts: 1, finishedMs: 100 }, [{ size: 5, sha256: 'b'.repeat(64) }], 42, () => {
      store.jobs.setFacts(3, { durationMs: 1000 } as never);
    });
    const r1 = store.jobs.addRendition({ videoId: 3, rung: '240p', taskId: seg!.id, width: 320, height: 240, bps: 1000, size: 10, sha256: 'c'.repeat(64), createdMs: 1 });
    const r2 = store.jobs.addRendition({ videoId: 3, rung: '240p', taskId: seg!.id, width: 320, height: 240, bps: 1000, size: 11, sha256: 'd'.repeat(64), createdMs: 2 });
    expect(r2.id).toBeGreaterThan(r1.id);
    expect(store.jobs.runningBy('sub-1')).toBe(0);
    expect(store.jobs.activeVideos()).toEqual([3]);
    const before = { tasks: store.jobs.allTasks(), renditions: store.jobs.renditions(), facts: store.jobs.facts(3) };
    expect(before.tasks).toHaveLength(2);
    await store.close();
    const again = await reopen();
    expect({ tasks: again.jobs.allTasks(), renditions: again.jobs.renditions(), facts: again.jobs.facts(3) }).toEqual(before);
    expect(again.jobs.task(probe!.id)).toMatchObject({ state: 'done', outputs: [{ size: 5 }], cpuMs: 42 });
    again.jobs.deleteRenditions(3);
    again.jobs.deleteTasks(3);
    again.jobs.addTasks(3, [{ key: 'probe', kind: 'probe', deps: [], spec: {} }]);
    expect(again.jobs.tasksOf(3)[0]!.id).toBeGreaterThan(seg!.id);
    const r3 = again.jobs.addRendition({ videoId: 3, rung: '240p', taskId: 1, width: 1, height: 1, bps: 1, size: 1, sha256: 'e'.repeat(64), createdMs: 3 });
    expect(r3.id).toBeGreaterThan(r2.id);
    await again.close();
  });

  it("direct messages: each names the recipient's previous one; per-sender bound; reading makes room; survive reopening", async () => {
    const { store, reopen } = await freshStore(kind);
    const a = await store.talk.addDm('ann', 'bob', 'one', 1);
    await store.talk.addDm('ann', 'cid', 'to someone else', 2);
    const b = await store.talk.addDm('cid', 'BOB', 'two', 3);
    expect(a.prevId).toBe(0);
    expect(b.prevId).toBe(a.message.id);
    await Promise.all(Array.from({ length: DMS_UNREAD_PER_SENDER - 1 }, (_, i) => store.talk.addDm('ann', 'bob', `m${i}`, 10 + i)));
    await expect(store.talk.addDm('ann', 'bob', 'one more', 9999)).rejects.toThrow(/bob has 1000 unread messages from you/);
    expect(await store.talk.unread('bob')).toBe(DMS_UNREAD_PER_SENDER + 1);
    const listed = await store.talk.dms('bob', 0, 2000);
    // Messages sent at once to one recipient still each name the one before.
    expect(listed.map((m) => m.id)).toEqual([...listed.map((m) => m.id)].sort((x, y) => x - y));
    await store.talk.markRead('bob', listed.at(-1)!.id, 20_000);
    expect(await store.talk.unread('bob')).toBe(0);
    expect(await store.talk.setBlocked('bob', 'ann', true)).toEqual(['ann']);
    expect(await store.talk.blocks('BOB', 'Ann')).toBe(true);
    await store.close();
    const again = await reopen();
    expect((await again.talk.dms('bob', 0, 2)).map((m) => m.text)).toEqual(['one', 'two']);
    expect((await again.talk.addDm('cid', 'bob', 'after', 30_000)).message.id).toBeGreaterThan(listed.at(-1)!.id);
    await again.close();
  });

  it("room chat: each room's lines numbered in order, also when sent at once; a closed room's chat goes", async () => {
    const { store } = await freshStore(kind);
    const lines = await Promise.all(Array.from({ length: 20 }, (_, i) => store.talk.addChat('r-00000001', 'ann', `l${i}`, i)));
    expect(lines.map((l) => l.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await store.talk.addChat('r-00000002', 'bob', 'x', 2)).seq).toBe(1);
    expect((await store.talk.chat('r-00000001', 18, 100)).map((l) => l.text)).toEqual(['l18', 'l19']);
    await store.talk.forgetChat('r-00000001');
    expect(await store.talk.chat('r-00000001', 0, 100)).toEqual([]);
    expect((await store.talk.chat('r-00000002', 0, 100)).map((l) => l.text)).toEqual(['x']);
    await store.close();
  });
});

describe('central --migrate-to', () => {
  it('copies a SQLite store into PostgreSQL; ids go on after every id SQLite handed out, deleted rows too', async () => {
    const { store: sqlite, dataDir: dir } = await freshStore('sqlite');
    await sqlite.addUser(user('ann'));
    const n = await sqlite.addNotifications(['ann'], { kind: 'system', text: 'seen', atMs: 1 });
    await sqlite.ackNotifications('ann', n.get('ann')!.id);
    sqlite.jobs.addTasks(1, [{ key: 'probe', kind: 'probe', deps: [], spec: {} }]);
    const r = sqlite.jobs.addRendition({ videoId: 1, rung: '240p', taskId: 1, width: 1, height: 1, bps: 1, size: 1, sha256: 'a'.repeat(64), createdMs: 1 });
    sqlite.jobs.deleteRenditions(1);
    sqlite.jobs.deleteTasks(1);
    const instance = sqlite.instanceId;
    await sqlite.close();
    const url = await freshDatabase();
    const { migrateToPostgres } = await import('../../src/roles/central/migrate.js');
    const report = await migrateToPostgres(dir, url, createLogger('t', () => {}, 'error'));
    expect(report.instanceId).toBe(instance);
    const pgStore = await CentralStore.open({ dataDir: dir, url });
    expect(pgStore.instanceId).toBe(instance);
    expect(pgStore.getUser('ann')?.name).toBe('ann');
    const next = await pgStore.addNotifications(['ann'], { kind: 'system', text: 'new', atMs: 2 });
    expect(next.get('ann')!.id).toBeGreaterThan(n.get('ann')!.id);
    pgStore.jobs.addTasks(2, [{ key: 'probe', kind: 'probe', deps: [], spec: {} }]);
    expect(pgStore.jobs.tasksOf(2)[0]!.id).toBeGreaterThan(1);
    expect(pgStore.jobs.addRendition({ videoId: 2, rung: '240p', taskId: 2, width: 1, height: 1, bps: 1, size: 1, sha256: 'b'.repeat(64), createdMs: 2 }).id).toBeGreaterThan(r.id);
    await pgStore.close();
  });
});
