import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as messages from '../../src/net/messages.js';
import { CloseCode, describeIssues, events, requests, Reply, type Accepts, type EventName, type RequestName } from '../../src/net/messages.js';

const TOKEN = 'tok_' + 'a'.repeat(39); // 43 chars, like newToken()
const NOTE = { id: 1, atMs: 1_700_000_000_000, kind: 'sub.joined', text: 'sub-2 joined' } as const;
const PLACEMENT = { subId: 'sub-2', subAddress: '127.0.0.1:7001' };
const SUB_STATUS = { id: 'sub-1', address: '127.0.0.1:7001', pid: 4242, users: 3, clients: 2, state: 'alive', misses: 0, lastSeenMs: 10 };
const CLUSTER = { instance: 'c-1', startedAtMs: 0, uptimeMs: 5000, heartbeatMs: 2000, users: 3, subs: [SUB_STATUS] };

/** One wrong value, and the path zod must blame for it. */
interface Bad {
  why: string;
  value: unknown;
  path: string;
}

interface Case {
  params: { ok: unknown[]; bad: Bad[] };
  result: { ok: unknown[]; bad: Bad[] };
}

const requestCases: Record<RequestName, Case> = {
  hello: {
    params: {
      ok: [{ protocol: 1, role: 'client', version: '0.1.0' }, { protocol: 1, role: 'sub', version: '' }],
      bad: [
        { why: 'float protocol', value: { protocol: 1.5, role: 'client', version: '0.1.0' }, path: 'protocol' },
        { why: 'string protocol', value: { protocol: '1', role: 'client', version: '0.1.0' }, path: 'protocol' },
        { why: 'role central is not a caller', value: { protocol: 1, role: 'central', version: '0.1.0' }, path: 'role' },
        { why: 'version too long', value: { protocol: 1, role: 'client', version: 'v'.repeat(65) }, path: 'version' },
      ],
    },
    result: {
      ok: [{ protocol: 1, role: 'central', instanceId: 'c-1' }],
      bad: [{ why: 'role client cannot answer hello', value: { protocol: 1, role: 'client', instanceId: 'c-1' }, path: 'role' }],
    },
  },
  'sub.register': {
    params: {
      ok: [
        { secret: 's3cret', port: 7001, pid: 12 },
        { secret: '', port: 1, pid: 0, advertiseHost: '192.168.1.10', resumeId: 'sub-123456789' },
        { secret: 'x'.repeat(1024), port: 65535, pid: 1 },
      ],
      bad: [
        { why: 'port 70000', value: { secret: 's', port: 70000, pid: 1 }, path: 'port' },
        { why: 'port 0 (a sub must say its real port)', value: { secret: 's', port: 0, pid: 1 }, path: 'port' },
        { why: 'missing secret', value: { port: 7001, pid: 1 }, path: 'secret' },
        { why: 'secret too long', value: { secret: 'x'.repeat(1025), port: 7001, pid: 1 }, path: 'secret' },
        { why: 'resumeId sub-x', value: { secret: 's', port: 7001, pid: 1, resumeId: 'sub-x' }, path: 'resumeId' },
        { why: 'resumeId with 10 digits', value: { secret: 's', port: 7001, pid: 1, resumeId: 'sub-1234567890' }, path: 'resumeId' },
        { why: 'negative pid', value: { secret: 's', port: 7001, pid: -1 }, path: 'pid' },
      ],
    },
    result: {
      ok: [{ subId: 'sub-1', instanceId: 'c-1', heartbeatMs: 2000 }],
      bad: [
        { why: 'subId not sub-N', value: { subId: 'sub1', instanceId: 'c-1', heartbeatMs: 2000 }, path: 'subId' },
        { why: 'fractional heartbeat', value: { subId: 'sub-1', instanceId: 'c-1', heartbeatMs: 1.5 }, path: 'heartbeatMs' },
      ],
    },
  },
  'sub.probe': {
    params: { ok: [{}], bad: [{ why: 'not an object', value: 'probe', path: '' }] },
    result: {
      ok: [{ clients: 0 }, { clients: 12 }],
      bad: [
        { why: 'negative clients', value: { clients: -1 }, path: 'clients' },
        { why: 'missing clients', value: {}, path: 'clients' },
      ],
    },
  },
  'status.get': {
    params: { ok: [{}], bad: [{ why: 'null', value: null, path: '' }] },
    result: {
      ok: [CLUSTER, { ...CLUSTER, subs: [] }, { ...CLUSTER, subs: [{ ...SUB_STATUS, state: 'suspect', misses: 2 }] }],
      bad: [
        { why: 'sub in state dead', value: { ...CLUSTER, subs: [{ ...SUB_STATUS, state: 'dead' }] }, path: 'subs.0.state' },
        { why: 'sub id not sub-N', value: { ...CLUSTER, subs: [{ ...SUB_STATUS, id: 'x' }] }, path: 'subs.0.id' },
        { why: 'negative uptime', value: { ...CLUSTER, uptimeMs: -5 }, path: 'uptimeMs' },
      ],
    },
  },
  'auth.register': {
    params: {
      ok: [{ user: 'alice', password: 'pw', repeat: 'pw' }],
      bad: [
        { why: 'missing repeat', value: { user: 'alice', password: 'pw' }, path: 'repeat' },
        { why: '5000-char password', value: { user: 'alice', password: 'p'.repeat(5000), repeat: 'p' }, path: 'password' },
        { why: 'user too long for the wire', value: { user: 'u'.repeat(257), password: 'pw', repeat: 'pw' }, path: 'user' },
      ],
    },
    result: {
      ok: [{ ...PLACEMENT, user: 'alice', token: TOKEN }],
      bad: [
        { why: 'token too short', value: { ...PLACEMENT, user: 'alice', token: 'short' }, path: 'token' },
        { why: 'token too long', value: { ...PLACEMENT, user: 'alice', token: 't'.repeat(129) }, path: 'token' },
        { why: 'missing subAddress', value: { subId: 'sub-1', user: 'alice', token: TOKEN }, path: 'subAddress' },
      ],
    },
  },
  'auth.login': {
    params: {
      ok: [{ user: 'alice', password: 'p'.repeat(4096) }, { user: '', password: '' }],
      bad: [
        { why: '5000-char password', value: { user: 'alice', password: 'p'.repeat(5000) }, path: 'password' },
        { why: 'numeric user', value: { user: 42, password: 'pw' }, path: 'user' },
      ],
    },
    result: {
      ok: [{ ...PLACEMENT, user: 'alice', token: TOKEN }],
      bad: [{ why: 'bad subId', value: { subId: 'central', subAddress: 'x', user: 'alice', token: TOKEN }, path: 'subId' }],
    },
  },
  'auth.locate': {
    params: { ok: [{ token: TOKEN }], bad: [{ why: 'token too short', value: { token: 'abc' }, path: 'token' }] },
    result: { ok: [PLACEMENT], bad: [{ why: 'subAddress too long', value: { subId: 'sub-1', subAddress: 'h'.repeat(301) }, path: 'subAddress' }] },
  },
  'session.open': {
    params: { ok: [{ token: TOKEN }], bad: [{ why: 'missing token', value: {}, path: 'token' }] },
    result: { ok: [{ ...PLACEMENT, user: 'bob' }], bad: [{ why: 'missing user', value: PLACEMENT, path: 'user' }] },
  },
  'auth.logout': {
    params: { ok: [{}, { token: TOKEN }], bad: [{ why: 'token too short', value: { token: 'x' }, path: 'token' }] },
    result: { ok: [{}], bad: [{ why: 'array', value: [], path: '' }] },
  },
  'users.list': {
    params: { ok: [{}], bad: [{ why: 'number', value: 3, path: '' }] },
    result: {
      ok: [{ users: [] }, { users: ['alice', 'bob'] }],
      bad: [
        { why: 'non-string user', value: { users: ['alice', 7] }, path: 'users.1' },
        { why: 'missing users', value: {}, path: 'users' },
      ],
    },
  },
  'notify.list': {
    params: { ok: [{}], bad: [{ why: 'string', value: 'x', path: '' }] },
    result: {
      ok: [{ items: [] }, { items: [NOTE, { ...NOTE, id: 2, kind: 'system' }] }],
      bad: [
        { why: 'unknown kind', value: { items: [{ ...NOTE, kind: 'chat' }] }, path: 'items.0.kind' },
        { why: 'negative id', value: { items: [NOTE, { ...NOTE, id: -1 }] }, path: 'items.1.id' },
        { why: 'text too long', value: { items: [{ ...NOTE, text: 't'.repeat(2001) }] }, path: 'items.0.text' },
      ],
    },
  },
  'notify.ack': {
    params: {
      ok: [{ upToId: 0 }, { upToId: 17, user: 'alice' }],
      bad: [
        { why: 'negative upToId', value: { upToId: -1 }, path: 'upToId' },
        { why: 'fractional upToId', value: { upToId: 1.5 }, path: 'upToId' },
        { why: 'missing upToId', value: { user: 'alice' }, path: 'upToId' },
      ],
    },
    result: { ok: [{}], bad: [{ why: 'null', value: null, path: '' }] },
  },
  'session.check': {
    params: { ok: [{ token: TOKEN }], bad: [{ why: 'numeric token', value: { token: 1234567890123456 }, path: 'token' }] },
    result: { ok: [{ ...PLACEMENT, user: 'alice' }], bad: [{ why: 'subId sub-', value: { subId: 'sub-', subAddress: 'a', user: 'alice' }, path: 'subId' }] },
  },
  'notify.pending': {
    params: { ok: [{ user: 'alice' }], bad: [{ why: 'missing user', value: {}, path: 'user' }] },
    result: { ok: [{ items: [NOTE] }], bad: [{ why: 'items not an array', value: { items: NOTE }, path: 'items' }] },
  },
};

