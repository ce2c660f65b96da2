/** How a session token is named everywhere but the client: its SHA-256 digest, in hex. */
import crypto from 'node:crypto';

/** The digest a token is stored, revoked and cached under (the token itself is never stored). */
export function tokenDigest(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
