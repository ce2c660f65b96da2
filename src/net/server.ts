/**
 * An HTTP server whose upgrades become Peers. Garbage that never becomes a WebSocket (a bare TCP line,
 * a plain GET) is answered or dropped here with a logged reason; frames are policed by Peer.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { FRAME_LIMITS } from './frame.js';
import { Peer } from './peer.js';
import type { PeerLimits } from './flow.js';
import { CloseCode } from './messages.js';
import { HelloOnly } from './directions.js';
import type { Logger } from '../core/log.js';

export interface ListenOptions {
  host: string;
  port: number;
  log: Logger;
  /** Called for each new connection, with a Peer that accepts only hello until the role widens it. */
  onPeer: (peer: Peer, req: http.IncomingMessage) => void;
  /** Plain HTTP requests (video streaming on subs); default answers 426. */
  onHttp?: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  /** Serve wss:// and https:// with this certificate and key (PEM); plain ws:// and http:// without. */
  tls?: { cert: string; key: string };
  /** Interval of ws-level pings that find dead sockets (app-level heartbeats are separate). */
  pingIntervalMs?: number;
  /** A connection must be marked ready (hello, register, session) within this long; default 10 s. */
  readyTimeoutMs?: number;
  /** Open WebSocket connections allowed from one address; default 256. */
  maxConnectionsPerAddress?: number;
  /** What each new connection may make us hold (default UNTRUSTED_LIMITS). */
  limits?: PeerLimits;
  /** Largest WebSocket message accepted; larger ones close the connection before they are read (1009). */
  maxMessageBytes?: number;
  /** New connections accepted from one address per second (twice that at once); default 20. */
  connectionsPerSecondPerAddress?: number;
}

export interface Listening {
  port: number;
  host: string;
  server: http.Server;
  peers: Set<Peer>;
  close(): Promise<void>;
}

/** Token buckets of new connections per address, bounded in size (full buckets are forgotten). */
class AcceptRate {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  constructor(readonly perSecond: number) {}

  allow(address: string, nowMs: number): boolean {
    const burst = this.perSecond * 2;
    const b = this.buckets.get(address);
    const tokens = b ? Math.min(burst, b.tokens + ((nowMs - b.atMs) * this.perSecond) / 1000) : burst;
    if (tokens < 1) return false;
    this.buckets.set(address, { tokens: tokens - 1, atMs: nowMs });
    if (this.buckets.size > 10_000) {
      for (const [a, v] of this.buckets) if (v.tokens + ((nowMs - v.atMs) * this.perSecond) / 1000 >= burst) this.buckets.delete(a);
    }
    return true;
  }
}

function describeRemote(socket: Socket | undefined): string {
  return socket?.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'unknown';
}