const eventCases: Record<EventName, { ok: unknown[]; bad: Bad[] }> = {
  'notify.push': {
    ok: [{ items: [] }, { user: 'alice', items: [NOTE] }, { items: Array.from({ length: 1000 }, (_, i) => ({ ...NOTE, id: i })) }],
    bad: [
      { why: '1001 items', value: { items: Array.from({ length: 1001 }, (_, i) => ({ ...NOTE, id: i })) }, path: 'items' },
      { why: 'missing items', value: { user: 'alice' }, path: 'items' },
      { why: 'item with fractional atMs', value: { items: [{ ...NOTE, atMs: 0.5 }] }, path: 'items.0.atMs' },
    ],
  },
  'session.revoked': {
    ok: [{ token: TOKEN }],
    bad: [
      { why: 'missing token', value: {}, path: 'token' },
      { why: 'token too short', value: { token: 'abc' }, path: 'token' },
    ],
  },
};

function expectRejected(schema: z.ZodType, bad: Bad): void {
  const r = schema.safeParse(bad.value);
  expect(r.success, bad.why).toBe(false);
  const paths = r.error!.issues.map((i) => i.path.join('.'));
  expect(paths, bad.why).toContain(bad.path);
}

describe('request schemas', () => {
  it('the test table covers every request', () => {
    expect(Object.keys(requestCases).sort()).toEqual(Object.keys(requests).sort());
  });

  const rows = Object.entries(requestCases) as [RequestName, Case][];

  describe.each(rows)('%s', (name, c) => {
    it.each(c.params.ok.map((v, i) => [i, v]))('params accept valid example #%i', (_i, value) => {
      expect(requests[name].params.safeParse(value).success).toBe(true);
    });
    it.each(c.params.bad.map((b) => [b.why, b]))('params reject: %s', (_why, bad) => {
      expectRejected(requests[name].params, bad);
    });
    it.each(c.result.ok.map((v, i) => [i, v]))('result accepts valid example #%i', (_i, value) => {
      expect(requests[name].result.safeParse(value).success).toBe(true);
    });
    it.each(c.result.bad.map((b) => [b.why, b]))('result rejects: %s', (_why, bad) => {
      expectRejected(requests[name].result, bad);
    });
  });

  it('params parse a flat request header, dropping type and id', () => {
    const r = requests['auth.login'].params.parse({ type: 'auth.login', id: 3, user: 'alice', password: 'pw' });
    expect(r).toEqual({ user: 'alice', password: 'pw' });
  });
});

