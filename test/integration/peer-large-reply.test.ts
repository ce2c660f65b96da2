/**
 * A result larger than a frame header may be (64 KiB) still reaches the asker, as JSON in the payload
 * and checked against its schema; one larger than a whole frame is refused with an error at once, so
 * the asker is never left to time out. Two real Peers over a real WebSocket on 127.0.0.1.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createLogger } from '../../src/core/log.js';
import { Peer } from '../../src/net/peer.js';
import type { WatchpartyError } from '../../src/core/errors.js';

const quiet = createLogger('test', () => {}, 'error');
const cleanup: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanup.splice(0)) c();
});

/** A server Peer answering users.list with `count` names, and a client Peer connected to it. */
async function pair(count: number): Promise<Peer> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  cleanup.push(() => wss.close());
  wss.on('connection', (ws) => {
    const server = new Peer(ws, { name: 'server', accepts: { requests: ['users.list'], events: [] }, log: quiet });
    server.handle('users.list', () => ({ users: Array.from({ length: count }, (_, i) => `user-${String(i).padStart(8, '0')}`) }));
  });
  const ws = new WebSocket(`ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`);
  cleanup.push(() => ws.terminate());
  await once(ws, 'open');
  return new Peer(ws, { name: 'client', accepts: { requests: [], events: [] }, log: quiet, requestTimeoutMs: 5000 });
}

describe('large results', () => {
  it('a result of about 100 KiB arrives whole', async () => {
    const client = await pair(5000);
    const { users } = await client.request('users.list', {});
    expect(users).toHaveLength(5000);
    expect(users[4999]).toBe('user-00004999');
  });

  it('a small result still travels in the header', async () => {
    const client = await pair(3);
    expect((await client.request('users.list', {})).users).toEqual(['user-00000000', 'user-00000001', 'user-00000002']);
  });

  it('a result larger than a frame is refused at once with a reason, not left to time out', async () => {
    const client = await pair(600_000);
    const started = Date.now();
    const err = (await client.request('users.list', {}).catch((e: unknown) => e)) as WatchpartyError;
    expect(err.code).toBe('INTERNAL');
    expect(err.message).toMatch(/could not be sent/);
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
