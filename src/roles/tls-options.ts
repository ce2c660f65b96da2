/**
 * The TLS flags central, `up` and sub share (`--tls auto`, `--tls-cert/--tls-key`, `--insecure`,
 * `--fingerprint`), and what they resolve to: TLS is on unless the server binds only loopback or
 * `--insecure` says otherwise.
 */
import fs from 'node:fs';
import { Option, type Command } from 'commander';
import { WatchpartyError } from '../core/errors.js';
import { envTrustsNew } from './shared/pin-policy.js';
import { fingerprintOfPem, isLoopback, loadTls, selfSignedFiles, selfSignedTls, FINGERPRINT_PATTERN, type TlsMaterial } from '../net/tls.js';

export interface TlsFlags {
  tls?: string;
  tlsCert?: string;
  tlsKey?: string;
  insecure?: boolean;
}

/** off: plain text · auto: self-signed in the data folder · files: the given certificate and key. */
export type TlsMode = 'off' | 'auto' | 'files';

/** Which TLS mode the flags and the bind address ask for; contradictions are usage errors. */
export function tlsMode(flags: TlsFlags, bind: string): TlsMode {
  const wantsTls = flags.tls !== undefined || flags.tlsCert !== undefined || flags.tlsKey !== undefined;
  if (flags.insecure && wantsTls) throw new WatchpartyError('BAD_INPUT', '--insecure turns TLS off, so it cannot be combined with --tls, --tls-cert or --tls-key');
  if ((flags.tlsCert === undefined) !== (flags.tlsKey === undefined)) throw new WatchpartyError('BAD_INPUT', '--tls-cert and --tls-key go together: pass both files');
  if (flags.tls !== undefined && flags.tls !== 'auto') throw new WatchpartyError('BAD_INPUT', `--tls ${flags.tls}: the only mode is "auto" (a self-signed certificate in the data folder)`);
  if (flags.tlsCert !== undefined) {
    if (flags.tls !== undefined) throw new WatchpartyError('BAD_INPUT', '--tls auto and --tls-cert exclude each other: pick one');
    return 'files';
  }
  if (flags.tls === 'auto') return 'auto';
  if (flags.insecure) return 'off';
  return isLoopback(bind) ? 'off' : 'auto';
}

/** The certificate a server on `bind` with data in `dataDir` serves, or undefined for plain text. */
export function serverTls(flags: TlsFlags, bind: string, dataDir: string): TlsMaterial | undefined {
  const mode = tlsMode(flags, bind);
  if (mode === 'off') return undefined;
  if (mode === 'files') return loadTls(flags.tlsCert!, flags.tlsKey!);
  return selfSignedTls(dataDir);
}

/** The fingerprint of the self-signed certificate of a central whose data folder is `dataDir`, if any. */
export function localCentralFingerprint(dataDir: string): string | undefined {
  try {
    return fingerprintOfPem(fs.readFileSync(selfSignedFiles(dataDir).certFile, 'utf8'));
  } catch {
    return undefined;
  }
}

/** Parse `--fingerprint`. */
export function parseFingerprint(value: string): string {
  const v = value.trim().replace(/=+$/, '');
  if (!FINGERPRINT_PATTERN.test(v)) throw new WatchpartyError('BAD_INPUT', `"${value}" is not a certificate fingerprint: use the SHA256:… text the server logs at start-up`);
  return v;
}

/** Add the serving flags (central, up, sub). */
export function addServerTlsOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--tls <mode>', '"auto": serve TLS with a self-signed certificate kept in the data folder (default unless binding loopback)'))
    .option('--tls-cert <file>', 'serve TLS with this certificate (PEM; with --tls-key)')
    .option('--tls-key <file>', 'the private key of --tls-cert (PEM)')
    .option('--insecure', 'serve (and accept) plain text even when binding beyond loopback');
}

/** Add `--fingerprint` (what to expect from central on first contact). */
export function addFingerprintOption(cmd: Command, help = "trust central's certificate on first contact only if it has this fingerprint"): Command {
  return cmd.addOption(new Option('--fingerprint <SHA256:…>', help).argParser(parseFingerprint));
}

/** How a sub trusts central on first contact: --fingerprint, the local central's certificate, or WATCHPARTY_TRUST_NEW=1. */
export function subTrustOptions(o: { host: string; fingerprint?: string; insecure?: boolean }, localCentralDataDir: string) {
  return {
    fingerprint: o.fingerprint,
    vouched: isLoopback(o.host) ? localCentralFingerprint(localCentralDataDir) : undefined,
    envTrust: envTrustsNew(process.env.WATCHPARTY_TRUST_NEW),
    insecure: Boolean(o.insecure),
  };
}
