/** `watchparty backup`: an online copy of central's SQLite state, taken while central runs, that a central starts from. */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCluster } from '../helpers/cluster.js';
import { runToEnd, startCentral, status, tempDir } from '../helpers/spawn-role.js';

describe('watchparty backup', () => {
  it('copies the state while central runs; a central started on the copy is the same instance with the same users', async () => {
    const c = await startCluster({ subs: 1 });
    await c.register('ann');
    await c.register('bob');
    const before = await status(c.central.port);
    const file = path.join(tempDir('wp-backup-'), 'central.sqlite');
    const r = await runToEnd(['backup', file, '--data', c.central.dataDir]);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/backed up central's state \(\d+ KiB\) to /);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    // Central went on running and writing meanwhile.
    await c.register('cat');
    const again = await runToEnd(['backup', file, '--data', c.central.dataDir]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/exists already: name a new file/);

    const restored = tempDir('wp-restored-');
    fs.copyFileSync(file, path.join(restored, 'central.sqlite'));
    fs.copyFileSync(path.join(c.central.dataDir, 'secret'), path.join(restored, 'secret'));
    const central = await startCentral({ dataDir: restored });
    try {
      const s = (await status(central.port)) as unknown as { instance: string; users: number };
      expect(s.instance).toBe(before.instance);
      expect(s.users).toBe(2);
    } finally {
      central.kill('SIGTERM');
      await central.exited();
    }
  });

  it('says what is wrong with a folder that holds no central', async () => {
    const r = await runToEnd(['backup', path.join(tempDir(), 'x.sqlite'), '--data', tempDir('wp-empty-')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/there is no central state in .* \(no central\.sqlite\)/);
  });
});
