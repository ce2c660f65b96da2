/**
 * TLS plumbing for every link: certificates (given, or self-signed on first start), fingerprints
 * printed like ssh's (`SHA256:<base64>` of the DER certificate), and client sockets that accept a
 * server only when its certificate has the pinned fingerprint. Self-signed certificates name no
 * address a peer could check, so the fingerprint is the whole identity.
 */
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import tls from 'node:tls';
import { WatchpartyError } from '../core/errors.js';

/** A server's certificate and key (PEM) with the fingerprint clients pin. */
export interface TlsMaterial {
  cert: string;
  key: string;
  fingerprint: string;
  /** Where the certificate came from, for the start-up log line. */
  certFile: string;
}

/** `SHA256:` + 43 base64 characters (no padding), as ssh prints host keys. */
export const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The fingerprint of a DER certificate. */
export function fingerprintOfDer(der: Buffer): string {
  return 'SHA256:' + crypto.createHash('sha256').update(der).digest('base64').replace(/=+$/, '');
}

/** The fingerprint of a PEM certificate. */
export function fingerprintOfPem(pem: string): string {
  return fingerprintOfDer(new crypto.X509Certificate(pem).raw);
}

/** Whether `host` is a loopback address (where plain text never leaves the machine). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::ffff:127.0.0.1';
}

function readPem(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new WatchpartyError('TLS_CERT_INVALID', `cannot read the TLS ${what} ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Load a certificate and key given on the command line, checking that they belong together. */
export function loadTls(certFile: string, keyFile: string): TlsMaterial {
  const cert = readPem(certFile, 'certificate');
  const key = readPem(keyFile, 'key');
  try {
    const x509 = new crypto.X509Certificate(cert);
    if (!x509.checkPrivateKey(crypto.createPrivateKey(key))) throw new Error('the key does not belong to the certificate');
    return { cert, key, fingerprint: fingerprintOfDer(x509.raw), certFile };
  } catch (err) {
    throw new WatchpartyError('TLS_CERT_INVALID', `the TLS certificate ${certFile} and key ${keyFile} are not usable: ${(err as Error).message}`);
  }
}

/** Files of the self-signed certificate kept in a data folder. */
export function selfSignedFiles(dataDir: string): { certFile: string; keyFile: string } {
  return { certFile: path.join(dataDir, 'tls', 'cert.pem'), keyFile: path.join(dataDir, 'tls', 'key.pem') };
}

/**
 * The data folder's self-signed certificate, created on first start: an EC P-256 key made here and
 * written 0600 before anything else sees it, signed by `openssl req -x509` (Node 20 cannot issue
 * certificates). Later starts reuse it, so pinned fingerprints stay valid.
 */
export function selfSignedTls(dataDir: string, commonName = 'watchparty'): TlsMaterial & { created: boolean } {
  const { certFile, keyFile } = selfSignedFiles(dataDir);
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) {
    fs.chmodSync(keyFile, 0o600);
    return { ...loadTls(certFile, keyFile), created: false };
  }
  fs.mkdirSync(path.dirname(certFile), { recursive: true, mode: 0o700 });
  const { privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const tmpKey = `${keyFile}.${process.pid}.tmp`;
  const tmpCert = `${certFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmpKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  try {
    execFileSync('openssl', ['req', '-x509', '-new', '-key', tmpKey, '-out', tmpCert, '-days', '3650', '-subj', `/CN=${commonName.replace(/[^A-Za-z0-9.-]/g, '-')}`, '-sha256'], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    fs.rmSync(tmpKey, { force: true });
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new WatchpartyError('TLS_CERT_INVALID', missing ? 'cannot create a self-signed certificate: openssl is not installed' : `openssl could not create a self-signed certificate: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`, {
      hint: missing ? 'Install openssl (sudo apt-get install openssl), or pass --tls-cert FILE --tls-key FILE.' : 'Pass --tls-cert FILE --tls-key FILE instead.',
    });
  }
  fs.renameSync(tmpKey, keyFile);
  fs.renameSync(tmpCert, certFile);
  return { ...loadTls(certFile, keyFile), created: true };
}

/** Split `host:port` (IPv6 in brackets). */
/** `host:port` with IPv6 literals bracketed. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function splitHostPort(address: string): { host: string; port: number } {
  const m = /^\[?([^\]]*?)\]?:(\d{1,5})$/.exec(address);
  if (!m) throw new WatchpartyError('BAD_INPUT', `"${address}" is not host:port`);
  return { host: m[1]!, port: Number(m[2]) };
}

function serverName(host: string): string | undefined {
  return net.isIP(host) ? undefined : host;
}

/** What a TLS handshake attempt found at an address. */
export type ProbeResult = { kind: 'tls'; fingerprint: string } | { kind: 'no-tls'; reason: string };

/** True for the errors a TLS client sees when the server speaks plain text. */
export function isNotTlsError(err: Error & { code?: string }): boolean {
  return err.code === 'EPROTO' || /wrong version number|packet length too long|unknown protocol|ERR_SSL/i.test(`${err.code ?? ''} ${err.message}`);
}

/**
 * Open a TLS handshake to `address` only to read the certificate's fingerprint, sending nothing. Used
 * before the first real connection, so the pin decision is made before any data goes out.
 */
export function probeFingerprint(address: string, timeoutMs = 5000): Promise<ProbeResult> {
  const { host, port } = splitHostPort(address);
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host, port, servername: serverName(host), rejectUnauthorized: false });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate(true);
      // A close_notify and FIN, not a reset: the server should not log a probe as a dropped connection.
      socket.end();
      socket.once('close', () => {});
      if (!cert?.raw) return resolve({ kind: 'no-tls', reason: 'the server presented no certificate' });
      resolve({ kind: 'tls', fingerprint: fingerprintOfDer(cert.raw) });
    });
    socket.once('error', (err: Error & { code?: string }) => {
      clearTimeout(timer);
      socket.destroy();
      if (isNotTlsError(err) || err.code === 'ECONNRESET') resolve({ kind: 'no-tls', reason: err.message });
      else reject(err);
    });
  });
}

/** The error a pinned connection fails with when the server shows another certificate. */
export function certChanged(what: string, address: string, expected: string, seen: string): WatchpartyError {
  return new WatchpartyError('CERT_CHANGED', `the certificate of ${what} at ${address} changed: expected ${expected}, got ${seen}. Someone may be intercepting the connection, or ${what} got a new certificate`, {
    details: { address, expected, seen },
  });
}

type Callback = (err: Error | null, socket?: net.Socket) => void;

/**
 * A `createConnection` for http(s).request and ws: a TLS socket handed to the request only after its
 * certificate matched `fingerprint`, so not one byte of the request (headers, token) reaches an
 * impostor. Node calls it with a callback when it is given no agent.
 */
export function pinnedConnection(fingerprint: string, what: string): (opts: tls.ConnectionOptions & { host?: string; port?: number }, cb: Callback) => undefined {
  return (opts, cb) => {
    const host = String(opts.host ?? 'localhost');
    const socket = tls.connect({ ...opts, host, servername: serverName(host), rejectUnauthorized: false });
    const onError = (err: Error) => cb(err);
    socket.once('error', onError);
    socket.once('secureConnect', () => {
      socket.off('error', onError);
      const raw = socket.getPeerCertificate(true)?.raw;
      const seen = raw ? fingerprintOfDer(raw) : 'no certificate';
      if (seen !== fingerprint) {
        socket.destroy();
        cb(certChanged(what, `${host}:${opts.port}`, fingerprint, seen));
        return;
      }
      cb(null, socket);
    });
    return undefined;
  };
}
