/**
 * The client's per-profile settings and session, kept with `conf` (atomic writes, so a crash never
 * leaves a half-written file). `--profile NAME` picks the store; `WATCHPARTY_HOME` moves all of them,
 * so several users can be scripted on one machine.
 */
import type { CopyBook, KnownCopy } from './own-copy.js';
import fs from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import { isDiskFull, WatchpartyError } from '../../core/errors.js';
import type { PinRecord, PinStore } from '../trust.js';

export interface ProfileData {
  host?: string;
  port?: number;
  user?: string;
  token?: string;
  subId?: string;
  subAddress?: string;
  /** The sub's certificate fingerprint as central reported it (absent: the sub serves plain text). */
  subFingerprint?: string;
  /** Trust on first use, per central `host:port`: its scheme and pinned certificate (like known_hosts). */
  centrals?: Record<string, PinRecord>;
  /** The room last watched and where it was, so `watchparty watch` with no argument rejoins it. */
  lastRoom?: { id: string; positionMs: number; atMs: number };
  /** Files on this disk known to hold a catalogue video (by sha256): uploaded from here, or checked with --file. */
  copies?: Record<string, KnownCopy>;
}

/** The profile's known copies, as own-copy.ts reads and writes them. */
export function copyBook(profile: Profile): CopyBook {
  return {
    get: (sha) => profile.data.copies?.[sha],
    // At most a few hundred: the oldest are forgotten first.
    set: (sha, copy) => profile.update({ copies: Object.fromEntries([...Object.entries(profile.data.copies ?? {}).filter(([k]) => k !== sha).slice(-199), [sha, copy]]) }),
  };
}

export const PROFILE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class Profile {
  private readonly conf: Conf<ProfileData>;

  constructor(readonly name: string) {
    if (!PROFILE_PATTERN.test(name)) {
      throw new WatchpartyError('BAD_INPUT', `invalid profile name "${name}": use letters, digits, "_" and "-" (at most 64)`, { hint: 'e.g. --profile alice' });
    }
    const home = process.env.WATCHPARTY_HOME;
    this.conf = new Conf<ProfileData>({
      projectName: 'watchparty',
      projectSuffix: '',
      configName: name,
      // The file holds the session token: readable by its owner only.
      configFileMode: 0o600,
      ...(home ? { cwd: path.join(path.resolve(home), 'profiles') } : {}),
    });
    // Profiles written by older versions were 0644.
    try {
      fs.chmodSync(this.conf.path, 0o600);
    } catch {
      /* not written yet */
    }
  }

  get path(): string {
    return this.conf.path;
  }

  get data(): ProfileData {
    return this.conf.store;
  }

  update(change: Partial<ProfileData>): void {
    this.saving(() => (this.conf.store = { ...this.conf.store, ...change }));
  }

  /** Forget the session (logout, or a token the cluster no longer accepts). */
  clearSession(): void {
    const { token: _t, subId: _s, subAddress: _a, subFingerprint: _f, ...rest } = this.conf.store;
    this.saving(() => (this.conf.store = rest));
  }

  /** Run a write of the profile folder; a full disk becomes an error that says so, not a crash. */
  private saving(write: () => void): void {
    try {
      write();
    } catch (err) {
      if (!isDiskFull(err)) throw err;
      throw new WatchpartyError('NO_SPACE', `cannot save the profile ${this.conf.path}: the disk is full`, { hint: `Free some space in ${path.dirname(this.conf.path)} and run the command again.`, cause: err });
    }
  }

  /** Record where the session is served; a sub without a fingerprint serves plain text. */
  setPlacement(p: { subId: string; subAddress: string; subFingerprint?: string | undefined }): void {
    const { subFingerprint: _f, ...rest } = this.conf.store;
    this.saving(() => (this.conf.store = { ...rest, subId: p.subId, subAddress: p.subAddress, ...(p.subFingerprint ? { subFingerprint: p.subFingerprint } : {}) }));
  }

  /** The centrals this profile trusts, as a pin store. */
  get pins(): PinStore {
    return {
      get: (address) => this.conf.store.centrals?.[address],
      set: (address, record) => this.update({ centrals: { ...this.conf.store.centrals, [address]: record } }),
    };
  }

  /** Forget the pin of one central (or every pin); returns the addresses forgotten. */
  resetPins(address?: string): string[] {
    const all = { ...this.conf.store.centrals };
    const gone = address === undefined ? Object.keys(all) : Object.hasOwn(all, address) ? [address] : [];
    for (const a of gone) delete all[a];
    this.update({ centrals: all });
    return gone;
  }

  /**
   * Highest notification id shown, per `instance:user`. Kept beside the conf file rather than in it:
   * the write must be one write + rename with nothing after it, because the caller prints right after
   * it returns and a crash between the two is what "exactly once" has to survive.
   */
  private get inboxPath(): string {
    return this.conf.path.replace(/\.json$/, '') + '.inbox.json';
  }

  lastShown(key: string): number {
    try {
      const v = (JSON.parse(fs.readFileSync(this.inboxPath, 'utf8')) as Record<string, unknown>)[key];
      return typeof v === 'number' ? v : 0;
    } catch {
      return 0;
    }
  }

  setLastShown(key: string, id: number): void {
    let all: Record<string, number> = {};
    try {
      all = JSON.parse(fs.readFileSync(this.inboxPath, 'utf8')) as Record<string, number>;
    } catch {
      /* first notification */
    }
    all[key] = id;
    const tmp = `${this.inboxPath}.${process.pid}.tmp`;
    this.saving(() => {
      try {
        fs.writeFileSync(tmp, JSON.stringify(all));
      } catch (err) {
        fs.rmSync(tmp, { force: true });
        throw err;
      }
      fs.renameSync(tmp, this.inboxPath);
    });
  }
}
