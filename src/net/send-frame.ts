/**
 * Writing one frame to a WebSocket with back-pressure: refused when it is too big or when the peer
 * has stopped reading (the queue cap), and resolved at once for small frames but only once written
 * when the socket buffer is past its high-water mark, which is how a chunk sender slows to the
 * network's pace.
 */
import type { WebSocket } from 'ws';
import { encodeHeader, FRAME_LIMITS } from './frame.js';

export interface SendBounds {
  /** Past this many queued bytes the frame is refused and `onQueueFull` called (the peer does not read). */
  maxQueuedBytes: number;
  /** Past this many queued bytes the caller waits for the write. */
  highWaterBytes: number;
  onQueueFull(): void;
  /** After queueing and after writing: the read gate re-decides. */
  onQueued(): void;
}

/**
 * Send a header and an optional payload as one WebSocket message. A payload goes as a second fragment,
 * so a chunk is never copied into a fresh buffer (the receiver sees one message either way).
 */
export function sendFrame(ws: WebSocket, header: object, payload: Buffer | undefined, bounds: SendBounds): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ws.readyState !== ws.OPEN) {
      reject(new Error('socket is not open'));
      return;
    }
    const head = encodeHeader(header);
    // The receiver would close the whole connection for it: refuse it here, for this message only.
    if (head.length - 4 > FRAME_LIMITS.maxHeaderBytes) {
      reject(new Error(`a header of ${head.length - 4} bytes exceeds the ${FRAME_LIMITS.maxHeaderBytes}-byte limit`));
      return;
    }
    const hasPayload = payload !== undefined && payload.length > 0;
    const size = head.length + (hasPayload ? payload.length : 0);
    if (4 + size > FRAME_LIMITS.maxFrameBytes) {
      reject(new Error(`frame of ${size} bytes exceeds the ${FRAME_LIMITS.maxFrameBytes}-byte limit`));
      return;
    }
    if (ws.bufferedAmount + size > bounds.maxQueuedBytes) {
      bounds.onQueueFull();
      reject(new Error('send queue full'));
      return;
    }
    const mustWait = ws.bufferedAmount + size > bounds.highWaterBytes;
    const done = (err?: Error) => {
      bounds.onQueued();
      if (!mustWait) return;
      if (err) reject(err);
      else resolve();
    };
    if (hasPayload) {
      ws.send(head, { binary: true, fin: false });
      ws.send(payload, { binary: true, fin: true }, done);
    } else {
      ws.send(head, { binary: true }, done);
    }
    bounds.onQueued();
    if (!mustWait) resolve();
  });
}