describe('event schemas', () => {
  it('the test table covers every event', () => {
    expect(Object.keys(eventCases).sort()).toEqual(Object.keys(events).sort());
  });

  const rows = Object.entries(eventCases) as [EventName, { ok: unknown[]; bad: Bad[] }][];

  describe.each(rows)('%s', (name, c) => {
    it.each(c.ok.map((v, i) => [i, v]))('accepts valid example #%i', (_i, value) => {
      expect(events[name].safeParse(value).success).toBe(true);
    });
    it.each(c.bad.map((b) => [b.why, b]))('rejects: %s', (_why, bad) => {
      expectRejected(events[name], bad);
    });
  });
});

describe('Reply', () => {
  it.each([
    { name: 'result', value: { type: 'reply', replyTo: 3, result: { clients: 1 } }, ok: true },
    { name: 'error', value: { type: 'reply', replyTo: 0, error: { code: 'NO_SUB', message: 'none' } }, ok: true },
    { name: 'error with details', value: { type: 'reply', replyTo: 1, error: { code: 'WRONG_SUB', message: 'm', details: { subAddress: 'x' } } }, ok: true },
    { name: 'wrong type', value: { type: 'event', replyTo: 3, result: 1 }, ok: false },
    { name: 'negative replyTo', value: { type: 'reply', replyTo: -1, result: 1 }, ok: false },
    { name: 'error without message', value: { type: 'reply', replyTo: 1, error: { code: 'X' } }, ok: false },
    { name: 'error code too long', value: { type: 'reply', replyTo: 1, error: { code: 'C'.repeat(65), message: 'm' } }, ok: false },
  ])('$name → $ok', ({ value, ok }) => {
    expect(Reply.safeParse(value).success).toBe(ok);
  });
});

