/**
 * Draining a sub (messages.ts spreads these into its requests and events): an operator with the cluster
 * secret, or the sub itself on SIGTERM, asks central to move the sub's users elsewhere; central tells
 * the sub, the sub tells each client where to go, and the clients move while they play.
 */
import * as z from 'zod';
import { Int, Ms, NonNegInt, SubId, Text } from './fields.js';

const Fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/);
/** How long a drain may take, in ms (1 s to 1 h). */
const DrainTimeout = Int.min(1000).max(3_600_000);

export const drainRequests = {
  /**
   * client → central (an operator: `secret` is the cluster secret), or sub → central (for itself, on
   * its own link, no secret): stop placing users on `subId` and move its users to the other subs.
   */
  'sub.drain': {
    params: z.object({ subId: SubId.optional(), secret: Text(1024).optional(), timeoutMs: DrainTimeout.optional() }),
    result: z.object({ subId: SubId, deadlineMs: Ms, moved: NonNegInt, staying: NonNegInt, otherSubs: NonNegInt }),
  },
} as const;

export const drainEvents = {
  /** central → sub: you are draining; move your clients (each check of a session names its new sub). */
  'sub.draining': z.object({ timeoutMs: DrainTimeout, otherSubs: NonNegInt }),
  /** sub → client: your session now belongs to this sub; connect there (mpv keeps playing meanwhile). */
  'session.move': z.object({ subId: SubId, subAddress: Text(300), subFingerprint: Fingerprint.optional(), reason: Text(300) }),
} as const;
