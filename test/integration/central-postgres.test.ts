/**
 * `central --store postgres://…` end to end, with real processes and a throwaway PostgreSQL cluster:
 * accounts, the catalogue, rooms and sessions live in PostgreSQL, a `kill -9`ed central comes back with
 * all of them, and a password never rides on the command line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster } from '../helpers/cluster.js';
import { fileScope, runToEnd, startCentral, tempDir, type Server } from '../helpers/spawn-role.js';
import { makeClip } from '../helpers/make-clip.js';
import { freshDatabase, startStores, stopStores } from '../helpers/stores.js';
import { waitFor } from '../helpers/wait-for.js';

let clip: string;
beforeAll(async () => {
  await startStores();
  const dir = await fileScope(async () => tempDir('wp-clips-'));
  clip = makeClip(dir, { seconds: 20, width: 64, height: 48, name: 'pg.mkv' });
}, 120_000);
afterAll(stopStores);

describe('central on PostgreSQL', () => {
  it('keeps accounts, sessions, videos and a playing room in PostgreSQL through a kill -9', async () => {
    const url = await freshDatabase();
    const c = await startCluster({ subs: 1, centralArgs: ['--store', url] });
    await c.central.waitFor(/state in PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:\d+\/wp/);
    await c.register('ann');
    await c.register('bob');
    expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
    const roomId = (JSON.parse((await c.cli('ann', ['room', 'create', 'pg.mkv', '--invite', 'bob', '--json'])).stdout) as { id: string }).id;
    expect((await c.cli('ann', ['control', roomId, 'play'])).code).toBe(0);
    const status = JSON.parse((await c.cli('ann', ['status', '--json'])).stdout) as { store: { kind: string; rowsWritten: number } };
    expect(status.store.kind).toBe('postgres');
    expect(status.store.rowsWritten).toBeGreaterThan(0);

    c.central.kill('SIGKILL');
    await c.central.exited();
    const again: Server = await startCentral({ dataDir: c.central.dataDir, port: c.central.port, extraArgs: ['--store', url] });
    try {
      await again.waitFor(/loaded 1 rooms/);
      // Bob's session (a token in his profile) still works: nobody logs in again.
      const rooms = await waitFor(async () => {
        const r = await c.cli('bob', ['rooms', '--json']);
        return r.code === 0 && (JSON.parse(r.stdout) as { id: string; paused: boolean; video: string }[]);
      }, { timeoutMs: 20_000, what: "bob's rooms from the restarted central" });
      expect(rooms).toEqual([expect.objectContaining({ id: roomId, paused: false, video: 'pg.mkv' })]);
      const videos = JSON.parse((await c.cli('bob', ['videos', '--json'])).stdout) as { name: string }[];
      expect(videos.map((v) => v.name)).toEqual(['pg.mkv']);
      expect((await c.cli('ann', ['room', 'close', roomId])).code).toBe(0);
    } finally {
      again.kill('SIGTERM');
      await again.exited();
    }
  });

  it('refuses a password on the command line, and a store that is not PostgreSQL, before opening anything', async () => {
    const withPassword = await runToEnd(['central', '--headless', '--port', '0', '--bind', '127.0.0.1', '--data', tempDir('wp-central-'), '--store', 'postgres://ann:hunter2@127.0.0.1:1/x']);
    expect(withPassword.code).toBe(2);
    expect(withPassword.stderr).toMatch(/--store holds a password[^]*PGPASSWORD or ~\/\.pgpass/);
    expect(withPassword.output).not.toContain('hunter2');
    const other = await runToEnd(['central', '--headless', '--port', '0', '--bind', '127.0.0.1', '--data', tempDir('wp-central-'), '--store', 'mysql://127.0.0.1/x']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/must be sqlite or a postgres:\/\/ URL/);
  });

  it('says which PostgreSQL it cannot reach, without the password, and exits', async () => {
    const r = await runToEnd(['central', '--headless', '--port', '0', '--bind', '127.0.0.1', '--data', tempDir('wp-central-')], {
      env: { WATCHPARTY_STORE: 'postgres://ann:hunter2@127.0.0.1:1/nothing', WATCHPARTY_SECRET: 'x'.repeat(43) },
    });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/cannot use the PostgreSQL store at postgres:\/\/ann:\*\*\*@127\.0\.0\.1:1\/nothing/);
    expect(r.output).not.toContain('hunter2');
  });
});

describe('moving from SQLite to PostgreSQL', () => {
  it('central --migrate-to copies everything into an empty database; central on it carries on where SQLite left off', async () => {
    const c = await startCluster({ subs: 1 });
    await c.register('ann');
    await c.register('bob');
    expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
    const roomId = (JSON.parse((await c.cli('ann', ['room', 'create', 'pg.mkv', '--invite', 'bob', '--json'])).stdout) as { id: string }).id;
    expect((await c.cli('ann', ['msg', 'bob', 'hello from sqlite'])).code).toBe(0);
    const instance = (JSON.parse((await c.cli('ann', ['status', '--json'])).stdout) as { instance: string }).instance;
    c.central.kill('SIGTERM');
    await c.central.exited();

    const url = await freshDatabase();
    const migrated = await runToEnd(['central', '--data', c.central.dataDir, '--migrate-to', url]);
    expect(migrated.code, migrated.output).toBe(0);
    expect(migrated.stdout).toMatch(/copied central's state .* \(instance [0-9a-f-]+\):\n {2}meta \d+, users 2, sessions 2, /);
    const twice = await runToEnd(['central', '--data', c.central.dataDir, '--migrate-to', url]);
    expect(twice.code).not.toBe(0);
    expect(twice.stderr).toMatch(/already holds 2 users and 1 videos: migrate into an empty one/);

    const again = await startCentral({ dataDir: c.central.dataDir, port: c.central.port, extraArgs: ['--store', url] });
    try {
      expect((JSON.parse((await c.cli('bob', ['status', '--json'])).stdout) as { instance: string }).instance).toBe(instance);
      const listed = await waitFor(async () => {
        const r = await c.cli('bob', ['inbox', '--json']);
        return r.code === 0 ? r.stdout : undefined;
      }, { timeoutMs: 20_000, what: "bob's inbox from central on PostgreSQL" });
      const inbox = JSON.parse(listed.split('\n')[0]!) as { id: number; text: string };
      expect(inbox.text).toBe('hello from sqlite');
      expect(JSON.parse((await c.cli('bob', ['rooms', '--json'])).stdout)).toEqual([expect.objectContaining({ id: roomId })]);
      // PostgreSQL numbers new rows after the copied ones.
      const sent = JSON.parse((await c.cli('ann', ['msg', 'bob', 'hello from postgres', '--json'])).stdout) as { id: number };
      expect(sent.id).toBeGreaterThan(inbox.id);
    } finally {
      again.kill('SIGTERM');
      await again.exited();
    }
  });
});
