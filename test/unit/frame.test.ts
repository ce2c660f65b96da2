import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, FRAME_LIMITS, FrameError } from '../../src/net/frame.js';

type Reason = FrameError['reason'];

/** A frame built by hand: u32 BE `prefix` (defaults to the header's byte length), header text, payload. */
function rawFrame(headerText: string, payload: Uint8Array = new Uint8Array(0), prefix?: number): Buffer {
  const json = Buffer.from(headerText, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(prefix ?? json.length, 0);
  return Buffer.concat([len, json, payload]);
}

/** The FrameError that decoding throws; fails the test when it throws anything else or nothing. */
function decodeError(data: Buffer, limits?: { maxHeaderBytes: number; maxFrameBytes: number }): FrameError {
  try {
    decodeFrame(data, limits);
  } catch (err) {
    expect(err).toBeInstanceOf(FrameError);
    return err as FrameError;
  }
  throw new Error(`expected decodeFrame to throw for ${data.toString('hex')}`);
}

describe('encodeFrame / decodeFrame round trip', () => {
  const cases: { name: string; header: Record<string, unknown>; payload: Uint8Array | undefined }[] = [
    { name: 'header only', header: { type: 'hello', id: 1, protocol: 1 }, payload: undefined },
    { name: 'empty header object', header: {}, payload: undefined },
    { name: 'binary payload with every byte value', header: { type: 'chunk', offset: 0 }, payload: Uint8Array.from({ length: 256 }, (_, i) => i) },
    { name: 'payload that looks like a JSON header', header: { type: 'chunk' }, payload: Buffer.from('{"type":"evil","id":2}]}') },
    { name: 'payload that looks like a length prefix + JSON', header: { a: 1 }, payload: rawFrame('{"x":1}') },
    { name: 'nested header', header: { type: 'x', items: [{ id: 1, text: 'a' }], n: null, ok: true }, payload: Buffer.from([0, 0, 0, 0]) },
    { name: 'multi-byte UTF-8 in header', header: { text: 'héllo 🎬 日本語 ß', user: 'zoë' }, payload: Buffer.from([1, 2, 3]) },
  ];

  it.each(cases)('$name', ({ header, payload }) => {
    const frame = encodeFrame(header, payload);
    const decoded = decodeFrame(frame);
    expect(decoded.header).toEqual(header);
    if (payload === undefined) {
      expect(decoded.payload).toBeUndefined();
    } else {
      expect(decoded.payload).toBeInstanceOf(Buffer);
      expect(Buffer.compare(decoded.payload!, Buffer.from(payload))).toBe(0);
    }
  });

  it('writes the header length in UTF-8 bytes, not characters', () => {
    const header = { text: '🎬日本' };
    const frame = encodeFrame(header);
    const jsonBytes = Buffer.byteLength(JSON.stringify(header), 'utf8');
    expect(jsonBytes).toBeGreaterThan(JSON.stringify(header).length);
    expect(frame.readUInt32BE(0)).toBe(jsonBytes);
    expect(frame.length).toBe(4 + jsonBytes);
  });

  it('an empty payload decodes as no payload', () => {
    const frame = encodeFrame({ a: 1 }, new Uint8Array(0));
    expect(frame.length).toBe(4 + Buffer.byteLength('{"a":1}'));
    expect(decodeFrame(frame).payload).toBeUndefined();
  });
});

describe('decodeFrame on every truncation of a valid frame', () => {
  const frames: { name: string; header: Record<string, unknown>; payload: Buffer | undefined }[] = [
    { name: 'with payload', header: { type: 'chunk', text: 'é🎬' }, payload: Buffer.from('{"a":[1,2]}\x00\xff') },
    { name: 'without payload', header: { type: 'hello', id: 7, text: '日本' }, payload: undefined },
  ];

  it.each(frames)('$name', ({ header, payload }) => {
    const data = encodeFrame(header, payload);
    const headerEnd = 4 + Buffer.byteLength(JSON.stringify(header), 'utf8');
    for (let i = 0; i < data.length; i++) {
      const cut = data.subarray(0, i);
      let expected: { error: Reason } | { payload: Buffer | undefined };
      if (i < 4) expected = { error: 'too-short' };
      else if (i < headerEnd) expected = { error: 'truncated' };
      else expected = { payload: i === headerEnd ? undefined : payload!.subarray(0, i - headerEnd) };

      let actual: { error: Reason } | { payload: Buffer | undefined };
      try {
        const frame = decodeFrame(cut);
        expect(frame.header, `header at cut ${i}`).toEqual(header);
        actual = { payload: frame.payload };
      } catch (err) {
        expect(err, `error at cut ${i}`).toBeInstanceOf(FrameError);
        actual = { error: (err as FrameError).reason };
      }
      expect(actual, `cut at ${i} of ${data.length}`).toEqual(expected);
    }
  });
});

describe('decodeFrame rejects malformed frames with the right reason', () => {
  const small = { maxHeaderBytes: 16, maxFrameBytes: 32 };
  const cases: { name: string; data: Buffer; limits?: { maxHeaderBytes: number; maxFrameBytes: number }; reason: Reason }[] = [
    { name: 'empty buffer', data: Buffer.alloc(0), reason: 'too-short' },
    { name: '3 bytes', data: Buffer.from([0, 0, 0]), reason: 'too-short' },
    { name: 'length prefix one past the end', data: rawFrame('{"a":1}', undefined, 8), reason: 'truncated' },
    { name: 'length prefix far past the end', data: rawFrame('{"a":1}', Buffer.from('xyz'), 1000), reason: 'truncated' },
    { name: 'length prefix 0xFFFFFFFF', data: rawFrame('{}', undefined, 0xffffffff), reason: 'header-too-large' },
    { name: 'length prefix maxHeaderBytes + 1 (default limits)', data: rawFrame('{}', undefined, FRAME_LIMITS.maxHeaderBytes + 1), reason: 'header-too-large' },
    { name: 'header longer than a small maxHeaderBytes', data: rawFrame('{"abcdefghijklmn":1}'), limits: { maxHeaderBytes: 16, maxFrameBytes: 1000 }, reason: 'header-too-large' },
    { name: 'frame one byte over maxFrameBytes', data: rawFrame('{}', Buffer.alloc(33 - 6)), limits: small, reason: 'too-large' },
    { name: 'frame over the default maxFrameBytes', data: rawFrame('{}', Buffer.alloc(FRAME_LIMITS.maxFrameBytes)), reason: 'too-large' },
    { name: 'zero-length header', data: rawFrame(''), reason: 'not-json' },
    { name: 'header is not JSON', data: rawFrame('hello'), reason: 'not-json' },
    { name: 'header is cut-off JSON', data: rawFrame('{"a":'), reason: 'not-json' },
    { name: 'header JSON followed by junk', data: rawFrame('{"a":1}x'), reason: 'not-json' },
    { name: 'header is invalid UTF-8', data: rawFrame('', Buffer.from([0x7b, 0xff, 0x7d]), 3), reason: 'not-json' },
    { name: 'header is an array', data: rawFrame('[1,2]'), reason: 'not-object' },
    { name: 'header is an empty array', data: rawFrame('[]'), reason: 'not-object' },
    { name: 'header is null', data: rawFrame('null'), reason: 'not-object' },
    { name: 'header is a number', data: rawFrame('42'), reason: 'not-object' },
    { name: 'header is a string', data: rawFrame('"type"'), reason: 'not-object' },
    { name: 'header is a boolean', data: rawFrame('true'), reason: 'not-object' },
  ];

  it.each(cases)('$name → $reason', ({ data, limits, reason }) => {
    const err = decodeError(data, limits);
    expect(err.reason).toBe(reason);
    expect(err.name).toBe('FrameError');
    expect(err.message.length).toBeGreaterThan(0);
  });

  it('accepts a header of exactly maxHeaderBytes and a frame of exactly maxFrameBytes', () => {
    const data = rawFrame('{"abcdefghijk":1}', Buffer.from('0123456789'));
    const headerBytes = data.readUInt32BE(0);
    const decoded = decodeFrame(data, { maxHeaderBytes: headerBytes, maxFrameBytes: data.length });
    expect(decoded.header).toEqual({ abcdefghijk: 1 });
    expect(decoded.payload?.toString()).toBe('0123456789');
    expect(decodeError(data, { maxHeaderBytes: headerBytes - 1, maxFrameBytes: data.length }).reason).toBe('header-too-large');
    expect(decodeError(data, { maxHeaderBytes: headerBytes, maxFrameBytes: data.length - 1 }).reason).toBe('too-large');
  });

  it('a header with a shorter length prefix leaves the rest as payload', () => {
    // prefix covers only `{}`; the trailing bytes are payload, not header.
    const data = rawFrame('{}{"b":2}', undefined, 2);
    const decoded = decodeFrame(data);
    expect(decoded.header).toEqual({});
    expect(decoded.payload?.toString()).toBe('{"b":2}');
  });
});
