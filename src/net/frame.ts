/**
 * The wire frame: one WebSocket binary message =
 *   u32 big-endian header length | UTF-8 JSON header | optional raw payload.
 * Video chunks ride in the payload, so they never pass through JSON or base64.
 * Pure: no sockets here, so every split and corruption can be unit-tested.
 */

/** Default bounds. The header is small JSON; the frame is a header plus one chunk of a few MB. */
/** Bytes of one upload chunk (central asks for these; a client's frames never need to be larger). */
export const UPLOAD_CHUNK_BYTES = 1024 * 1024;

/** The largest frame a client sends: one upload chunk and its header. Subs refuse larger ones unread. */
export const MAX_CLIENT_FRAME_BYTES = UPLOAD_CHUNK_BYTES + 64 * 1024;

export const FRAME_LIMITS = {
  maxHeaderBytes: 64 * 1024,
  maxFrameBytes: 8 * 1024 * 1024 + 64 * 1024,
} as const;

export interface Frame {
  header: Record<string, unknown>;
  payload: Buffer | undefined;
}

/** Why a frame was rejected; the message goes into the log and the close reason. */
export class FrameError extends Error {
  constructor(
    readonly reason: 'too-short' | 'header-too-large' | 'truncated' | 'not-json' | 'not-object' | 'too-large',
    message: string,
  ) {
    super(message);
    this.name = 'FrameError';
  }
}

/** Encode a header object and optional payload into one frame. */
export function encodeFrame(header: object, payload?: Uint8Array): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.allocUnsafe(4);
  prefix.writeUInt32BE(json.length, 0);
  return payload && payload.length > 0 ? Buffer.concat([prefix, json, payload]) : Buffer.concat([prefix, json]);
}

/**
 * The header part of a frame (length prefix + JSON) on its own, for senders that put the payload in a
 * second WebSocket fragment of the same message instead of copying it into one buffer.
 */
export function encodeHeader(header: object): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const out = Buffer.allocUnsafe(4 + json.length);
  out.writeUInt32BE(json.length, 0);
  json.copy(out, 4);
  return out;
}

/** Decode one frame, or throw FrameError saying exactly what is wrong with it. */
export function decodeFrame(data: Buffer, limits: { maxHeaderBytes: number; maxFrameBytes: number } = FRAME_LIMITS): Frame {
  if (data.length > limits.maxFrameBytes) {
    throw new FrameError('too-large', `frame of ${data.length} bytes exceeds the ${limits.maxFrameBytes}-byte limit`);
  }
  if (data.length < 4) {
    throw new FrameError('too-short', `frame of ${data.length} bytes is shorter than its 4-byte length prefix`);
  }
  const headerLength = data.readUInt32BE(0);
  if (headerLength > limits.maxHeaderBytes) {
    throw new FrameError('header-too-large', `header length ${headerLength} exceeds the ${limits.maxHeaderBytes}-byte limit`);
  }
  if (4 + headerLength > data.length) {
    throw new FrameError('truncated', `header length ${headerLength} runs past the end of a ${data.length}-byte frame`);
  }
  let header: unknown;
  try {
    header = JSON.parse(data.toString('utf8', 4, 4 + headerLength));
  } catch (err) {
    throw new FrameError('not-json', `header is not valid JSON (${(err as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new FrameError('not-object', 'header must be a JSON object');
  }
  const rest = data.subarray(4 + headerLength);
  return { header: header as Record<string, unknown>, payload: rest.length > 0 ? rest : undefined };
}
