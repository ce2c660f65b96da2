/**
 * The authorization matrix (every request type × every connection state, on real processes) and a
 * seeded frame fuzzer against central and a sub. Both are bounded in time so they run in CI.
 */
import fs from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { startCluster, type Cluster } from '../helpers/cluster.js';
import { fileScope, secretFileOf, status } from '../helpers/spawn-role.js';
import { rawConnect, rawHello, type RawPeer } from '../helpers/raw-peer.js';
import * as messages from '../../src/net/messages.js';
import * as directions from '../../src/net/directions.js';

type Outcome = 'closed' | 'replied-ok' | `error:${string}`;
type State = 'central:new' | 'central:client' | 'central:sub-unregistered' | 'central:sub' | 'sub:new' | 'sub:client' | 'sub:session';

const FORGED_TOKEN = 'f'.repeat(43);

let c: Cluster;
let token: string;
let secret: string;

/**
 * The next of many loopback source addresses (127.0.1.1 …): the matrix opens hundreds of connections
 * in a few seconds, more than servers accept from one address (20 a second).
 */
let nextSource = 0;
function source(): { localAddress: string } {
  nextSource = (nextSource + 1) % 250;
  return { localAddress: `127.0.1.${nextSource + 1}` };
}

async function openIn(state: State): Promise<RawPeer> {
  const centralPort = c.central.port;
  const subPort = c.subs[0]!.port;
  switch (state) {
    case 'central:new':
      return rawConnect(centralPort, source());
    case 'central:client':
      return rawHello(centralPort, 'client', source());
    case 'central:sub-unregistered':
      return rawHello(centralPort, 'sub', source());
    case 'central:sub': {
      const p = await rawHello(centralPort, 'sub', source());
      const r = await p.request('sub.register', { secret, port: 9, pid: 1 });
      if (r.error) throw new Error(`register: ${r.error.message}`);
      return p;
    }
    case 'sub:new':
      return rawConnect(subPort, source());
    case 'sub:client':
      return rawHello(subPort, 'client', source());
    case 'sub:session': {
      const p = await rawHello(subPort, 'client', source());
      const r = await p.request('session.open', { token });
      if (r.error) throw new Error(`session.open: ${r.error.message}`);
      return p;
    }
  }
}

/** Send one request of `type` with `params` in `state`; what happened. */
async function attempt(state: State, type: string, params: object): Promise<Outcome> {
  const p = await openIn(state);
  try {
    const r = await p.request(type, params, undefined, 5000);
    return r.error ? `error:${r.error.code}` : 'replied-ok';
  } catch {
    return 'closed';
  } finally {
    p.ws.terminate();
  }
}

/** Params that pass each schema where it is cheap to build them; forged tokens and users everywhere. */
function paramsFor(type: string, actingUser: boolean): object {
  const base: Record<string, object> = {
    hello: { protocol: messages.PROTOCOL_VERSION, role: 'client', version: 'x' },
    'sub.register': { secret: 'wrong', port: 9, pid: 1 },
    'auth.register': { user: 'm-x', password: 'p', repeat: 'q' },
    'auth.login': { user: 'matrix', password: 'wrong' },
    'auth.locate': { token: FORGED_TOKEN },
    'sessions.list': { token: FORGED_TOKEN },
    'sessions.revoke': { token: FORGED_TOKEN, others: true },
    'auth.passwd': { token: FORGED_TOKEN, password: 'a', newPassword: 'b', repeat: 'b' },
    'session.open': { token: FORGED_TOKEN },
    'session.check': { token: FORGED_TOKEN },
    'session.end': { token: FORGED_TOKEN },
    'notify.ack': { upToId: 1 },
    'upload.begin': { name: 'm.mkv', size: 1, sha256: 'a'.repeat(64) },
    'upload.chunk': { uploadId: 'a'.repeat(32), offset: 0 },
    'upload.finish': { uploadId: 'a'.repeat(32) },
    'upload.cancel': { uploadId: 'a'.repeat(32) },
    'replica.chunk': { videoId: 1, offset: 0, length: 16 },
    'room.create': { videoId: 1, invite: [] },
    'room.get': { roomId: 'r-00000001' },
    'room.control': { roomId: 'r-00000001', action: 'play' },
    'room.members': { roomId: 'r-00000001', action: 'invite', users: ['matrix'] },
    'room.join': { roomId: 'r-00000001' },
    'room.leave': { roomId: 'r-00000001' },
  };
  const p = base[type] ?? {};
  // On a sub's link, relayed requests act for someone: always a user this fake sub was never given.
  return actingUser && directions.isRelayed(type) ? { ...p, user: 'matrix' } : p;
}

