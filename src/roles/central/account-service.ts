/**
 * Accounts and sessions on central: register, log in, locate, change a password, list and revoke
 * sessions, and the session checks subs ask for. Authorization happens here, never only in a client.
 * Every attempt is counted per source address (and failed logins per name and address), so a stranger's
 * guesses never delay the owner's own login from elsewhere.
 */
import type { Peer } from '../../net/peer.js';
import type { Notification } from '../../net/messages.js';
import { isDiskFull, WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { LOGIN_LIMIT, recordFailure, waitBeforeAttemptMs, type FailureRecord, type LoginLimitPolicy } from '../shared/rate-limit.js';
import { QuotaBook } from '../shared/quota.js';
import { checkName, checkPassword, hashPassword, newToken, secretsEqual, verifyPassword } from './accounts.js';
import { tokenDigest } from '../shared/token-digest.js';
import type { CentralStore } from './store.js';

export interface AccountHooks {
  /** Where the user should connect now (may reassign); throws NO_SUB when no sub is live. */
  placeUser(user: string, currentSubId: string | null, unreachable?: string): { subId: string; subAddress: string; subFingerprint?: string };
  notify(users: readonly string[], n: { kind: Notification['kind']; text: string }): void;
  /** Tell every sub that these token digests are no longer valid. */
  revoke(tokenShas: readonly string[]): void;
}

/** Failed logins from one address, whatever the names: more are free, since a household shares it. */
const SOURCE_LOGIN_LIMIT: LoginLimitPolicy = { ...LOGIN_LIMIT, freeFailures: 20 };
/** Most (name, address) and address failure records kept; the oldest are forgotten first. */
const MAX_FAILURE_RECORDS = 10_000;

function remember(map: Map<string, FailureRecord>, key: string, rec: FailureRecord): void {
  map.delete(key);
  map.set(key, rec);
  if (map.size > MAX_FAILURE_RECORDS) map.delete(map.keys().next().value!);
}

export class AccountService {
  private readonly pairFailures = new Map<string, FailureRecord>();
  private readonly sourceFailures = new Map<string, FailureRecord>();
  readonly quotas: QuotaBook;

  constructor(
    private readonly store: CentralStore,
    private readonly log: Logger,
    private readonly hooks: AccountHooks,
    opts: { rateScale?: number; clock?: () => number } = {},
  ) {
    this.quotas = new QuotaBook(opts.rateScale ?? 1);
    this.now = opts.clock ?? Date.now;
  }

  private readonly now: () => number;

  /** A full disk on central becomes an answer the user can act on (and a line for the operator), not INTERNAL. */
  private diskFullAs(err: unknown, message: string): unknown {
    if (!isDiskFull(err)) return err;
    this.log.error(`${message}: ${(err as Error).message}`);
    return new WatchpartyError('NO_SPACE', message, { hint: "Ask the operator to free space on central's disk, then try again.", cause: err });
  }

  secretMatches(given: string, expected: string): boolean {
    return secretsEqual(given, expected);
  }

  /** Requests a client may send to central directly, from `source` (its address). */
  serveClient(peer: Peer, source: string): void {
    peer.handle('auth.register', (p) => this.register(p.user, p.password, p.repeat, source));
    peer.handle('auth.login', (p) => this.login(p.user, p.password, source));
    peer.handle('auth.locate', async (p) => {
      const user = await this.userOf(p.token);
      return this.hooks.placeUser(user, this.store.getUser(user)?.subId ?? null, p.unreachable);
    });
    peer.handle('sessions.list', async (p) => {
      const user = await this.userOf(p.token);
      const current = tokenDigest(p.token);
      return { sessions: (await this.store.sessions.list(user)).map((s) => ({ ...s, current: current.startsWith(s.id) })) };
    });
    peer.handle('sessions.revoke', (p) => this.revoke(p.token, p));
    peer.handle('auth.passwd', (p) => this.changePassword(p.token, p.password, p.newPassword, p.repeat, source));
  }

  /** Who owns `token`, and which sub serves them now (a sub asks when a client opens a session). */
  async checkSession(token: string): Promise<{ user: string; subId: string; subAddress: string; subFingerprint?: string }> {
    const user = await this.userOf(token);
    return { user, ...this.hooks.placeUser(user, this.store.getUser(user)?.subId ?? null) };
  }

  /** End a session everywhere: forget the token and tell every sub to drop its connections. */
  async logout(token: string, viaSubId: string): Promise<void> {
    const user = await this.store.sessions.user(token, this.now());
    await this.store.sessions.delete(token);
    this.hooks.revoke([tokenDigest(token)]);
    if (user) this.log.info(`${user} logged out (via ${viaSubId})`);
  }

  /** End expired sessions (called every minute or so) and tell the subs. */
  async sweep(): Promise<void> {
    const gone = await this.store.sessions.sweep(this.now());
    if (gone.length === 0) return;
    this.hooks.revoke(gone);
    this.log.info(`${gone.length} session${gone.length === 1 ? '' : 's'} expired`);
  }

  private async userOf(token: string): Promise<string> {
    const user = await this.store.sessions.user(token, this.now());
    if (!user) throw new WatchpartyError('BAD_TOKEN');
    return user;
  }

  private spend(name: 'register' | 'login', source: string): void {
    const waitMs = this.quotas.take(name, source, this.now());
    if (waitMs > 0) {
      this.log.warn(`${name} attempts from ${source} are over their limit`);
      throw new WatchpartyError('RATE_LIMITED', `too many ${name === 'register' ? 'registrations' : 'login attempts'} from your address: try again in ${Math.ceil(waitMs / 1000)} s`);
    }
  }

  /** A new session for `user`: older ones over the cap end (and are revoked on every sub). */
  private async openSession(user: string, source: string): Promise<string> {
    const token = newToken();
    const evicted = await this.store.sessions.add(token, user, this.now(), source);
    if (evicted.length > 0) this.hooks.revoke(evicted);
    return token;
  }

  async register(name: string, password: string, repeat: string, source: string) {
    checkName(name);
    checkPassword(password);
    if (password !== repeat) throw new WatchpartyError('PASSWORD_MISMATCH', 'the two passwords differ: type the same password twice');
    if (this.store.getUser(name)) throw new WatchpartyError('NAME_TAKEN', `the user name "${name}" is taken`);
    this.spend('register', source);
    // Create, then place: when no sub is live the account is removed again, so nothing half-made is left.
    const { salt, hash } = await hashPassword(password);
    const others = this.store.userNames();
    const full = `central's disk is full: cannot create the account "${name}" now`;
    let added: boolean;
    try {
      added = await this.store.addUser({ name, salt, hash, subId: null, createdMs: this.now() });
    } catch (err) {
      throw this.diskFullAs(err, full);
    }
    if (!added) throw new WatchpartyError('NAME_TAKEN', `the user name "${name}" is taken`);
    let placement;
    let token: string;
    try {
      placement = this.hooks.placeUser(name, null);
      token = await this.openSession(name, source);
    } catch (err) {
      try {
        await this.store.deleteUser(name);
      } catch {
        /* the disk is full: the account stays, without a session; logging in works once there is room */
      }
      throw this.diskFullAs(err, full);
    }
    this.log.info(`registered ${name} on ${placement.subId}`);
    this.hooks.notify(others, { kind: 'user.registered', text: `user ${name} registered` });
    return { user: name, token, ...placement };
  }

  /** Wait imposed on a login for `name` from `source`: the larger of its pair's and its address's. */
  private loginWaitMs(name: string, source: string, nowMs: number): number {
    const pair = waitBeforeAttemptMs(this.pairFailures.get(`${name.toLowerCase()}\n${source}`), nowMs);
    const all = waitBeforeAttemptMs(this.sourceFailures.get(source), nowMs, SOURCE_LOGIN_LIMIT);
    return Math.max(pair, all);
  }

  private recordLoginFailure(name: string, source: string): void {
    const now = this.now();
    const key = `${name.toLowerCase()}\n${source}`;
    remember(this.pairFailures, key, recordFailure(this.pairFailures.get(key), now));
    remember(this.sourceFailures, source, recordFailure(this.sourceFailures.get(source), now, SOURCE_LOGIN_LIMIT));
  }

  async login(name: string, password: string, source: string) {
    checkName(name);
    const waitMs = this.loginWaitMs(name, source, this.now());
    if (waitMs > 0) throw new WatchpartyError('RATE_LIMITED', `too many failed logins for "${name}" from your address: try again in ${Math.ceil(waitMs / 1000)} s`);
    this.spend('login', source);
    const user = this.store.getUser(name);
    if (!user) throw new WatchpartyError('UNKNOWN_USER', `no user named "${name}"`);
    if (!(await verifyPassword(password, user.salt, user.hash))) {
      this.recordLoginFailure(name, source);
      this.log.warn(`failed login for ${user.name} from ${source}`);
      throw new WatchpartyError('WRONG_PASSWORD', `wrong password for "${user.name}"`);
    }
    this.pairFailures.delete(`${name.toLowerCase()}\n${source}`);
    const placement = this.hooks.placeUser(user.name, user.subId);
    let token: string;
    try {
      token = await this.openSession(user.name, source);
    } catch (err) {
      throw this.diskFullAs(err, `central's disk is full: cannot start a session for "${user.name}" now`);
    }
    this.log.info(`${user.name} logged in from ${source}, served by ${placement.subId}`);
    return { user: user.name, token, ...placement };
  }

  private async revoke(token: string, p: { sessionId?: string; others?: boolean }): Promise<{ revoked: number }> {
    const user = await this.userOf(token);
    if (!p.sessionId && !p.others) throw new WatchpartyError('BAD_INPUT', 'name a session id to end, or ask to end every other session');
    const gone = p.others ? await this.store.sessions.revokeOthers(user, token) : await this.store.sessions.revokeById(user, p.sessionId!);
    if (p.sessionId && gone.length === 0) throw new WatchpartyError('UNKNOWN_SESSION', `no session of yours has an id starting with ${p.sessionId}`);
    this.hooks.revoke(gone);
    this.log.info(`${user} ended ${gone.length} session${gone.length === 1 ? '' : 's'}`);
    return { revoked: gone.length };
  }

  private async changePassword(token: string, password: string, newPassword: string, repeat: string, source: string): Promise<{ revoked: number }> {
    const name = await this.userOf(token);
    checkPassword(newPassword);
    if (newPassword !== repeat) throw new WatchpartyError('PASSWORD_MISMATCH', 'the two new passwords differ: type the same password twice');
    const waitMs = this.loginWaitMs(name, source, this.now());
    if (waitMs > 0) throw new WatchpartyError('RATE_LIMITED', `too many wrong passwords for "${name}" from your address: try again in ${Math.ceil(waitMs / 1000)} s`);
    const user = this.store.getUser(name)!;
    if (!(await verifyPassword(password, user.salt, user.hash))) {
      this.recordLoginFailure(name, source);
      throw new WatchpartyError('WRONG_PASSWORD', `wrong current password for "${user.name}"`);
    }
    const { salt, hash } = await hashPassword(newPassword);
    await this.store.setPassword(user.name, salt, hash);
    const gone = await this.store.sessions.revokeOthers(user.name, token);
    this.hooks.revoke(gone);
    this.log.info(`${user.name} changed their password; ${gone.length} other session${gone.length === 1 ? '' : 's'} ended`);
    return { revoked: gone.length };
  }
}
