/**
 * Accounts and sessions on central: register, log in, locate, and the session checks and notification
 * relays that subs ask for. Authorization happens here, never only in a client.
 */
import type { Peer } from '../../net/peer.js';
import type { Notification } from '../../net/messages.js';
import { WatchpartyError } from '../../core/errors.js';
import type { Logger } from '../../core/log.js';
import { recordFailure, waitBeforeAttemptMs, type FailureRecord } from '../shared/rate-limit.js';
import { checkName, checkPassword, hashPassword, newToken, secretsEqual, verifyPassword } from './accounts.js';
import type { CentralStore } from './store.js';

export interface AccountHooks {
  /** Where the user should connect now (may reassign); throws NO_SUB when no sub is live. */
  placeUser(user: string, currentSubId: string | null): { subId: string; subAddress: string; subFingerprint?: string };
  notify(users: readonly string[], n: { kind: Notification['kind']; text: string }): void;
  /** Tell every sub that a token is no longer valid. */
  revoke(token: string): void;
}

export class AccountService {
  private readonly failures = new Map<string, FailureRecord>();

  constructor(
    private readonly store: CentralStore,
    private readonly log: Logger,
    private readonly hooks: AccountHooks,
  ) {}

  secretMatches(given: string, expected: string): boolean {
    return secretsEqual(given, expected);
  }

  /** Requests a client may send to central directly. */
  serveClient(peer: Peer): void {
    peer.handle('auth.register', (p) => this.register(p.user, p.password, p.repeat));
    peer.handle('auth.login', (p) => this.login(p.user, p.password));
    peer.handle('auth.locate', (p) => {
      const user = this.userOf(p.token);
      return this.hooks.placeUser(user, this.store.getUser(user)?.subId ?? null);
    });
  }

  /** Who owns `token`, and which sub serves them now (a sub asks when a client opens a session). */
  checkSession(token: string): { user: string; subId: string; subAddress: string; subFingerprint?: string } {
    const user = this.userOf(token);
    return { user, ...this.hooks.placeUser(user, this.store.getUser(user)?.subId ?? null) };
  }

  /** End a session everywhere: forget the token and tell every sub to drop its connections. */
  logout(token: string, viaSubId: string): void {
    const user = this.store.sessionUser(token);
    this.store.deleteSession(token);
    this.hooks.revoke(token);
    if (user) this.log.info(`${user} logged out (via ${viaSubId})`);
  }

  private userOf(token: string): string {
    const user = this.store.sessionUser(token);
    if (!user) throw new WatchpartyError('BAD_TOKEN');
    return user;
  }

  async register(name: string, password: string, repeat: string) {
    checkName(name);
    checkPassword(password);
    if (password !== repeat) throw new WatchpartyError('PASSWORD_MISMATCH', 'the two passwords differ: type the same password twice');
    if (this.store.getUser(name)) throw new WatchpartyError('NAME_TAKEN', `the user name "${name}" is taken`);
    // Create, then place: when no sub is live the account is removed again, so nothing half-made is left.
    const { salt, hash } = await hashPassword(password);
    const others = this.store.userNames();
    if (!this.store.addUser({ name, salt, hash, subId: null, createdMs: Date.now() })) {
      throw new WatchpartyError('NAME_TAKEN', `the user name "${name}" is taken`);
    }
    let placement;
    try {
      placement = this.hooks.placeUser(name, null);
    } catch (err) {
      this.store.deleteUser(name);
      throw err;
    }
    const token = newToken();
    this.store.addSession(token, name, Date.now());
    this.log.info(`registered ${name} on ${placement.subId}`);
    this.hooks.notify(others, { kind: 'user.registered', text: `user ${name} registered` });
    return { user: name, token, ...placement };
  }

  async login(name: string, password: string) {
    checkName(name);
    const now = Date.now();
    const key = name.toLowerCase();
    const waitMs = waitBeforeAttemptMs(this.failures.get(key), now);
    if (waitMs > 0) {
      throw new WatchpartyError('RATE_LIMITED', `too many failed logins for "${name}": try again in ${Math.ceil(waitMs / 1000)} s`);
    }
    const user = this.store.getUser(name);
    if (!user) throw new WatchpartyError('UNKNOWN_USER', `no user named "${name}"`);
    if (!(await verifyPassword(password, user.salt, user.hash))) {
      this.failures.set(key, recordFailure(this.failures.get(key), Date.now()));
      this.log.warn(`failed login for ${user.name}`);
      throw new WatchpartyError('WRONG_PASSWORD', `wrong password for "${user.name}"`);
    }
    this.failures.delete(key);
    const placement = this.hooks.placeUser(user.name, user.subId);
    const token = newToken();
    this.store.addSession(token, user.name, Date.now());
    this.log.info(`${user.name} logged in, served by ${placement.subId}`);
    return { user: user.name, token, ...placement };
  }
}
