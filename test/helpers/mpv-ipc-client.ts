/** Talk to a running mpv's IPC socket from a test, as an outside observer (or a person at the keys). */
import { MpvIpc } from '../../src/player/mpv-ipc.js';

export async function withMpv<T>(socketPath: string, fn: (ipc: MpvIpc) => Promise<T>): Promise<T> {
  const ipc = await MpvIpc.connect(socketPath, 10_000);
  try {
    return await fn(ipc);
  } finally {
    ipc.close();
  }
}
