/**
 * A userspace TCP delay proxy for benchmarks (this kernel has no netem): listens on `listenHost:port`,
 * forwards to `targetHost:port`, and delays every chunk in each direction by `delayMs ± jitterMs`
 * while keeping byte order (a chunk never overtakes the one before it). With `downBps`, the direction
 * towards the client is also capped to that many bytes per second, shared by every connection (one
 * home link), with back-pressure: each connection queues about a quarter second of the link (a home
 * router's buffer; more would be bufferbloat that delays every other flow by seconds), the rest waits
 * in the sender, and bytes are released in slices of at most 8 KiB, as a link would serialise them.
 * Loopback only.
 */
import net from 'node:net';

export interface DelayProxy {
  close(): Promise<void>;
}

export function startDelayProxy(opts: { listenHost: string; targetHost: string; port: number; delayMs: number; jitterMs: number; downBps?: number }): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  /** When the capped downstream link is free again (ms, performance.now()). */
  let linkFreeAt = 0;
  const delay = () => opts.delayMs + (Math.random() * 2 - 1) * opts.jitterMs;
  /**
   * Forward `from` → `to`, each chunk released at max(previous release, arrival + delay). One queue
   * and one timer per direction: separate timers could fire out of order within the same millisecond.
   */
  const pipe = (from: net.Socket, to: net.Socket, capBps?: number) => {
    const queue: { release: number; chunk: Buffer | null }[] = [];
    let queuedBytes = 0;
    let lastRelease = 0;
    let timer: NodeJS.Timeout | undefined;
    const highWater = capBps ? Math.max(16 * 1024, capBps / 4) : 256 * 1024;
    const drain = () => {
      timer = undefined;
      const now = performance.now();
      while (queue.length > 0 && queue[0]!.release <= now + 0.5) {
        const { chunk } = queue.shift()!;
        queuedBytes -= chunk?.length ?? 0;
        if (queuedBytes < highWater / 2 && from.isPaused()) from.resume();
        if (to.destroyed) continue;
        if (chunk === null) to.end();
        else to.write(chunk);
      }
      if (queue.length > 0) timer = setTimeout(drain, Math.max(0, queue[0]!.release - performance.now()));
    };
    const enqueue = (chunk: Buffer | null) => {
      let release = Math.max(lastRelease, performance.now() + (chunk === null ? 0 : delay()));
      if (capBps && chunk) {
        release = Math.max(release, linkFreeAt) + (chunk.length * 1000) / capBps;
        linkFreeAt = release;
        queuedBytes += chunk.length;
        if (queuedBytes > highWater) from.pause();
      }
      lastRelease = release;
      queue.push({ release, chunk });
      if (!timer) timer = setTimeout(drain, Math.max(0, queue[0]!.release - performance.now()));
    };
    const SLICE = 8 * 1024;
    from.on('data', (chunk: Buffer) => {
      if (!capBps || chunk.length <= SLICE) return enqueue(chunk);
      for (let at = 0; at < chunk.length; at += SLICE) enqueue(chunk.subarray(at, at + SLICE));
    });
    from.on('end', () => enqueue(null));
    from.on('error', () => to.destroy());
    from.on('close', () => {
      if (queue.length === 0) to.destroy();
    });
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(opts.port, opts.targetHost);
    sockets.add(client);
    sockets.add(upstream);
    client.once('close', () => sockets.delete(client));
    upstream.once('close', () => sockets.delete(upstream));
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    pipe(client, upstream);
    pipe(upstream, client, opts.downBps);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.listenHost, () =>
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      }),
    );
  });
}
