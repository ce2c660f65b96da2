/**
 * The client's stream relay between mpv and two real HTTP servers holding the same bytes (as two subs
 * hold one verified replica): a move, a killed server and a frozen one each continue the response at
 * the byte it had reached, and mpv's side receives exactly the file.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamRelay } from '../../src/player/stream-relay.js';

const FILE = crypto.randomBytes(3 * 1024 * 1024);
const SLICE = 32 * 1024;

/** A sub's streaming as far as the relay sees it: Range requests, sent in slices every few ms. */
async function origin(opts: { freezeAt?: number; breakAt?: number } = {}) {
  const sockets = new Set<Socket>();
  let served = 0;
  const server = http.createServer((req, res) => {
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? 'bytes=0-');
    const start = Number(m![1]);
    const end = m![2] ? Number(m![2]) : FILE.length - 1;
    res.writeHead(206, { 'content-type': 'video/x-matroska', 'content-range': `bytes ${start}-${end}/${FILE.length}`, 'content-length': String(end - start + 1) });
    let at = start;
    const timer = setInterval(() => {
      if (opts.freezeAt !== undefined && at >= opts.freezeAt) return;
      if (opts.breakAt !== undefined && at >= opts.breakAt) {
        clearInterval(timer);
        req.socket.destroy();
        return;
      }
      const n = Math.min(SLICE, end + 1 - at);
      res.write(FILE.subarray(at, at + n));
      at += n;
      served += n;
      if (at > end) {
        clearInterval(timer);
        res.end();
      }
    }, 2);
    res.on('close', () => clearInterval(timer));
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    address,
    served: () => served,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** mpv's side: GET the relay URL and collect the body; resolves with it, or rejects on a broken response. */
function fetchAll(url: string): { done: Promise<Buffer>; received: () => number } {
  let received = 0;
  const done = new Promise<Buffer>((resolve, reject) => {
    http.get(url, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => {
        parts.push(c);
        received += c.length;
      });
      res.on('end', () => resolve(Buffer.concat(parts)));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('aborted')));
    }).on('error', reject);
  });
  return { done, received: () => received };
}

async function until(f: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(a: Parameters<typeof origin>[0] = {}, resumeWaitMs?: number) {
  const subA = await origin(a);
  const subB = await origin();
  const relay = await StreamRelay.start({ address: subA.address, token: 't'.repeat(32) }, undefined, resumeWaitMs);
  cleanups.push(() => subA.close(), () => subB.close(), () => relay.close());
  return { subA, subB, relay };
}

describe('stream relay', () => {
  it('setUpstream moves a response under way to the other sub at the byte it reached', async () => {
    const { subA, subB, relay } = await setup();
    const get = fetchAll(relay.url(1));
    await until(() => get.received() > FILE.length / 4, 10_000, 'a quarter of the file');
    relay.setUpstream({ address: subB.address, token: 't'.repeat(32) });
    const body = await get.done;
    expect(body.equals(FILE)).toBe(true);
    expect(subB.served()).toBeGreaterThan(0);
    expect(subA.served() + subB.served()).toBeLessThan(FILE.length + 2 * 1024 * 1024);
  });

  it('a sub killed mid-response: the relay waits, then continues from the next sub with the same bytes', async () => {
    const { subB, relay } = await setup({ breakAt: FILE.length / 3 });
    const get = fetchAll(relay.url(1));
    await until(() => get.received() >= FILE.length / 3 - SLICE, 10_000, 'the break');
    // The client takes a while to find its new sub; mpv's read must not fail meanwhile.
    await new Promise((r) => setTimeout(r, 700));
    relay.setUpstream({ address: subB.address, token: 't'.repeat(32) });
    expect((await get.done).equals(FILE)).toBe(true);
  });

  it('a frozen sub (no bytes, no close) is left for the next one when the client moves', async () => {
    const { subB, relay } = await setup({ freezeAt: FILE.length / 2 });
    const get = fetchAll(relay.url(1));
    await until(() => get.received() >= FILE.length / 2 - SLICE, 10_000, 'the freeze');
    relay.setUpstream({ address: subB.address, token: 't'.repeat(32) });
    expect((await get.done).equals(FILE)).toBe(true);
  });

  it('a sub frozen before it answers (connection accepted, no headers): the request goes to the next sub once the client moves', async () => {
    const held = new Set<Socket>();
    const silent = net.createServer((s) => held.add(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(
      () =>
        new Promise<void>((r) => {
          for (const s of held) s.destroy();
          silent.close(() => r());
        }),
    );
    const subB = await origin();
    cleanups.push(() => subB.close());
    const relay = await StreamRelay.start({ address: `127.0.0.1:${(silent.address() as AddressInfo).port}`, token: 't'.repeat(32) });
    cleanups.push(() => relay.close());
    const get = fetchAll(relay.url(1));
    await new Promise((r) => setTimeout(r, 300));
    relay.setUpstream({ address: subB.address, token: 't'.repeat(32) });
    expect((await get.done).equals(FILE)).toBe(true);
  });

  it('with no other sub, a broken response gives up after its wait instead of hanging', async () => {
    const { relay } = await setup({ breakAt: 64 * 1024 }, 1500);
    const t0 = Date.now();
    const get = fetchAll(relay.url(1));
    await expect(get.done).rejects.toThrow();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
  });
});