describe('authorization matrix and fuzzing', () => {
  beforeAll(async () => {
    c = await fileScope(() => startCluster({ subs: 1 }));
    await c.register('matrix');
    token = (JSON.parse(fs.readFileSync(`${c.home}/profiles/matrix.json`, 'utf8')) as { token: string }).token;
    secret = fs.readFileSync(secretFileOf(c.central), 'utf8').trim();
  });

  it('every request type in every connection state is refused unless that state may send it, and never succeeds without authority', async () => {
    const accepts: Record<State, directions.Accepts> = {
      'central:new': directions.HelloOnly,
      'central:client': directions.CentralAcceptsFromClient,
      'central:sub-unregistered': directions.CentralAcceptsFromUnregisteredSub,
      'central:sub': directions.CentralAcceptsFromSub,
      'sub:new': directions.HelloOnly,
      'sub:client': directions.SubAcceptsFromClient,
      'sub:session': directions.SubAcceptsFromClient,
    };
    /** Requests that may succeed with no secret, token or session in that state. */
    const mayPass: Partial<Record<State, string[]>> = {
      'central:new': ['hello'],
      'central:client': ['status.get'],
      'central:sub-unregistered': ['status.get'],
      // A registered sub holds the cluster secret: it replicates sources and renditions.
      // …and it may drain itself (SIGTERM), as an operator with the secret could.
      'central:sub': ['status.get', 'replica.list', 'rendition.list', 'session.end', 'sub.drain'],
      'sub:new': ['hello'],
      // With a session: what the user may do as themselves (their notifications, the catalogue…).
      'sub:session': ['users.list', 'notify.list', 'notify.ack', 'videos.list', 'jobs.list', 'rooms.list', 'time.sync', 'auth.logout', 'session.open', 'upload.begin'],
    };
    const failures: string[] = [];
    let cases = 0;
    for (const state of Object.keys(accepts) as State[]) {
      for (const type of Object.keys(messages.requests)) {
        // auth.logout would end the session the other cases use; it is covered by the accounts tests.
        if (state === 'sub:session' && type === 'auth.logout') continue;
        cases += 1;
        const outcome = await attempt(state, type, paramsFor(type, state === 'central:sub'));
        const accepted = (accepts[state].requests as readonly string[]).includes(type);
        if (!accepted && outcome !== 'closed') failures.push(`${state} ${type}: expected the connection closed, got ${outcome}`);
        if (accepted && outcome === 'closed') failures.push(`${state} ${type}: accepted here, but the connection closed`);
        if (outcome === 'replied-ok' && !(mayPass[state] ?? []).includes(type)) failures.push(`${state} ${type}: succeeded without authority`);
      }
    }
    expect(failures).toEqual([]);
    expect(cases).toBeGreaterThan(150);
    // The fake sub acted for no one; the real sub still serves the user.
    expect(await attempt('sub:session', 'users.list', {})).toBe('replied-ok');
  }, 120_000);

  it('survives thousands of seeded random frames on central and the sub, then serves as before', async () => {
    let seed = 0x9e3779b9;
    const rand = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const types = [...Object.keys(messages.requests), ...Object.keys(messages.events), 'reply', 'x', ''];
    const values: unknown[] = [null, true, -1, 0, 1.5, 2 ** 53, 'a', 'r-00000001', 'x'.repeat(300), [], {}, [1, 2], { a: { b: 1 } }, FORGED_TOKEN, 'matrix', 'sub-1'];
    const fields = ['type', 'id', 'user', 'token', 'roomId', 'videoId', 'offset', 'length', 'secret', 'port', 'pid', 'protocol', 'role', 'action', 'positionMs', 'invite', 'replyTo', 'result', 'error', 'items'];
    const frame = (): Buffer => {
      const kind = rand();
      if (kind < 0.1) return Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      const header: Record<string, unknown> = { type: pick(types), id: Math.floor(rand() * 1000) };
      const n = Math.floor(rand() * 6);
      for (let i = 0; i < n; i++) header[pick(fields)] = pick(values);
      if (rand() < 0.3) header.protocol = messages.PROTOCOL_VERSION;
      const json = Buffer.from(JSON.stringify(header));
      const prefix = Buffer.alloc(4);
      prefix.writeUInt32BE(kind < 0.2 ? Math.floor(rand() * 2 ** 32) : json.length);
      const payload = rand() < 0.1 ? Buffer.alloc(Math.floor(rand() * 4096), 7) : Buffer.alloc(0);
      return Buffer.concat([prefix, json, payload]);
    };
    const FRAMES = 6000;
    const deadline = Date.now() + 40_000;
    let sent = 0;
    const targets = [c.central.port, c.subs[0]!.port];
    while (sent < FRAMES && Date.now() < deadline) {
      const p = await rawConnect(pick(targets), source()).catch(() => undefined);
      if (!p) continue;
      // A short run of frames per connection: most connections are closed by the server early.
      for (let k = 0; k < 20 && !p.isClosed(); k++, sent++) p.ws.send(frame());
      await new Promise((r) => setTimeout(r, 5));
      p.ws.terminate();
    }
    expect(sent).toBeGreaterThanOrEqual(FRAMES);
    expect(c.central.child.exitCode).toBeNull();
    expect(c.subs[0]!.child.exitCode).toBeNull();
    expect((await status(c.central.port)).subs[0]).toMatchObject({ state: 'alive' });
    expect(await attempt('sub:session', 'videos.list', {})).toBe('replied-ok');
    expect(c.central.output() + c.subs[0]!.output()).not.toMatch(/crashed|uncaught|handler for .* failed/i);
  }, 90_000);
});
