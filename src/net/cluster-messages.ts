/**
 * The cluster part of the catalogue (messages.ts spreads these into its requests): how a sub joins
 * central and is probed, its bulk link, the replica chunks both ways, and what a leader tells subs about
 * the other centrals sharing its store. Central's hello (which names them too) stays in messages.ts.
 */
import * as z from 'zod';
import { Int, Ms, NonNegInt, SubId, Text } from './fields.js';

const Empty = z.object({});
/** A TLS certificate's fingerprint as ssh prints it: `SHA256:` + 43 base64 characters. */
export const Fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/);
/** A replication in progress on a sub. */
export const Transfer = z.object({ videoId: Int.min(1), offset: NonNegInt, size: NonNegInt });
export type Transfer = z.infer<typeof Transfer>;
/** The centrals of a cluster that share a store (`host:port`), and the certificates of those that serve TLS. */
export const CentralList = z.array(Text(300)).max(16);
export const CentralPins = z.array(z.object({ address: Text(300), fingerprint: Fingerprint })).max(16);
const ChunkAsk = z.object({ videoId: Int.min(1), offset: NonNegInt, length: Int.min(1).max(8 * 1024 * 1024) });
const ChunkGiven = z.object({ offset: NonNegInt, size: NonNegInt });
export const ReplicaKindName = z.enum(['video', 'rendition']);
export type ReplicaKindName = z.infer<typeof ReplicaKindName>;

export const clusterRequests = {
  /** sub → central: join the cluster. `resumeId` keeps the id across a reconnect to the same central. */
  'sub.register': {
    params: z.object({
      secret: Text(1024),
      port: Int.min(1).max(65535),
      advertiseHost: Text(255).optional(),
      pid: NonNegInt,
      resumeId: SubId.optional(),
      /** The sub's TLS certificate fingerprint, when it serves wss/https; central hands it to clients. */
      fingerprint: Fingerprint.optional(),
    }),
    result: z.object({ subId: SubId, instanceId: Text(100), heartbeatMs: Ms }),
  },
  /**
   * central → sub: the failure detector's probe; the answer carries the sub's load. A leader sharing its
   * store with other centrals names them (and vouches for their certificates), as in hello.
   */
  'sub.probe': {
    params: z.object({ centrals: CentralList.optional(), pins: CentralPins.optional() }),
    result: z.object({ clients: NonNegInt, replicas: z.array(Int.min(1)).max(100_000), renditions: z.array(Int.min(1)).max(1_000_000).optional(), transfers: z.array(Transfer).max(1000) }),
  },
  /**
   * sub → central, on a second connection: make it this registered sub's bulk link (upload and replica
   * chunks), so that probes and everyone's small requests never wait behind megabytes of chunks.
   */
  'sub.attach': { params: z.object({ secret: Text(1024), subId: SubId }), result: Empty },
  /** sub → central: `length` bytes of a catalogue video from `offset`, as the reply's payload. */
  'replica.chunk': { params: ChunkAsk, result: ChunkGiven },
  /** central → sub: the same from the sub's verified replica of a video or rendition: a central that took over restores what it lacks. */
  'replica.read': { params: z.object({ kind: ReplicaKindName, itemId: Int.min(1), offset: NonNegInt, length: ChunkAsk.shape.length }), result: ChunkGiven },
};
