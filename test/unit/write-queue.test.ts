import { describe, expect, it } from 'vitest';
import type { Db, SqlValue } from '../../src/roles/central/db.js';
import { createLogger } from '../../src/core/log.js';
import { WriteQueue } from '../../src/roles/central/write-queue.js';

/** A Db that records statements and transactions; a statement containing "bad" fails (and rolls its transaction back). */
function fakeDb() {
  const log: string[] = [];
  const state = { down: false };
  let pending: string[] | undefined;
  const db: Db = {
    kind: 'sqlite',
    run: async (sql: string, _p?: readonly SqlValue[]) => {
      if (state.down) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      if (sql.includes('bad')) throw new Error(`failed: ${sql}`);
      (pending ?? log).push(sql);
      return 1;
    },
    get: async () => undefined,
    all: async () => [],
    tx: async <T,>(fn: (d: Db) => Promise<T>) => {
      pending = [];
      try {
        const out = await fn(db);
        log.push(`tx[${pending.join(',')}]`);
        return out;
      } finally {
        pending = undefined;
      }
    },
    rowsWritten: () => 0,
    close: async () => {},
  };
  return { db, log, state };
}

describe('WriteQueue', () => {
  it('writes in the order made, the writes of one turn in one transaction', async () => {
    const { db, log } = fakeDb();
    const q = new WriteQueue(db, undefined);
    for (const s of ['a', 'b', 'c']) q.add(s, (d) => d.run(s));
    await q.settled();
    q.add('d', (d) => d.run('d'));
    await q.settled();
    expect(log).toEqual(['tx[a,b,c]', 'tx[d]']);
  });

  it('a failing write is logged alone; the others of its batch still land, in order', async () => {
    const { db, log } = fakeDb();
    const lines: string[] = [];
    const q = new WriteQueue(db, createLogger('t', (r) => lines.push(r.message)));
    for (const s of ['a', 'bad', 'c']) q.add(s, (d) => d.run(s));
    await q.settled();
    expect(log).toEqual(['a', 'c']);
    expect(lines).toEqual(['could not save bad, skipped: failed: bad']);
  });

  it('settled() waits for the writes made before it, not for those made after', async () => {
    const { db, log } = fakeDb();
    const q = new WriteQueue(db, undefined);
    q.add('a', (d) => d.run('a'));
    const first = q.settled();
    let firstDone = false;
    void first.then(() => (firstDone = true));
    await new Promise((r) => setImmediate(r));
    q.add('b', (d) => d.run('b'));
    await first;
    expect(firstDone).toBe(true);
    expect(log[0]).toBe('tx[a]');
    await q.settled();
    expect(log).toEqual(['tx[a]', 'tx[b]']);
    expect(q.size).toBe(0);
  });

  it('while the database cannot take writes, keeps them in order, tells whoever waits, and writes them once it can', async () => {
    const { db, log, state } = fakeDb();
    const lines: string[] = [];
    let retry!: () => void;
    const q = new WriteQueue(db, createLogger('t', (r) => lines.push(r.message)), () => new Promise<void>((r) => (retry = r)));
    state.down = true;
    q.add('a', (d) => d.run('a'));
    q.add('b', (d) => d.run('b'));
    await expect(q.settled()).rejects.toThrow(/ECONNREFUSED/);
    // Asked again while it is down: told at once, nothing lost.
    await expect(q.settled()).rejects.toThrow(/ECONNREFUSED/);
    q.add('c', (d) => d.run('c'));
    expect(q.size).toBe(3);
    expect(lines).toEqual([expect.stringMatching(/cannot write to the store now \(connect ECONNREFUSED.*\); 2 change\(s\) kept, retrying/)]);
    state.down = false;
    retry();
    await new Promise((r) => setImmediate(r));
    await q.settled();
    expect(log).toEqual(['tx[a,b,c]']);
    expect(lines.at(-1)).toMatch(/takes writes again/);
  });

  it('a newer write of a key replaces one still waiting, in its place; one already taken is followed, not replaced', async () => {
    const { db, log } = fakeDb();
    const q = new WriteQueue(db, undefined);
    q.add('room 1', (d) => d.run('room1=a'), 'room 1');
    q.add('other', (d) => d.run('other'));
    q.add('room 1', (d) => d.run('room1=b'), 'room 1');
    q.add('room 1', (d) => d.run('room1=c'), 'room 1');
    // The first batch is taken at the end of this turn; what comes after queues behind it.
    await new Promise((r) => setImmediate(r));
    q.add('room 1', (d) => d.run('room1=d'), 'room 1');
    await q.settled();
    expect(log).toEqual(['tx[room1=c,other]', 'tx[room1=d]']);
  });
});