describe('Accepts direction lists', () => {
  const lists = Object.entries(messages).filter(
    (e): e is [string, Accepts] =>
      typeof e[1] === 'object' && e[1] !== null && Array.isArray((e[1] as Partial<Accepts>).requests) && Array.isArray((e[1] as Partial<Accepts>).events),
  );

  it('finds every exported *Accepts* list (and HelloOnly)', () => {
    const names = lists.map(([n]) => n).sort();
    const acceptsExports = Object.keys(messages).filter((n) => n.includes('Accepts'));
    for (const n of acceptsExports) expect(names).toContain(n);
    expect(names).toContain('HelloOnly');
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  it.each(lists)('%s names only existing requests and events, each once', (_name, accepts) => {
    for (const r of accepts.requests) expect(Object.hasOwn(requests, r), `request ${r}`).toBe(true);
    for (const e of accepts.events) expect(Object.hasOwn(events, e), `event ${e}`).toBe(true);
    expect(new Set(accepts.requests).size).toBe(accepts.requests.length);
    expect(new Set(accepts.events).size).toBe(accepts.events.length);
  });

  it('every request and event is accepted by some side', () => {
    const acceptedRequests = new Set(lists.flatMap(([, a]) => a.requests));
    const acceptedEvents = new Set(lists.flatMap(([, a]) => a.events));
    expect([...acceptedRequests].sort()).toEqual(Object.keys(requests).sort());
    expect([...acceptedEvents].sort()).toEqual(Object.keys(events).sort());
  });

  it('before hello a server accepts only hello', () => {
    expect(messages.HelloOnly).toEqual({ requests: ['hello'], events: [] });
  });

  it('clients cannot register subs or probe; subs cannot log users in at central', () => {
    expect(messages.CentralAcceptsFromClient.requests).not.toContain('sub.register');
    expect(messages.SubAcceptsFromClient.requests).not.toContain('sub.probe');
    expect(messages.CentralAcceptsFromSub.requests).not.toContain('auth.login');
    expect(messages.CentralAcceptsFromSub.requests).not.toContain('auth.register');
  });
});

describe('describeIssues', () => {
  it('one `path: message` per issue, joined with "; "', () => {
    const r = requests['sub.register'].params.safeParse({ port: 70000, pid: 1, resumeId: 'sub-x' });
    expect(r.success).toBe(false);
    const line = describeIssues(r.error!);
    const parts = line.split('; ');
    expect(parts.map((p) => p.split(':')[0])).toEqual(['secret', 'port', 'resumeId']);
    for (const p of parts) expect(p).toMatch(/^[\w.]+: \S.*$/);
    expect(line).not.toContain('\n');
    expect(line).toContain('65535');
  });

  it('joins nested paths with dots', () => {
    const r = events['notify.push'].safeParse({ items: [NOTE, { ...NOTE, kind: 'chat' }] });
    expect(describeIssues(r.error!)).toMatch(/^items\.1\.kind: /);
  });

  it('names a root-level problem "(header)"', () => {
    const r = requests.hello.params.safeParse(5);
    expect(describeIssues(r.error!)).toMatch(/^\(header\): .*object/);
  });

  it('lists at most 5 issues', () => {
    const r = requests['status.get'].result.safeParse({}); // six missing fields
    expect(r.error!.issues.length).toBeGreaterThan(5);
    expect(describeIssues(r.error!).split('; ')).toHaveLength(5);
  });
});

describe('CloseCode', () => {
  const entries = Object.entries(CloseCode);

  it.each(entries)('%s = %i is an application code (4000-4999)', (_name, code) => {
    expect(Number.isInteger(code)).toBe(true);
    expect(code).toBeGreaterThanOrEqual(4000);
    expect(code).toBeLessThanOrEqual(4999);
  });

  it('codes are unique', () => {
    const codes = entries.map(([, c]) => c);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