/** The connecting host as people write it (an IPv4 peer on a dual-stack socket without `::ffff:`). */
export function remoteHost(req: http.IncomingMessage): string {
  const ip = req.socket.remoteAddress;
  if (!ip) return '127.0.0.1';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

/** Listen for WebSocket peers (and optional HTTP) on host:port (port 0 = any free port). */
export function listen(opts: ListenOptions): Promise<Listening> {
  const { log } = opts;
  const peers = new Set<Peer>();
  const perAddress = new Map<string, number>();
  const maxPerAddress = opts.maxConnectionsPerAddress ?? 256;
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxMessageBytes ?? FRAME_LIMITS.maxFrameBytes, perMessageDeflate: false });
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (opts.onHttp) {
      opts.onHttp(req, res);
      return;
    }
    // The path only: a query string may hold a secret someone pasted, and logs are read by others.
    log.warn(`plain HTTP ${String(req.method).slice(0, 10)} ${String(req.url).split('?')[0]!.slice(0, 80)} from ${describeRemote(req.socket)}: answered 426, this port speaks the watchparty WebSocket protocol`);
    res.writeHead(426, { 'content-type': 'text/plain', connection: 'close', upgrade: 'websocket' });
    res.end('This is a watchparty server: connect with the watchparty client (WebSocket), not plain HTTP.\n');
  };
  const server: http.Server = opts.tls ? https.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : http.createServer(onRequest);
  // Plain text (or a failed handshake) on a TLS port: say so once, without the bytes.
  server.on('tlsClientError', (err: Error & { code?: string }, socket: Socket) => {
    log.warn(`dropped connection from ${describeRemote(socket)}: TLS handshake failed (${err.code ?? err.message}); this port speaks TLS only`);
    socket.destroy();
  });
  // A bare TCP line or malformed HTTP ends up here; without a handler node would just reset it silently.
  server.on('clientError', (err: Error & { code?: string; rawPacket?: Buffer }, socket: Socket) => {
    // 0x16 starts a TLS handshake: a client checking whether we speak TLS (ours do on first contact),
    // which is routine on a plain-text port, not garbage.
    if (err.rawPacket?.[0] === 0x16) log.debug(`TLS handshake from ${describeRemote(socket)} on this plain-text port: refused`);
    else log.warn(`dropped connection from ${describeRemote(socket)}: not HTTP/WebSocket (${err.code ?? err.message})`);
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    socket.destroy();
  });
  const accepts = new AcceptRate(opts.connectionsPerSecondPerAddress ?? 20);
  let refusedUpgrades = 0;
  server.on('upgrade', (req, socket, head) => {
    // A reconnect storm is refused before the handshake, where it costs least.
    if (!accepts.allow(req.socket.remoteAddress ?? 'unknown', performance.now())) {
      if (refusedUpgrades++ % 100 === 0) log.warn(`refusing new connections from ${req.socket.remoteAddress}: more than ${accepts.perSecond} a second (${refusedUpgrades} so far)`);
      socket.end('HTTP/1.1 429 Too Many Requests\r\nretry-after: 1\r\nconnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket as Socket, head, (ws: WebSocket) => {
      const name = `${describeRemote(req.socket)}`;
      const address = req.socket.remoteAddress ?? 'unknown';
      const open = (perAddress.get(address) ?? 0) + 1;
      const peer = new Peer(ws, { name, accepts: HelloOnly, log, readyTimeoutMs: opts.readyTimeoutMs ?? 10_000, ...(opts.limits ? { limits: opts.limits } : {}) });
      perAddress.set(address, open);
      peers.add(peer);
      peer.onceClosed(() => {
        peers.delete(peer);
        const left = (perAddress.get(address) ?? 1) - 1;
        if (left <= 0) perAddress.delete(address);
        else perAddress.set(address, left);
      });
      if (open > maxPerAddress) {
        // Logged once per hundred refusals: a flood of connections must not become a flood of log lines.
        if ((open - maxPerAddress) % 100 === 1) log.warn(`refusing connections from ${address}: more than ${maxPerAddress} open`);
        peer.close(CloseCode.tooManyConnections, `more than ${maxPerAddress} connections from your address`);
        return;
      }
      let alive = true;
      ws.on('pong', () => {
        alive = true;
      });
      const ping = setInterval(() => {
        // While we hold the socket paused (flow control), its pong waits unread behind its data: that
        // is our doing, not a dead peer. The check starts over once reading resumes.
        if (ws.isPaused) {
          alive = true;
          return;
        }
        if (!alive) {
          log.warn(`no pong from ${peer.name}: terminating the dead socket`);
          ws.terminate();
          return;
        }
        alive = false;
        ws.ping();
      }, opts.pingIntervalMs ?? 15_000);
      ping.unref();
      peer.onceClosed(() => clearInterval(ping));
      opts.onPeer(peer, req);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      resolve({
        port: addr.port,
        host: opts.host,
        server,
        peers,
        close: () =>
          new Promise<void>((done) => {
            for (const p of peers) p.close(4010, 'server shutting down');
            wss.close();
            server.close(() => done());
            server.closeAllConnections();
            setTimeout(done, 1500).unref();
          }),
      });
    });
  });
}
