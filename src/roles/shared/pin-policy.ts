/**
 * Trust on first use, as a pure decision (like ssh's known_hosts): what to do with the certificate
 * fingerprint a server shows, given what was pinned before and what the person told us. A changed
 * certificate is always refused; a new one is pinned only when someone vouched for it.
 */

/** What is known when a server shows certificate `seen`. */
export interface PinInput {
  /** The fingerprint pinned for this server before, if any. */
  pinned: string | undefined;
  seen: string;
  /** `--fingerprint SHA256:…` from the command line. */
  flag: string | undefined;
  /** Another trusted source names `seen` (the certificate of a central on this machine). */
  vouched: boolean;
  /** An explicit switch to trust a new certificate on first use (WATCHPARTY_TRUST_NEW=1). */
  envTrust: boolean;
  /** A person is at a terminal who can be asked. */
  interactive: boolean;
}

/** known: matches the pin · pin: new, vouched for · prompt: ask the person · refuse-*: stop. */
export type PinDecision = 'known' | 'pin' | 'prompt' | 'refuse-changed' | 'refuse-unknown' | 'refuse-mismatch';

/** Decide what to do with the certificate a server shows. */
export function decidePin(i: PinInput): PinDecision {
  if (i.flag !== undefined && i.flag !== i.seen) return 'refuse-mismatch';
  if (i.pinned !== undefined) return i.pinned === i.seen ? 'known' : 'refuse-changed';
  if (i.flag !== undefined || i.vouched || i.envTrust) return 'pin';
  return i.interactive ? 'prompt' : 'refuse-unknown';
}

/** On first contact with a server that does not speak TLS: use plain text, or refuse. */
export function decidePlain(i: { loopback: boolean; insecure: boolean }): 'plain' | 'refuse' {
  return i.loopback || i.insecure ? 'plain' : 'refuse';
}

/** Whether the env switch asks to trust new certificates ("1", "true" or "yes"). */
export function envTrustsNew(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes)$/i.test(value.trim());
}
