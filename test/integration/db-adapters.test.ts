/**
 * The Db contract, run against both implementations: the embedded SQLite file and a real, throwaway
 * PostgreSQL cluster (test/helpers/postgres.ts). The store is written once against this contract, so
 * anything the two do differently is caught here first.
 */
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dialectOf, type Db } from '../../src/roles/central/db.js';
import { PgDb } from '../../src/roles/central/pg-db.js';
import { SqliteDb } from '../../src/roles/central/sqlite-db.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

let cluster: TestPostgres;
const dirs: string[] = [];
const opened: Db[] = [];
let databases = 0;

beforeAll(async () => {
  cluster = await startPostgres();
}, 60_000);

afterAll(async () => {
  for (const db of opened) await db.close().catch(() => {});
  cluster?.stop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh database of each kind. */
const kinds: Record<string, () => Promise<Db>> = {
  sqlite: async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-db-'));
    dirs.push(dir);
    const db = new SqliteDb(new Database(path.join(dir, 'x.sqlite')));
    opened.push(db);
    return db;
  },
  postgres: async () => {
    const name = `t${++databases}`;
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const db = await PgDb.open(cluster.url.replace(/\/postgres$/, `/${name}`), () => {});
    opened.push(db);
    return db;
  },
};

async function schema(db: Db): Promise<void> {
  const d = dialectOf(db);
  await db.run(`CREATE TABLE items (id ${d.serialKey}, name ${d.nocaseText} NOT NULL UNIQUE, size ${d.bigint} NOT NULL, blob ${d.bytes})`);
}

describe.each(Object.keys(kinds))('Db on %s', (kind) => {
  it('numbers placeholders, returns ids, 64-bit sizes as numbers, bytes as bytes, camel-case aliases', async () => {
    const db = await kinds[kind]!();
    await schema(db);
    const a = await db.get<{ id: number }>('INSERT INTO items (name, size, blob) VALUES (?, ?, ?) RETURNING id', ['Alpha', 2 ** 40 + 3, Buffer.from([0, 255, 7])]);
    const b = await db.get<{ id: number }>('INSERT INTO items (name, size) VALUES (?, ?) RETURNING id', ['beta', 5]);
    expect(typeof a!.id).toBe('number');
    expect(b!.id).toBeGreaterThan(a!.id);
    const row = await db.get<{ itemName: string; size: number; blob: Buffer }>('SELECT name AS "itemName", size, blob FROM items WHERE id = ?', [a!.id]);
    expect(row).toEqual({ itemName: 'Alpha', size: 2 ** 40 + 3, blob: Buffer.from([0, 255, 7]) });
    const count = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM items');
    expect(count!.n).toBe(2);
    expect(await db.all<{ name: string }>('SELECT name FROM items ORDER BY name')).toEqual([{ name: 'Alpha' }, { name: 'beta' }]);
  });

  it('compares names without case, in lookups and in uniqueness', async () => {
    const db = await kinds[kind]!();
    await schema(db);
    await db.run('INSERT INTO items (name, size) VALUES (?, ?)', ['Ann', 1]);
    expect((await db.get<{ name: string }>('SELECT name FROM items WHERE name = ?', ['aNN']))?.name).toBe('Ann');
    expect(await db.run('INSERT INTO items (name, size) VALUES (?, ?) ON CONFLICT DO NOTHING', ['ANN', 2])).toBe(0);
  });

  it('a transaction is all or nothing, and counts what it wrote', async () => {
    const db = await kinds[kind]!();
    await schema(db);
    const before = db.rowsWritten();
    await db.tx(async (t) => {
      await t.run('INSERT INTO items (name, size) VALUES (?, ?)', ['one', 1]);
      await t.run('INSERT INTO items (name, size) VALUES (?, ?)', ['two', 2]);
    });
    await expect(
      db.tx(async (t) => {
        await t.run('INSERT INTO items (name, size) VALUES (?, ?)', ['three', 3]);
        await t.run('INSERT INTO items (name, size) VALUES (?, ?)', ['ONE', 4]);
      }),
    ).rejects.toThrow();
    expect((await db.all<{ name: string }>('SELECT name FROM items ORDER BY id')).map((r) => r.name)).toEqual(['one', 'two']);
    expect(db.rowsWritten() - before).toBeGreaterThanOrEqual(2);
    expect(await db.run('UPDATE items SET size = size + 1')).toBe(2);
  });

  it('statements from outside a transaction never land inside it (a rollback keeps them)', async () => {
    const db = await kinds[kind]!();
    await schema(db);
    let inside!: () => void;
    const entered = new Promise<void>((r) => (inside = r));
    let finish!: () => void;
    const held = new Promise<void>((r) => (finish = r));
    const failing = db.tx(async (t) => {
      await t.run('INSERT INTO items (name, size) VALUES (?, ?)', ['in-tx', 1]);
      inside();
      await held;
      throw new Error('roll back');
    });
    await entered;
    const outside = db.run('INSERT INTO items (name, size) VALUES (?, ?)', ['outside', 2]);
    finish();
    await expect(failing).rejects.toThrow('roll back');
    await outside;
    expect((await db.all<{ name: string }>('SELECT name FROM items')).map((r) => r.name)).toEqual(['outside']);
  });

  it('transactions and statements started in the same turn all run, none inside another', async () => {
    const db = await kinds[kind]!();
    await schema(db);
    const work = Array.from({ length: 10 }, (_, i) =>
      i % 2 === 0
        ? db.tx(async (t) => {
            await t.run('INSERT INTO items (name, size) VALUES (?, ?)', [`tx${i}`, i]);
            if (i === 4) throw new Error('roll back four');
          })
        : db.run('INSERT INTO items (name, size) VALUES (?, ?)', [`run${i}`, i]),
    );
    const results = await Promise.allSettled(work);
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual(['Error: roll back four']);
    expect((await db.all<{ name: string }>('SELECT name FROM items ORDER BY name')).map((r) => r.name)).toEqual(['run1', 'run3', 'run5', 'run7', 'run9', 'tx0', 'tx2', 'tx6', 'tx8']);
  });
});
