/**
 * Central's store of each kind for the store tests: SQLite in a temporary folder, and PostgreSQL in a
 * fresh database of a throwaway cluster (one cluster per test file, started by `startStores`).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { CentralStore } from '../../src/roles/central/store.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

let cluster: TestPostgres | undefined;
const dirs: string[] = [];
let databases = 0;

export async function startStores(): Promise<void> {
  cluster = await startPostgres();
}

export function stopStores(): void {
  cluster?.stop();
  cluster = undefined;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
}

/** A new, empty PostgreSQL database on the test cluster; its URL. */
export async function freshDatabase(): Promise<string> {
  if (!cluster) throw new Error('startStores() first');
  const name = `wp${process.pid}_${++databases}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return cluster.url.replace(/\/postgres$/, `/${name}`);
}

/** An empty store of `kind`, and a way to open it again (as a restarted central would). */
export async function freshStore(kind: StoreKind): Promise<{ store: CentralStore; reopen: () => Promise<CentralStore>; dataDir: string }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wp-store-'));
  dirs.push(dataDir);
  const url = kind === 'postgres' ? await freshDatabase() : undefined;
  const open = () => CentralStore.open({ dataDir, ...(url ? { url } : {}) });
  return { store: await open(), reopen: open, dataDir };
}
