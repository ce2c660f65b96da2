/**
 * Where servers keep their state, and a lock so two processes never share a data folder
 * (two centrals on one folder would both claim the same instance id).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDiskFull, WatchpartyError } from '../core/errors.js';

/** `$WATCHPARTY_HOME`, else `$XDG_DATA_HOME/watchparty`, else `~/.local/share/watchparty`. */
export function dataHome(): string {
  if (process.env.WATCHPARTY_HOME) return path.resolve(process.env.WATCHPARTY_HOME);
  const xdg = process.env.XDG_DATA_HOME;
  return path.join(xdg ? path.resolve(xdg) : path.join(os.homedir(), '.local', 'share'), 'watchparty');
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Create `dir` if needed and take its lock; a lock left by a dead process is taken over. */
export function lockDataDir(dir: string): { release(): void } {
  fs.mkdirSync(dir, { recursive: true });
  const lockPath = path.join(dir, 'lock');
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        try {
          if (fs.readFileSync(lockPath, 'utf8') === String(process.pid)) fs.unlinkSync(lockPath);
        } catch {
          /* already gone */
        }
      };
      process.once('exit', release);
      return { release };
    } catch (err) {
      if (isDiskFull(err)) {
        fs.rmSync(lockPath, { force: true }); // created, but empty: it would only confuse the next start
        throw new WatchpartyError('NO_SPACE', `the disk holding ${dir} is full: cannot even write its lock file`, { hint: 'Free some space there (or pick another --data folder) and start again.', cause: err });
      }
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number.parseInt(fs.readFileSync(lockPath, 'utf8'), 10);
      if (Number.isInteger(owner) && owner !== process.pid && processAlive(owner)) {
        throw new WatchpartyError('DATA_LOCKED', `the data folder ${dir} is in use by process ${owner}`);
      }
      fs.rmSync(lockPath, { force: true }); // stale: its owner died without cleaning up
    }
  }
  throw new WatchpartyError('DATA_LOCKED', `could not lock the data folder ${dir}`);
}
