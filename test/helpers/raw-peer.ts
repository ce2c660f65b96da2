/**
 * A hand-driven WebSocket for hostile tests: it speaks the frame format but none of the rules, so a
 * test can be a rogue sub, a client that never reads, or a flood. Every socket is closed after the test.
 */
import fs from 'node:fs';
import WebSocket from 'ws';
import { afterEach } from 'vitest';
import { encodeFrame } from '../../src/net/frame.js';
import { PROTOCOL_VERSION } from '../../src/net/messages.js';

const open = new Set<WebSocket>();
afterEach(() => {
  for (const ws of open) ws.terminate();
  open.clear();
});

export interface RawReply {
  type: 'reply';
  replyTo: number;
  result?: Record<string, unknown>;
  error?: { code: string; message: string };
}

export interface RawPeer {
  ws: WebSocket;
  /** Close code once closed. */
  closed: Promise<number>;
  isClosed(): boolean;
  send(header: object, payload?: Buffer): void;
  /** Send a request and wait for its reply (or the close, which rejects). */
  request(type: string, params?: object, payload?: Buffer, timeoutMs?: number): Promise<RawReply>;
  /** Events received so far. */
  events: Record<string, unknown>[];
}

/** Connect to 127.0.0.1:port (from `localAddress`, e.g. 127.0.0.2, to be another source address). */
export async function rawConnect(port: number, opts: { localAddress?: string } = {}): Promise<RawPeer> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { ...(opts.localAddress ? { localAddress: opts.localAddress } : {}), perMessageDeflate: false });
  open.add(ws);
  ws.on('error', () => {});
  let isClosed = false;
  const closed = new Promise<number>((resolve) =>
    ws.on('close', (code) => {
      isClosed = true;
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('close', () => reject(new Error('closed before open')));
  });
  const waiting = new Map<number, (r: RawReply) => void>();
  const events: Record<string, unknown>[] = [];
  ws.on('message', (d: Buffer) => {
    const header = JSON.parse(d.subarray(4, 4 + d.readUInt32BE(0)).toString()) as Record<string, unknown>;
    if (header.type === 'reply') waiting.get(header.replyTo as number)?.(header as unknown as RawReply);
    else events.push(header);
  });
  let nextId = 1;
  const peer: RawPeer = {
    ws,
    closed,
    isClosed: () => isClosed,
    events,
    send: (header, payload) => ws.send(encodeFrame(header, payload)),
    request: (type, params = {}, payload, timeoutMs = 10_000) => {
      const id = nextId++;
      return new Promise<RawReply>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${type}: no reply within ${timeoutMs} ms`)), timeoutMs);
        waiting.set(id, (r) => {
          clearTimeout(timer);
          resolve(r);
        });
        void closed.then((code) => {
          clearTimeout(timer);
          reject(new Error(`${type}: connection closed (${code})`));
        });
        ws.send(encodeFrame({ ...params, type, id }, payload));
      });
    },
  };
  return peer;
}

/** Connect and say hello as `role`. */
export async function rawHello(port: number, role: 'client' | 'sub', opts: { localAddress?: string } = {}): Promise<RawPeer> {
  const p = await rawConnect(port, opts);
  const r = await p.request('hello', { protocol: PROTOCOL_VERSION, role, version: 'hostile-test' });
  if (r.error) throw new Error(`hello refused: ${r.error.message}`);
  return p;
}

/** Resident memory of a process in MB, from /proc. */
export function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}
