/** CentralStore's user cache against a real SQLite file: every write is seen by the next read. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CentralStore } from '../../src/roles/central/store.js';

const dirs: string[] = [];
function open(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-store-'))): { store: CentralStore; dir: string } {
  dirs.push(dir);
  return { store: new CentralStore(dir), dir };
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const user = (name: string, subId: string | null = 'sub-1') => ({ name, salt: Buffer.from('s'), hash: Buffer.from('h'), subId, createdMs: 1 });

describe('CentralStore user rows', () => {
  it('a cached miss is forgotten when the user registers, and names are case-insensitive like SQLite', () => {
    const { store } = open();
    expect(store.getUser('ann')).toBeUndefined();
    expect(store.userNames()).toEqual([]);
    expect(store.addUser(user('Ann'))).toBe(true);
    expect(store.getUser('ann')?.name).toBe('Ann');
    expect(store.getUser('ANN')?.name).toBe('Ann');
    expect(store.addUser(user('aNN'))).toBe(false);
    expect(store.userNames()).toEqual(['Ann']);
    store.close();
  });

  it('sees every change of sub, password and deletion at once, and the same after reopening', () => {
    const { store, dir } = open();
    store.addUser(user('bob'));
    expect(store.getUser('bob')?.subId).toBe('sub-1');
    store.setUserSub('BOB', 'sub-2');
    expect(store.getUser('bob')?.subId).toBe('sub-2');
    store.setPassword('bob', Buffer.from('s2'), Buffer.from('h2'));
    expect(store.getUser('bob')?.hash.toString()).toBe('h2');
    store.addUser(user('cat'));
    store.deleteUser('cat');
    expect(store.getUser('cat')).toBeUndefined();
    expect(store.userNames()).toEqual(['bob']);
    store.close();
    const again = open(dir).store;
    expect(again.getUser('bob')).toMatchObject({ name: 'bob', subId: 'sub-2' });
    expect(again.getUser('cat')).toBeUndefined();
    again.close();
  });

  it('a returned list of names is a copy: changing it changes nothing', () => {
    const { store } = open();
    store.addUser(user('dan'));
    store.userNames().push('mallory');
    expect(store.userNames()).toEqual(['dan']);
    store.close();
  });

  it('keeps the users per sub in memory exactly as the table counts them, through every kind of write', () => {
    const { store, dir } = open();
    store.addUser(user('a', 'sub-1'));
    expect(store.assignedCounts()).toEqual(new Map([['sub-1', 1]]));
    store.addUser(user('b', 'sub-1'));
    store.addUser(user('c', null));
    expect(store.addUser(user('A', 'sub-2'))).toBe(false);
    store.setUserSub('B', 'sub-2');
    store.setUserSub('c', 'sub-2');
    store.setUserSub('nobody', 'sub-1');
    store.deleteUser('a');
    store.deleteUser('a');
    const counts = store.assignedCounts();
    expect(counts).toEqual(new Map([['sub-2', 2]]));
    counts.set('sub-9', 99);
    expect(store.assignedCounts()).toEqual(new Map([['sub-2', 2]]));
    store.close();
    const again = open(dir).store;
    expect(again.assignedCounts()).toEqual(new Map([['sub-2', 2]]));
    again.close();
  });
});
