/**
 * Garbage on central's port: each kind gets its connection closed with a logged reason, and central
 * keeps serving everyone else (`watchparty status` still answers after every one).
 */
import net from 'node:net';
import WebSocket from 'ws';
import { beforeAll, describe, expect, it } from 'vitest';
import { fileScope, startCentral, status, type Server } from '../helpers/spawn-role.js';
import { encodeFrame } from '../../src/net/frame.js';
import { PROTOCOL_VERSION } from '../../src/net/messages.js';

/** Connect with a real WebSocket, send one raw message, and resolve with the close code. */
function sendAndWaitClose(port: number, data: Buffer | string, opts: { hello?: boolean } = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    const timer = setTimeout(() => reject(new Error('the server did not close the connection within 5 s')), 5000);
    ws.on('open', () => {
      if (opts.hello) ws.send(encodeFrame({ type: 'hello', id: 1, protocol: PROTOCOL_VERSION, role: 'client', version: 'test' }));
      ws.send(data, () => {});
    });
    ws.on('error', () => {});
    ws.on('close', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

function lengthPrefixed(header: string, declared?: number): Buffer {
  const json = Buffer.from(header);
  const prefix = Buffer.alloc(4);
  prefix.writeUInt32BE(declared ?? json.length);
  return Buffer.concat([prefix, json]);
}

describe('central under garbage', () => {
  let central: Server;
  // One central for the whole file: the point is that it survives every case in a row.
  beforeAll(async () => {
    central = await fileScope(() => startCentral());
  });

  async function stillServes() {
    const st = await status(central.port);
    expect(st.instance).toMatch(/^[0-9a-f-]{36}$/);
  }

  it('drops a plain TCP line with a logged reason', async () => {
    const closed = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(central.port, '127.0.0.1', () => sock.write('hello there\r\n\r\n'));
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
      setTimeout(() => reject(new Error('socket not closed')), 5000);
    });
    expect(closed).toMatch(/400 Bad Request/);
    await central.waitFor(/dropped connection from 127\.0\.0\.1:\d+: not HTTP\/WebSocket/);
    await stillServes();
  });

  it('answers a plain HTTP GET with 426 and logs it', async () => {
    const res = await fetch(`http://127.0.0.1:${central.port}/index.html`);
    expect(res.status).toBe(426);
    expect(await res.text()).toMatch(/watchparty server/);
    await central.waitFor(/plain HTTP GET \/index\.html from 127\.0\.0\.1:\d+: answered 426/);
    await stillServes();
  });

  it('closes on a WebSocket text frame', async () => {
    expect(await sendAndWaitClose(central.port, 'just text')).toBe(1003);
    await central.waitFor(/closing connection from 127\.0\.0\.1:\d+: text frames are not part of the protocol/);
    await stillServes();
  });

  it('closes on a length prefix that runs past the frame', async () => {
    expect(await sendAndWaitClose(central.port, lengthPrefixed('{}', 1000))).toBe(4000);
    await central.waitFor(/bad frame: header length 1000 runs past the end of a 6-byte frame/);
    await stillServes();
  });

  it('closes on a header that is not JSON', async () => {
    expect(await sendAndWaitClose(central.port, lengthPrefixed('{not json'))).toBe(4000);
    await central.waitFor(/bad frame: header is not valid JSON/);
    await stillServes();
  });

  it('closes on an unknown message type, before and after hello', async () => {
    expect(await sendAndWaitClose(central.port, encodeFrame({ type: 'video.explode', id: 1 }))).toBe(4001);
    await central.waitFor(/unknown message type "video\.explode"/);
    expect(await sendAndWaitClose(central.port, encodeFrame({ type: 'sub.probe', id: 2 }), { hello: true })).toBe(4001);
    await central.waitFor(/message type sub\.probe is not accepted here \(wrong direction\)/);
    await stillServes();
  });

  it('closes on a 100 MB frame without reading it into memory', async () => {
    const huge = Buffer.alloc(100 * 1024 * 1024, 0x20);
    huge.writeUInt32BE(2, 0);
    huge.write('{}', 4);
    expect(await sendAndWaitClose(central.port, huge)).toBe(1009);
    await central.waitFor(/connection error from 127\.0\.0\.1:\d+: Max payload size exceeded/);
    await stillServes();
  });

  it('answers schema-invalid requests with BAD_MESSAGE and closes after repeated ones', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${central.port}/`);
    const replies: unknown[] = [];
    const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('message', (d: Buffer) => replies.push(JSON.parse(d.subarray(4, 4 + d.readUInt32BE(0)).toString())));
    await new Promise((r) => ws.on('open', r));
    for (let i = 1; i <= 5; i++) ws.send(encodeFrame({ type: 'hello', id: i, protocol: 'one', role: 'client', version: 'x' }));
    expect(await closed).toBe(4002);
    expect(replies[0]).toMatchObject({ type: 'reply', replyTo: 1, error: { code: 'BAD_MESSAGE' } });
    expect(JSON.stringify(replies[0])).toMatch(/protocol/);
    await central.waitFor(/too many invalid messages \(5\)/);
    await stillServes();
  });
});
