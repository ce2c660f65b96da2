/** CentralStore's user cache against a real SQLite file: every write is seen by the next read. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CentralStore } from '../../src/roles/central/store.js';

const dirs: string[] = [];
async function open(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-store-'))): Promise<{ store: CentralStore; dir: string }> {
  dirs.push(dir);
  return { store: await CentralStore.open({ dataDir: dir }), dir };
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const user = (name: string, subId: string | null = 'sub-1') => ({ name, salt: Buffer.from('s'), hash: Buffer.from('h'), subId, createdMs: 1 });

describe('CentralStore user rows', () => {
  it('a cached miss is forgotten when the user registers, and names are case-insensitive like SQLite', async () => {
    const { store } = await open();
    expect(store.getUser('ann')).toBeUndefined();
    expect(store.userNames()).toEqual([]);
    expect(await store.addUser(user('Ann'))).toBe(true);
    expect(store.getUser('ann')?.name).toBe('Ann');
    expect(store.getUser('ANN')?.name).toBe('Ann');
    expect(await store.addUser(user('aNN'))).toBe(false);
    expect(store.userNames()).toEqual(['Ann']);
    await store.close();
  });

  it('sees every change of sub, password and deletion at once, and the same after reopening', async () => {
    const { store, dir } = await open();
    await store.addUser(user('bob'));
    expect(store.getUser('bob')?.subId).toBe('sub-1');
    store.setUserSub('BOB', 'sub-2');
    expect(store.getUser('bob')?.subId).toBe('sub-2');
    await store.setPassword('bob', Buffer.from('s2'), Buffer.from('h2'));
    expect(store.getUser('bob')?.hash.toString()).toBe('h2');
    await store.addUser(user('cat'));
    await store.deleteUser('cat');
    expect(store.getUser('cat')).toBeUndefined();
    expect(store.userNames()).toEqual(['bob']);
    await store.close();
    const again = (await open(dir)).store;
    expect(again.getUser('bob')).toMatchObject({ name: 'bob', subId: 'sub-2' });
    expect(again.getUser('cat')).toBeUndefined();
    await again.close();
  });

  it('a returned list of names is a copy: changing it changes nothing', async () => {
    const { store } = await open();
    await store.addUser(user('dan'));
    store.userNames().push('mallory');
    expect(store.userNames()).toEqual(['dan']);
    await store.close();
  });

  it('keeps the users per sub in memory exactly as the table counts them, through every kind of write', async () => {
    const { store, dir } = await open();
    await store.addUser(user('a', 'sub-1'));
    expect(store.assignedCounts()).toEqual(new Map([['sub-1', 1]]));
    await store.addUser(user('b', 'sub-1'));
    await store.addUser(user('c', null));
    expect(await store.addUser(user('A', 'sub-2'))).toBe(false);
    store.setUserSub('B', 'sub-2');
    store.setUserSub('c', 'sub-2');
    store.setUserSub('nobody', 'sub-1');
    await store.deleteUser('a');
    await store.deleteUser('a');
    const counts = store.assignedCounts();
    expect(counts).toEqual(new Map([['sub-2', 2]]));
    counts.set('sub-9', 99);
    expect(store.assignedCounts()).toEqual(new Map([['sub-2', 2]]));
    await store.close();
    const again = (await open(dir)).store;
    expect(again.assignedCounts()).toEqual(new Map([['sub-2', 2]]));
    await again.close();
  });
});
