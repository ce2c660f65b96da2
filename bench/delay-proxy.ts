/**
 * A userspace TCP delay proxy for benchmarks (this kernel has no netem): listens on `listenHost:port`,
 * forwards to `targetHost:port`, and delays every chunk in each direction by `delayMs ± jitterMs`
 * while keeping byte order (a chunk never overtakes the one before it). Loopback only.
 */
import net from 'node:net';

export interface DelayProxy {
  close(): Promise<void>;
}

export function startDelayProxy(opts: { listenHost: string; targetHost: string; port: number; delayMs: number; jitterMs: number }): Promise<DelayProxy> {
  const sockets = new Set<net.Socket>();
  const delay = () => opts.delayMs + (Math.random() * 2 - 1) * opts.jitterMs;
  /** Forward `from` → `to`, each chunk released at max(previous release, arrival + delay). */
  const pipe = (from: net.Socket, to: net.Socket) => {
    let lastRelease = 0;
    from.on('data', (chunk: Buffer) => {
      const release = Math.max(lastRelease, performance.now() + delay());
      lastRelease = release;
      setTimeout(() => {
        if (!to.destroyed) to.write(chunk);
      }, release - performance.now());
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, lastRelease - performance.now()) + 1));
    from.on('error', () => to.destroy());
    from.on('close', () => setTimeout(() => to.destroy(), Math.max(0, lastRelease - performance.now()) + 5));
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
    pipe(upstream, client);
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
