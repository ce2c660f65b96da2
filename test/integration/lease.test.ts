/**
 * The leadership lease and the write fence on a real, throwaway PostgreSQL: one holder at a time, a new
 * epoch at each takeover, and a store whose epoch is no longer the lease's cannot write at all, however
 * sure its central is that it still leads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lease } from '../../src/roles/central/lease.js';
import { FencedDb } from '../../src/roles/central/fenced-db.js';
import { PgDb } from '../../src/roles/central/pg-db.js';
import { CentralStore } from '../../src/roles/central/store.js';
import { freshDatabase, startStores, stopStores } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait-for.js';

const TTL_MS = 600;

/** The error `p` rejects with. */
async function rejection(p: Promise<unknown>): Promise<unknown> {
  return p.then(() => expect.fail('expected a rejection'), (err: unknown) => err);
}
const noError = () => {};
const open: { close(forget?: boolean): Promise<void> }[] = [];

beforeAll(startStores, 60_000);
afterAll(async () => {
  for (const x of open) await x.close(true).catch(() => {});
  stopStores();
});

async function lease(url: string, holder: string, address: string): Promise<Lease> {
  const l = await Lease.open(url, holder, address, TTL_MS, undefined, noError);
  open.push(l);
  return l;
}

describe('leader lease', () => {
  it('grants one holder at a time, names it to the others, and gives a new epoch only after it expired', async () => {
    const url = await freshDatabase();
    const a = await lease(url, 'a', '127.0.0.1:1');
    const b = await lease(url, 'b', '127.0.0.1:2');
    expect(await a.claim()).toEqual({ kind: 'granted', epoch: 1 });
    expect(await b.claim()).toEqual({ kind: 'held', leader: { holder: 'a', address: '127.0.0.1:1', epoch: 1 } });
    // Renewals keep it: b cannot take it while a renews.
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setTimeout(r, TTL_MS / 3));
      expect(await a.renew(1)).toEqual({ kind: 'granted', epoch: 1 });
      expect((await b.claim()).kind).toBe('held');
    }
    const nodes = await b.nodes();
    expect(nodes.map((n) => [n.address, n.leading])).toEqual([['127.0.0.1:1', true], ['127.0.0.1:2', false]]);
    // a stops renewing (frozen): once its lease ends, b takes over with a new epoch; a's renewal now fails.
    const taken = await waitFor(async () => {
      const r = await b.claim();
      return r.kind === 'granted' ? r : undefined;
    }, { timeoutMs: 5 * TTL_MS, intervalMs: 50, what: "b taking over a's expired lease" });
    expect(taken).toEqual({ kind: 'granted', epoch: 2 });
    expect(await a.renew(1)).toEqual({ kind: 'held', leader: { holder: 'b', address: '127.0.0.1:2', epoch: 2 } });
    // A leader that stops on purpose lets the next one in at once.
    await b.release(2);
    expect(await a.claim()).toEqual({ kind: 'granted', epoch: 3 });
  });

  it("refuses every write of a store whose epoch is not the lease's, and tells its central once", async () => {
    const url = await freshDatabase();
    const a = await lease(url, 'a', '127.0.0.1:1');
    const b = await lease(url, 'b', '127.0.0.1:2');
    expect(await a.claim()).toEqual({ kind: 'granted', epoch: 1 });
    let fenced = 0;
    const store = await CentralStore.open({ dataDir: '/nonexistent', url, fence: { epoch: 1, holdMs: 2000, onFenced: () => (fenced += 1) } });
    try {
      expect(await store.addUser({ name: 'ann', salt: Buffer.alloc(16), hash: Buffer.alloc(32), subId: null, createdMs: 1 })).toBe(true);
      await a.release(1);
      expect(await b.claim()).toEqual({ kind: 'granted', epoch: 2 });
      // The old leader still believes it leads: PostgreSQL refuses its writes, awaited or in the background.
      expect(await rejection(store.addUser({ name: 'bob', salt: Buffer.alloc(16), hash: Buffer.alloc(32), subId: null, createdMs: 2 }))).toMatchObject({ code: 'NOT_LEADER' });
      store.setUserSub('ann', 'sub-9');
      expect(await rejection(store.settled())).toMatchObject({ code: 'NOT_LEADER' });
      expect(fenced).toBe(1);
    } finally {
      await store.abandon(new Error('test over'));
    }
    const db = await PgDb.open(url, noError);
    try {
      expect(await db.all('SELECT name, sub_id AS "subId" FROM users')).toEqual([{ name: 'ann', subId: null }]);
      // The new leader's store writes.
      const fresh = new FencedDb(db, 2, () => expect.fail('epoch 2 is the lease'));
      expect(await fresh.run('UPDATE users SET sub_id = ? WHERE name = ?', ['sub-1', 'ann'])).toBe(1);
    } finally {
      await db.close();
    }
  });
});
