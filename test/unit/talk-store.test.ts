/** Central's chat and direct messages against a real SQLite file: order, bounds, and what survives. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CentralStore } from '../../src/roles/central/store.js';
import { DMS_UNREAD_PER_SENDER } from '../../src/roles/central/talk-store.js';

const dirs: string[] = [];
function open(dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-talk-'))): Promise<CentralStore> {
  dirs.push(dir);
  return CentralStore.open({ dataDir: dir });
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('direct messages', () => {
  it("each push names the recipient's previous message, so a device can tell it missed one", async () => {
    const store = await open();
    const a = store.talk.addDm('ann', 'bob', 'one', 1);
    store.talk.addDm('ann', 'cid', 'to someone else', 2);
    const b = store.talk.addDm('cid', 'bob', 'two', 3);
    expect(a.prevId).toBe(0);
    expect(b.prevId).toBe(a.message.id);
    expect(store.talk.dms('bob', 0, 10).map((m) => m.text)).toEqual(['one', 'two']);
    await store.close();
  });

  it(`one sender may leave at most ${DMS_UNREAD_PER_SENDER} unread messages with one recipient; reading makes room; others still get through`, async () => {
    const store = await open();
    for (let i = 0; i < DMS_UNREAD_PER_SENDER; i++) store.talk.addDm('spam', 'bob', `m${i}`, i);
    expect(() => store.talk.addDm('spam', 'bob', 'one more', 9999)).toThrow(/bob has 1000 unread messages from you/);
    const fromAnn = store.talk.addDm('ann', 'bob', 'hello', 10_000);
    expect(store.talk.unread('bob')).toBe(DMS_UNREAD_PER_SENDER + 1);
    store.talk.markRead('bob', fromAnn.message.id, 10_001);
    expect(store.talk.unread('bob')).toBe(0);
    expect(store.talk.addDm('spam', 'bob', 'after reading', 10_002).message.text).toBe('after reading');
    await store.close();
  });

  it('messages and their order survive a restart on the same folder; ids never go back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-talk-'));
    const first = await open(dir);
    const m = first.talk.addDm('ann', 'bob', 'before', 1).message;
    await first.close();
    const again = await open(dir);
    expect(again.talk.dms('bob', 0, 10)).toEqual([m]);
    expect(again.talk.addDm('ann', 'bob', 'after', 2).message.id).toBeGreaterThan(m.id);
    await again.close();
  });
});

describe('room chat', () => {
  it("numbers each room's lines in order and forgets a room's chat when it closes", async () => {
    const store = await open();
    expect(store.talk.addChat('r-00000001', 'ann', 'a', 1).seq).toBe(1);
    expect(store.talk.addChat('r-00000002', 'bob', 'x', 2).seq).toBe(1);
    expect(store.talk.addChat('r-00000001', 'bob', 'b', 3).seq).toBe(2);
    store.talk.forgetChat('r-00000001');
    expect(store.talk.chat('r-00000001', 0, 100)).toEqual([]);
    expect(store.talk.chat('r-00000002', 0, 100).map((l) => l.text)).toEqual(['x']);
    await store.close();
  });
});
