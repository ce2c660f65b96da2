import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as directions from '../../src/net/directions.js';
import { agreeProtocol, CloseCode, describeIssues, events, requests, Reply, type EventName, type RequestName } from '../../src/net/messages.js';
import { RELAYED, type Accepts } from '../../src/net/directions.js';

const TOKEN = 'tok_' + 'a'.repeat(39); // 43 chars, like newToken()
const NOTE = { id: 1, atMs: 1_700_000_000_000, kind: 'sub.joined', text: 'sub-2 joined' } as const;
const PLACEMENT = { subId: 'sub-2', subAddress: '127.0.0.1:7001' };
const TRANSFER = { videoId: 1, offset: 4096, size: 1_048_576 };
const SUB_STATUS = { id: 'sub-1', address: '127.0.0.1:7001', pid: 4242, users: 3, clients: 2, state: 'alive', misses: 0, lastSeenMs: 10, videos: 1, transfers: [] };
const CLUSTER = { instance: 'c-1', startedAtMs: 0, uptimeMs: 5000, heartbeatMs: 2000, users: 3, videos: 2, subs: [SUB_STATUS] };
const SHA256 = '0123456789abcdef'.repeat(4); // 64 lower-case hex chars
const UPLOAD_ID = 'fedcba9876543210'.repeat(2); // 32 lower-case hex chars
const MiB = 1024 * 1024;
const SHA = 'a'.repeat(64);
const TASK = { taskId: 1, attempt: 1, videoId: 1, kind: 'segment', leaseMs: 20_000, seekSeconds: '4.010000', frames: 100, fps: { num: 25, den: 1 }, rungs: [{ rung: '480p', width: 854, height: 480, videoBps: 1_200_000 }], keyframeFrames: 50 };
const RENDITION = { id: 1, videoId: 1, rung: '480p', name: 'film.480p.mkv', width: 854, height: 480, bps: 1_296_000, size: 1000, sha256: SHA, replicas: 2 };
const VIDEO = {
  id: 1,
  name: 'film.mkv',
  size: 10 * MiB,
  sha256: SHA256,
  durationMs: 60_000,
  width: 1920,
  height: 1080,
  videoCodec: 'h264',
  audioCodec: 'aac',
  uploader: 'alice',
  createdMs: 1_700_000_000_000,
  replicas: 2,
};
const ROOM_ID = 'r-0123abcd';
const LINE = { roomId: ROOM_ID, seq: 1, atMs: 1_700_000_000_000, user: 'ann', text: 'hello' };
const DM = { id: 1, from: 'ann', to: 'bob', atMs: 1_700_000_000_000, text: 'hi bob', read: false };
const ROOM = {
  id: ROOM_ID,
  videoId: 1,
  videoName: 'film.mkv',
  durationMs: 60_000,
  admin: 'alice',
  members: ['alice', 'bob'],
  watching: ['alice'],
  paused: true,
  positionMs: 0,
  atMs: 1_700_000_000_000,
  seq: 0,
  adminPresent: true,
  adminSeenMs: 1_700_000_000_000,
  resumeWhenAdminBack: false,
  closed: false,
  createdMs: 1_700_000_000_000,
};
const ROOM_EVENT = { roomId: ROOM_ID, seq: 1, change: 'play', by: 'alice', text: 'alice pressed play' };
const users = (n: number) => Array.from({ length: n }, (_, i) => `u${i}`);

/** One wrong value, and the path zod must blame for it. */
interface Bad {
  why: string;
  value: unknown;
  path: string;
}

interface Case {
  params: { ok: unknown[]; bad: Bad[] };
  result: { ok: unknown[]; bad: Bad[] };
}

const requestCases: Record<RequestName, Case> = {
  hello: {
    params: {
      ok: [{ protocol: 1, role: 'client', version: '0.1.0' }, { protocol: 1, role: 'sub', version: '' }],
      bad: [
        { why: 'float protocol', value: { protocol: 1.5, role: 'client', version: '0.1.0' }, path: 'protocol' },
        { why: 'string protocol', value: { protocol: '1', role: 'client', version: '0.1.0' }, path: 'protocol' },
        { why: 'role central is not a caller', value: { protocol: 1, role: 'central', version: '0.1.0' }, path: 'role' },
        { why: 'version too long', value: { protocol: 1, role: 'client', version: 'v'.repeat(65) }, path: 'version' },
      ],
    },
    result: {
      ok: [{ protocol: 1, role: 'central', instanceId: 'c-1' }, { protocol: 1, role: 'central', instanceId: 'c-1', centrals: ['a:8000', 'b:8000'] }],
      bad: [
        { why: 'role client cannot answer hello', value: { protocol: 1, role: 'client', instanceId: 'c-1' }, path: 'role' },
        { why: 'more than 16 centrals', value: { protocol: 1, role: 'central', instanceId: 'c-1', centrals: Array.from({ length: 17 }, (_, i) => `h${i}:1`) }, path: 'centrals' },
      ],
    },
  },
  'sub.register': {
    params: {
      ok: [
        { secret: 's3cret', port: 7001, pid: 12 },
        { secret: '', port: 1, pid: 0, advertiseHost: '192.168.1.10', resumeId: 'sub-123456789' },
        { secret: 'x'.repeat(1024), port: 65535, pid: 1 },
      ],
      bad: [
        { why: 'port 70000', value: { secret: 's', port: 70000, pid: 1 }, path: 'port' },
        { why: 'port 0 (a sub must say its real port)', value: { secret: 's', port: 0, pid: 1 }, path: 'port' },
        { why: 'missing secret', value: { port: 7001, pid: 1 }, path: 'secret' },
        { why: 'secret too long', value: { secret: 'x'.repeat(1025), port: 7001, pid: 1 }, path: 'secret' },
        { why: 'resumeId sub-x', value: { secret: 's', port: 7001, pid: 1, resumeId: 'sub-x' }, path: 'resumeId' },
        { why: 'resumeId with 10 digits', value: { secret: 's', port: 7001, pid: 1, resumeId: 'sub-1234567890' }, path: 'resumeId' },
        { why: 'negative pid', value: { secret: 's', port: 7001, pid: -1 }, path: 'pid' },
      ],
    },
    result: {
      ok: [{ subId: 'sub-1', instanceId: 'c-1', heartbeatMs: 2000 }],
      bad: [
        { why: 'subId not sub-N', value: { subId: 'sub1', instanceId: 'c-1', heartbeatMs: 2000 }, path: 'subId' },
        { why: 'fractional heartbeat', value: { subId: 'sub-1', instanceId: 'c-1', heartbeatMs: 1.5 }, path: 'heartbeatMs' },
      ],
    },
  },
  'sub.probe': {
    params: {
      ok: [{}, { centrals: ['a:8000', 'b:8000'], pins: [{ address: 'b:8000', fingerprint: `SHA256:${'A'.repeat(43)}` }] }],
      bad: [
        { why: 'not an object', value: 'probe', path: '' },
        { why: 'a pin that is not a fingerprint', value: { pins: [{ address: 'b:8000', fingerprint: 'md5:00' }] }, path: 'pins.0.fingerprint' },
      ],
    },
    result: {
      ok: [
        { clients: 0, replicas: [], transfers: [] },
        { clients: 12, replicas: [1, 2, 7], transfers: [TRANSFER, { videoId: 2, offset: 0, size: 0 }] },
        { clients: 1, replicas: Array.from({ length: 100_000 }, (_, i) => i + 1), transfers: Array.from({ length: 1000 }, (_, i) => ({ ...TRANSFER, videoId: i + 1 })) },
      ],
      bad: [
        { why: 'negative clients', value: { clients: -1, replicas: [], transfers: [] }, path: 'clients' },
        { why: 'missing clients', value: { replicas: [], transfers: [] }, path: 'clients' },
        { why: 'missing replicas (old-style reply)', value: { clients: 0, transfers: [] }, path: 'replicas' },
        { why: 'missing transfers', value: { clients: 0, replicas: [] }, path: 'transfers' },
        { why: 'replica video id 0', value: { clients: 0, replicas: [1, 0], transfers: [] }, path: 'replicas.1' },
        { why: 'fractional replica video id', value: { clients: 0, replicas: [1.5], transfers: [] }, path: 'replicas.0' },
        { why: '100001 replicas', value: { clients: 0, replicas: Array.from({ length: 100_001 }, (_, i) => i + 1), transfers: [] }, path: 'replicas' },
        { why: 'transfer with negative offset', value: { clients: 0, replicas: [], transfers: [{ ...TRANSFER, offset: -1 }] }, path: 'transfers.0.offset' },
        { why: 'transfer of video 0', value: { clients: 0, replicas: [], transfers: [{ ...TRANSFER, videoId: 0 }] }, path: 'transfers.0.videoId' },
        { why: 'transfer without size', value: { clients: 0, replicas: [], transfers: [{ videoId: 1, offset: 0 }] }, path: 'transfers.0.size' },
        { why: '1001 transfers', value: { clients: 0, replicas: [], transfers: Array.from({ length: 1001 }, () => TRANSFER) }, path: 'transfers' },
      ],
    },
  },
  'status.get': {
    params: { ok: [{}], bad: [{ why: 'null', value: null, path: '' }] },
    result: {
      ok: [
        CLUSTER,
        { ...CLUSTER, videos: 0, subs: [] },
        { ...CLUSTER, subs: [{ ...SUB_STATUS, state: 'suspect', misses: 2 }] },
        { ...CLUSTER, subs: [{ ...SUB_STATUS, videos: 0, transfers: [TRANSFER, { ...TRANSFER, videoId: 2, offset: 0 }] }] },
      ],
      bad: [
        { why: 'sub in state dead', value: { ...CLUSTER, subs: [{ ...SUB_STATUS, state: 'dead' }] }, path: 'subs.0.state' },
        { why: 'sub id not sub-N', value: { ...CLUSTER, subs: [{ ...SUB_STATUS, id: 'x' }] }, path: 'subs.0.id' },
        { why: 'negative uptime', value: { ...CLUSTER, uptimeMs: -5 }, path: 'uptimeMs' },
        { why: 'missing videos count', value: { ...CLUSTER, videos: undefined }, path: 'videos' },
        { why: 'negative videos count', value: { ...CLUSTER, videos: -1 }, path: 'videos' },
        { why: 'sub without videos', value: { ...CLUSTER, subs: [{ ...SUB_STATUS, videos: undefined }] }, path: 'subs.0.videos' },
        { why: 'sub without transfers', value: { ...CLUSTER, subs: [{ ...SUB_STATUS, transfers: undefined }] }, path: 'subs.0.transfers' },
        { why: 'sub transfer with fractional offset', value: { ...CLUSTER, subs: [{ ...SUB_STATUS, transfers: [{ ...TRANSFER, offset: 0.5 }] }] }, path: 'subs.0.transfers.0.offset' },
      ],
    },
  },
  'auth.register': {
    params: {
      ok: [{ user: 'alice', password: 'pw', repeat: 'pw' }],
      bad: [
        { why: 'missing repeat', value: { user: 'alice', password: 'pw' }, path: 'repeat' },
        { why: '5000-char password', value: { user: 'alice', password: 'p'.repeat(5000), repeat: 'p' }, path: 'password' },
        { why: 'user too long for the wire', value: { user: 'u'.repeat(257), password: 'pw', repeat: 'pw' }, path: 'user' },
      ],
    },
    result: {
      ok: [{ ...PLACEMENT, user: 'alice', token: TOKEN }],
      bad: [
        { why: 'token too short', value: { ...PLACEMENT, user: 'alice', token: 'short' }, path: 'token' },
        { why: 'token too long', value: { ...PLACEMENT, user: 'alice', token: 't'.repeat(129) }, path: 'token' },
        { why: 'missing subAddress', value: { subId: 'sub-1', user: 'alice', token: TOKEN }, path: 'subAddress' },
      ],
    },
  },
  'auth.login': {
    params: {
      ok: [{ user: 'alice', password: 'p'.repeat(4096) }, { user: '', password: '' }],
      bad: [
        { why: '5000-char password', value: { user: 'alice', password: 'p'.repeat(5000) }, path: 'password' },
        { why: 'numeric user', value: { user: 42, password: 'pw' }, path: 'user' },
      ],
    },
    result: {
      ok: [{ ...PLACEMENT, user: 'alice', token: TOKEN }],
      bad: [{ why: 'bad subId', value: { subId: 'central', subAddress: 'x', user: 'alice', token: TOKEN }, path: 'subId' }],
    },
  },
  'auth.locate': {
    params: { ok: [{ token: TOKEN }], bad: [{ why: 'token too short', value: { token: 'abc' }, path: 'token' }] },
    result: { ok: [PLACEMENT], bad: [{ why: 'subAddress too long', value: { subId: 'sub-1', subAddress: 'h'.repeat(301) }, path: 'subAddress' }] },
  },
  'session.open': {
    params: { ok: [{ token: TOKEN }], bad: [{ why: 'missing token', value: {}, path: 'token' }] },
    result: { ok: [{ ...PLACEMENT, user: 'bob' }], bad: [{ why: 'missing user', value: PLACEMENT, path: 'user' }] },
  },
  'auth.logout': {
    params: { ok: [{}], bad: [{ why: 'array', value: [], path: '' }] },
    result: { ok: [{}], bad: [{ why: 'array', value: [], path: '' }] },
  },
  'sub.attach': {
    params: {
      ok: [{ secret: 's', subId: 'sub-1' }],
      bad: [
        { why: 'subId not a sub id', value: { secret: 's', subId: 'central' }, path: 'subId' },
        { why: 'missing secret', value: { subId: 'sub-1' }, path: 'secret' },
      ],
    },
    result: { ok: [{}], bad: [{ why: 'array', value: [], path: '' }] },
  },
  'replica.list': {
    params: { ok: [{}], bad: [{ why: 'array', value: [], path: '' }] },
    result: { ok: [{ videos: [] }], bad: [{ why: 'missing videos', value: {}, path: 'videos' }] },
  },
  'sessions.list': {
    params: { ok: [{ token: TOKEN }], bad: [{ why: 'missing token', value: {}, path: 'token' }] },
    result: {
      ok: [{ sessions: [] }, { sessions: [{ id: 'a1b2c3d4e5f6', createdMs: 1, lastUsedMs: 2, source: '127.0.0.1', current: true }] }],
      bad: [
        { why: 'a whole digest as id', value: { sessions: [{ id: 'a'.repeat(64), createdMs: 1, lastUsedMs: 2, source: '', current: false }] }, path: 'sessions.0.id' },
        { why: 'missing current', value: { sessions: [{ id: 'a1b2c3d4e5f6', createdMs: 1, lastUsedMs: 2, source: '' }] }, path: 'sessions.0.current' },
      ],
    },
  },
  'sessions.revoke': {
    params: {
      ok: [{ token: TOKEN, sessionId: 'a1b2' }, { token: TOKEN, others: true }],
      bad: [
        { why: 'id of 3 characters', value: { token: TOKEN, sessionId: 'a1b' }, path: 'sessionId' },
        { why: 'id that is not hex', value: { token: TOKEN, sessionId: 'zzzz' }, path: 'sessionId' },
      ],
    },
    result: { ok: [{ revoked: 0 }, { revoked: 3 }], bad: [{ why: 'negative', value: { revoked: -1 }, path: 'revoked' }] },
  },
  'auth.passwd': {
    params: {
      ok: [{ token: TOKEN, password: 'old', newPassword: 'new', repeat: 'new' }],
      bad: [
        { why: 'missing repeat', value: { token: TOKEN, password: 'old', newPassword: 'new' }, path: 'repeat' },
        { why: '5000-char new password', value: { token: TOKEN, password: 'old', newPassword: 'p'.repeat(5000), repeat: 'p' }, path: 'newPassword' },
      ],
    },
    result: { ok: [{ revoked: 2 }], bad: [{ why: 'missing revoked', value: {}, path: 'revoked' }] },
  },
  'session.end': {
    params: { ok: [{ token: TOKEN }], bad: [{ why: 'token too short', value: { token: 'x' }, path: 'token' }, { why: 'missing token', value: {}, path: 'token' }] },
    result: { ok: [{}], bad: [{ why: 'array', value: [], path: '' }] },
  },
  'users.list': {
    params: { ok: [{}], bad: [{ why: 'number', value: 3, path: '' }] },
    result: {
      ok: [{ users: [] }, { users: ['alice', 'bob'] }],
      bad: [
        { why: 'non-string user', value: { users: ['alice', 7] }, path: 'users.1' },
        { why: 'missing users', value: {}, path: 'users' },
      ],
    },
  },
  'notify.list': {
    params: { ok: [{}], bad: [{ why: 'string', value: 'x', path: '' }] },
    result: {
      ok: [{ items: [] }, { items: [NOTE, { ...NOTE, id: 2, kind: 'system' }, { ...NOTE, id: 3, kind: 'video.new' }, { ...NOTE, id: 4, kind: 'room.invite' }] }],
      bad: [
        { why: 'unknown kind', value: { items: [{ ...NOTE, kind: 'chat' }] }, path: 'items.0.kind' },
        { why: 'negative id', value: { items: [NOTE, { ...NOTE, id: -1 }] }, path: 'items.1.id' },
        { why: 'text too long', value: { items: [{ ...NOTE, text: 't'.repeat(2001) }] }, path: 'items.0.text' },
      ],
    },
  },
  'notify.ack': {
    params: {
      ok: [{ upToId: 0 }, { upToId: 17, user: 'alice' }],
      bad: [
        { why: 'negative upToId', value: { upToId: -1 }, path: 'upToId' },
        { why: 'fractional upToId', value: { upToId: 1.5 }, path: 'upToId' },
        { why: 'missing upToId', value: { user: 'alice' }, path: 'upToId' },
      ],
    },
    result: { ok: [{}], bad: [{ why: 'null', value: null, path: '' }] },
  },
  'upload.begin': {
    params: {
      ok: [
        { name: 'film.mkv', size: 10 * MiB, sha256: SHA256 },
        { name: '', size: 0, sha256: 'f'.repeat(64), user: 'alice' },
        { name: 'n'.repeat(1000), size: Number.MAX_SAFE_INTEGER, sha256: SHA256 },
      ],
      bad: [
        { why: 'non-hex sha256', value: { name: 'a', size: 1, sha256: 'g'.repeat(64) }, path: 'sha256' },
        { why: 'upper-case sha256', value: { name: 'a', size: 1, sha256: SHA256.toUpperCase() }, path: 'sha256' },
        { why: '63-char sha256', value: { name: 'a', size: 1, sha256: SHA256.slice(1) }, path: 'sha256' },
        { why: '65-char sha256', value: { name: 'a', size: 1, sha256: SHA256 + '0' }, path: 'sha256' },
        { why: 'missing sha256', value: { name: 'a', size: 1 }, path: 'sha256' },
        { why: 'negative size', value: { name: 'a', size: -1, sha256: SHA256 }, path: 'size' },
        { why: 'fractional size', value: { name: 'a', size: 1.5, sha256: SHA256 }, path: 'size' },
        { why: 'name too long', value: { name: 'n'.repeat(1001), size: 1, sha256: SHA256 }, path: 'name' },
      ],
    },
    result: {
      ok: [
        { uploadId: UPLOAD_ID, offset: 0, chunkBytes: MiB, leaseMs: 60_000, resumed: false },
        { uploadId: UPLOAD_ID, offset: 4 * MiB, chunkBytes: 1, leaseMs: 0, resumed: true },
      ],
      bad: [
        { why: '31-char uploadId', value: { uploadId: UPLOAD_ID.slice(1), offset: 0, chunkBytes: MiB, leaseMs: 1, resumed: false }, path: 'uploadId' },
        { why: 'upper-case uploadId', value: { uploadId: UPLOAD_ID.toUpperCase(), offset: 0, chunkBytes: MiB, leaseMs: 1, resumed: false }, path: 'uploadId' },
        { why: 'chunkBytes 0', value: { uploadId: UPLOAD_ID, offset: 0, chunkBytes: 0, leaseMs: 1, resumed: false }, path: 'chunkBytes' },
        { why: 'negative offset', value: { uploadId: UPLOAD_ID, offset: -1, chunkBytes: MiB, leaseMs: 1, resumed: false }, path: 'offset' },
        { why: 'resumed not a boolean', value: { uploadId: UPLOAD_ID, offset: 0, chunkBytes: MiB, leaseMs: 1, resumed: 'yes' }, path: 'resumed' },
      ],
    },
  },
  'upload.chunk': {
    params: {
      ok: [{ uploadId: UPLOAD_ID, offset: 0 }, { uploadId: UPLOAD_ID, offset: 3 * MiB, user: 'bob' }],
      bad: [
        { why: 'non-hex uploadId', value: { uploadId: 'z'.repeat(32), offset: 0 }, path: 'uploadId' },
        { why: 'negative offset', value: { uploadId: UPLOAD_ID, offset: -1 }, path: 'offset' },
        { why: 'missing offset', value: { uploadId: UPLOAD_ID }, path: 'offset' },
      ],
    },
    result: {
      ok: [{ offset: 0 }, { offset: 2 ** 40 }],
      bad: [
        { why: 'negative offset', value: { offset: -1 }, path: 'offset' },
        { why: 'fractional offset', value: { offset: 0.5 }, path: 'offset' },
      ],
    },
  },
  'upload.finish': {
    params: {
      ok: [{ uploadId: UPLOAD_ID }, { uploadId: UPLOAD_ID, user: 'alice' }],
      bad: [
        { why: 'missing uploadId', value: { user: 'alice' }, path: 'uploadId' },
        { why: '33-char uploadId', value: { uploadId: UPLOAD_ID + 'a' }, path: 'uploadId' },
      ],
    },
    result: {
      ok: [{ video: VIDEO }, { video: { ...VIDEO, size: 0, audioCodec: null, replicas: 0 } }],
      bad: [
        { why: 'VideoInfo with negative size', value: { video: { ...VIDEO, size: -1 } }, path: 'video.size' },
        { why: 'VideoInfo with id 0', value: { video: { ...VIDEO, id: 0 } }, path: 'video.id' },
        { why: 'VideoInfo with short sha256', value: { video: { ...VIDEO, sha256: 'abc' } }, path: 'video.sha256' },
        { why: 'VideoInfo without audioCodec (null, not absent)', value: { video: { ...VIDEO, audioCodec: undefined } }, path: 'video.audioCodec' },
        { why: 'VideoInfo with negative replicas', value: { video: { ...VIDEO, replicas: -1 } }, path: 'video.replicas' },
        { why: 'VideoInfo name too long', value: { video: { ...VIDEO, name: 'n'.repeat(401) } }, path: 'video.name' },
        { why: 'missing video', value: {}, path: 'video' },
      ],
    },
  },
  'upload.cancel': {
    params: {
      ok: [{ uploadId: UPLOAD_ID }, { uploadId: UPLOAD_ID, user: 'alice' }],
      bad: [{ why: 'uploadId too short', value: { uploadId: 'abc' }, path: 'uploadId' }],
    },
    result: { ok: [{}], bad: [{ why: 'null', value: null, path: '' }] },
  },
  'videos.list': {
    params: { ok: [{}], bad: [{ why: 'null', value: null, path: '' }] },
    result: {
      ok: [{ videos: [] }, { videos: [VIDEO, { ...VIDEO, id: 2, name: 'clip.webm', videoCodec: 'vp9', audioCodec: null }] }],
      bad: [
        { why: 'second VideoInfo with negative size', value: { videos: [VIDEO, { ...VIDEO, id: 2, size: -1 }] }, path: 'videos.1.size' },
        { why: 'fractional width', value: { videos: [{ ...VIDEO, width: 1.5 }] }, path: 'videos.0.width' },
        { why: 'missing videos', value: {}, path: 'videos' },
      ],
    },
  },
  'video.delete': {
    params: {
      ok: [{ videoId: 1 }, { videoId: 7, secret: 'x'.repeat(1024) }],
      bad: [
        { why: 'video id 0', value: { videoId: 0 }, path: 'videoId' },
        { why: 'fractional video id', value: { videoId: 1.5 }, path: 'videoId' },
        { why: 'secret over 1024 characters', value: { videoId: 1, secret: 'x'.repeat(1025) }, path: 'secret' },
        { why: 'secret not a string', value: { videoId: 1, secret: 42 }, path: 'secret' },
        { why: 'missing video id', value: {}, path: 'videoId' },
      ],
    },
    result: {
      ok: [{ name: 'clip.mkv', closedRooms: 0 }, { name: 'clip.mkv', closedRooms: 3 }],
      bad: [
        { why: 'negative room count', value: { name: 'clip.mkv', closedRooms: -1 }, path: 'closedRooms' },
        { why: 'missing name', value: { closedRooms: 0 }, path: 'name' },
      ],
    },
  },
  'replica.chunk': {
    params: {
      ok: [
        { videoId: 1, offset: 0, length: 1 },
        { videoId: 3, offset: 8 * MiB, length: 8 * MiB },
      ],
      bad: [
        { why: 'length 0', value: { videoId: 1, offset: 0, length: 0 }, path: 'length' },
        { why: 'length over 8 MiB', value: { videoId: 1, offset: 0, length: 8 * MiB + 1 }, path: 'length' },
        { why: 'missing length', value: { videoId: 1, offset: 0 }, path: 'length' },
        { why: 'videoId 0', value: { videoId: 0, offset: 0, length: 1 }, path: 'videoId' },
        { why: 'negative offset', value: { videoId: 1, offset: -1, length: 1 }, path: 'offset' },
      ],
    },
    result: {
      ok: [{ offset: 0, size: 10 * MiB }, { offset: 10 * MiB, size: 10 * MiB }],
      bad: [
        { why: 'negative size', value: { offset: 0, size: -1 }, path: 'size' },
        { why: 'missing offset', value: { size: 1 }, path: 'offset' },
      ],
    },
  },
  'replica.read': {
    params: {
      ok: [
        { kind: 'video', itemId: 1, offset: 0, length: 1 },
        { kind: 'rendition', itemId: 3, offset: 8 * MiB, length: 8 * MiB },
      ],
      bad: [
        { why: 'length 0', value: { kind: 'video', itemId: 1, offset: 0, length: 0 }, path: 'length' },
        { why: 'length over 8 MiB', value: { kind: 'video', itemId: 1, offset: 0, length: 8 * MiB + 1 }, path: 'length' },
        { why: 'missing length', value: { kind: 'video', itemId: 1, offset: 0 }, path: 'length' },
        { why: 'itemId 0', value: { kind: 'video', itemId: 0, offset: 0, length: 1 }, path: 'itemId' },
        { why: 'unknown kind', value: { kind: 'poster', itemId: 1, offset: 0, length: 1 }, path: 'kind' },
        { why: 'negative offset', value: { kind: 'video', itemId: 1, offset: -1, length: 1 }, path: 'offset' },
      ],
    },
    result: {
      ok: [{ offset: 0, size: 10 * MiB }, { offset: 10 * MiB, size: 10 * MiB }],
      bad: [
        { why: 'negative size', value: { offset: 0, size: -1 }, path: 'size' },
        { why: 'missing offset', value: { size: 1 }, path: 'offset' },
      ],
    },
  },
  'room.create': {
    params: {
      ok: [
        { videoId: 1, invite: [] },
        { videoId: 2, invite: ['bob', 'carol'], user: 'alice' },
        { videoId: 1, invite: users(100) },
      ],
      bad: [
        { why: '101 invitees', value: { videoId: 1, invite: users(101) }, path: 'invite' },
        { why: 'non-string invitee', value: { videoId: 1, invite: [7] }, path: 'invite.0' },
        { why: 'missing invite', value: { videoId: 1 }, path: 'invite' },
        { why: 'videoId 0', value: { videoId: 0, invite: [] }, path: 'videoId' },
      ],
    },
    result: {
      ok: [{ room: ROOM }],
      bad: [
        { why: 'RoomId not r-<8 hex>', value: { room: { ...ROOM, id: 'room-1' } }, path: 'room.id' },
        { why: 'missing room', value: {}, path: 'room' },
      ],
    },
  },
  'rooms.list': {
    params: {
      ok: [{}, { user: 'alice' }],
      bad: [{ why: 'a number', value: 1, path: '' }],
    },
    result: {
      ok: [{ rooms: [] }, { rooms: [ROOM, { ...ROOM, id: 'r-deadbeef', paused: false, positionMs: 59_999, seq: 42, closed: true }] }],
      bad: [
        { why: 'upper-case RoomId', value: { rooms: [ROOM, { ...ROOM, id: 'r-DEADBEEF' }] }, path: 'rooms.1.id' },
        { why: 'missing rooms', value: {}, path: 'rooms' },
      ],
    },
  },
  'room.get': {
    params: {
      ok: [{ roomId: ROOM_ID }, { roomId: 'r-00000000', user: 'bob' }],
      bad: [
        { why: 'RoomId with 7 hex digits', value: { roomId: 'r-0123abc' }, path: 'roomId' },
        { why: 'RoomId with 9 hex digits', value: { roomId: 'r-0123abcde' }, path: 'roomId' },
        { why: 'RoomId with a non-hex digit', value: { roomId: 'r-0123abcg' }, path: 'roomId' },
        { why: 'RoomId with upper-case hex', value: { roomId: 'r-0123ABCD' }, path: 'roomId' },
        { why: 'RoomId with prefix R-', value: { roomId: 'R-0123abcd' }, path: 'roomId' },
        { why: 'RoomId without the r- prefix', value: { roomId: '0123abcd' }, path: 'roomId' },
        { why: 'missing roomId', value: { user: 'bob' }, path: 'roomId' },
      ],
    },
    result: {
      ok: [{ room: ROOM }, { room: { ...ROOM, members: users(200), watching: [] } }],
      bad: [
        { why: 'negative positionMs', value: { room: { ...ROOM, positionMs: -1 } }, path: 'room.positionMs' },
        { why: '201 members', value: { room: { ...ROOM, members: users(201) } }, path: 'room.members' },
        { why: 'missing closed', value: { room: { ...ROOM, closed: undefined } }, path: 'room.closed' },
      ],
    },
  },
  'room.control': {
    params: {
      ok: [
        { roomId: ROOM_ID, action: 'play' },
        { roomId: ROOM_ID, action: 'pause', user: 'alice' },
        { roomId: ROOM_ID, action: 'seek', positionMs: 0 },
        { roomId: ROOM_ID, action: 'seek', positionMs: 30_000 },
        { roomId: ROOM_ID, action: 'close' },
      ],
      bad: [
        { why: "action 'jump'", value: { roomId: ROOM_ID, action: 'jump', positionMs: 1000 }, path: 'action' },
        { why: 'missing action', value: { roomId: ROOM_ID }, path: 'action' },
        { why: 'positionMs -1', value: { roomId: ROOM_ID, action: 'seek', positionMs: -1 }, path: 'positionMs' },
        { why: 'fractional positionMs', value: { roomId: ROOM_ID, action: 'seek', positionMs: 1.5 }, path: 'positionMs' },
        { why: 'bad roomId', value: { roomId: 'r-xyz', action: 'play' }, path: 'roomId' },
      ],
    },
    result: {
      ok: [{ room: { ...ROOM, paused: false, positionMs: 1000, seq: 3 } }],
      bad: [
        { why: 'paused not a boolean', value: { room: { ...ROOM, paused: 'no' } }, path: 'room.paused' },
        { why: 'missing room', value: {}, path: 'room' },
      ],
    },
  },
  'room.members': {
    params: {
      ok: [
        { roomId: ROOM_ID, action: 'invite', users: ['carol', 'dave'] },
        { roomId: ROOM_ID, action: 'remove', users: ['bob'], user: 'alice' },
        { roomId: ROOM_ID, action: 'handover', users: ['bob'] },
      ],
      bad: [
        { why: 'no users', value: { roomId: ROOM_ID, action: 'invite', users: [] }, path: 'users' },
        { why: "action 'kick'", value: { roomId: ROOM_ID, action: 'kick', users: ['bob'] }, path: 'action' },
        { why: 'user not a string', value: { roomId: ROOM_ID, action: 'invite', users: [42] }, path: 'users.0' },
        { why: 'too many users', value: { roomId: ROOM_ID, action: 'invite', users: Array.from({ length: 101 }, (_, i) => `u${i}`) }, path: 'users' },
      ],
    },
    result: {
      ok: [{ room: { ...ROOM, members: ['alice', 'bob', 'carol'] } }],
      bad: [{ why: 'missing room', value: {}, path: 'room' }],
    },
  },
  'room.join': {
    params: {
      ok: [{ roomId: ROOM_ID }, { roomId: ROOM_ID, user: 'bob' }],
      bad: [{ why: 'missing roomId', value: {}, path: 'roomId' }],
    },
    result: {
      ok: [{ room: { ...ROOM, watching: ['alice', 'bob'] } }],
      bad: [{ why: 'negative seq', value: { room: { ...ROOM, seq: -1 } }, path: 'room.seq' }],
    },
  },
  'room.leave': {
    params: {
      ok: [{ roomId: ROOM_ID }, { roomId: ROOM_ID, user: 'bob' }],
      bad: [{ why: 'RoomId with trailing junk', value: { roomId: ROOM_ID + 'x' }, path: 'roomId' }],
    },
    result: { ok: [{}], bad: [{ why: 'null', value: null, path: '' }] },
  },
  'time.sync': {
    params: { ok: [{}], bad: [{ why: 'number', value: 5, path: '' }] },
    result: {
      ok: [{ centralMs: 0 }, { centralMs: 1_700_000_000_000.25 }],
      bad: [
        { why: 'negative centralMs', value: { centralMs: -1 }, path: 'centralMs' },
        { why: 'infinite centralMs', value: { centralMs: Infinity }, path: 'centralMs' },
        { why: 'string centralMs', value: { centralMs: '1' }, path: 'centralMs' },
        { why: 'missing centralMs', value: {}, path: 'centralMs' },
      ],
    },
  },
  'session.check': {
    params: { ok: [{ token: TOKEN }], bad: [{ why: 'numeric token', value: { token: 1234567890123456 }, path: 'token' }] },
    result: { ok: [{ ...PLACEMENT, user: 'alice' }], bad: [{ why: 'subId sub-', value: { subId: 'sub-', subAddress: 'a', user: 'alice' }, path: 'subId' }] },
  },
  'job.take': {
    params: {
      ok: [{ have: [] }, { have: [1, 2, 3] }],
      bad: [
        { why: 'missing have', value: {}, path: 'have' },
        { why: 'video id 0', value: { have: [0] }, path: 'have.0' },
      ],
    },
    result: {
      ok: [{}, { task: TASK }, { task: { ...TASK, kind: 'assemble', rung: '480p', inputs: [{ taskId: 2, output: 1, role: 'segment', size: 10, sha256: SHA }] } }],
      bad: [
        { why: 'unknown kind', value: { task: { ...TASK, kind: 'transcode' } }, path: 'task.kind' },
        { why: 'rung without p', value: { task: { ...TASK, rung: '480' } }, path: 'task.rung' },
        { why: 'seventeen rungs', value: { task: { ...TASK, rungs: Array.from({ length: 17 }, () => TASK.rungs[0]) } }, path: 'task.rungs' },
        { why: 'seek seconds with a shell in it', value: { task: { ...TASK, seekSeconds: '1;rm -rf /' } }, path: 'task.seekSeconds' },
        { why: 'attempt 0', value: { task: { ...TASK, attempt: 0 } }, path: 'task.attempt' },
      ],
    },
  },
  'job.renew': {
    params: { ok: [{ taskId: 1, attempt: 1 }, { taskId: 1, attempt: 2, progress: 0.5 }], bad: [{ why: 'progress over 1', value: { taskId: 1, attempt: 1, progress: 2 }, path: 'progress' }] },
    result: { ok: [{}], bad: [{ why: 'array', value: [], path: '' }] },
  },
  'job.put': {
    params: {
      ok: [{ taskId: 1, attempt: 1, offset: 0 }, { taskId: 1, attempt: 1, output: 4, offset: 0 }],
      bad: [
        { why: 'negative offset', value: { taskId: 1, attempt: 1, offset: -1 }, path: 'offset' },
        { why: 'output 16', value: { taskId: 1, attempt: 1, output: 16, offset: 0 }, path: 'output' },
      ],
    },
    result: { ok: [{ offset: 1 }], bad: [{ why: 'missing offset', value: {}, path: 'offset' }] },
  },
  'job.done': {
    params: {
      ok: [
        { taskId: 1, attempt: 1, outputs: [{ size: 10, sha256: SHA }], cpuMs: 5 },
        { taskId: 1, attempt: 1, outputs: [], cpuMs: 0, facts: { width: 640, height: 360, fps: { num: 25, den: 1 }, frames: 250, durationMs: 10_000, audioStreams: 1, subtitleStreams: 0, variableRate: false, keyframes: [0, 100, 200], indexed: true } },
      ],
      bad: [
        { why: 'bad sha', value: { taskId: 1, attempt: 1, outputs: [{ size: 10, sha256: 'x' }], cpuMs: 5 }, path: 'outputs.0.sha256' },
        { why: 'facts with 0 frames', value: { taskId: 1, attempt: 1, outputs: [], cpuMs: 0, facts: { width: 640, height: 360, fps: { num: 25, den: 1 }, frames: 0, durationMs: 1, audioStreams: 0, subtitleStreams: 0, variableRate: false } }, path: 'facts.frames' },
      ],
    },
    result: { ok: [{}], bad: [{ why: 'string', value: 'ok', path: '' }] },
  },
  'job.fail': {
    params: { ok: [{ taskId: 1, attempt: 1, error: 'ffmpeg exited with 1' }], bad: [{ why: 'error too long', value: { taskId: 1, attempt: 1, error: 'x'.repeat(2001) }, path: 'error' }] },
    result: { ok: [{}], bad: [{ why: 'string', value: 'ok', path: '' }] },
  },
  'job.input': {
    params: { ok: [{ taskId: 2, forTask: 5, attempt: 1, offset: 0, length: MiB }, { taskId: 2, output: 3, forTask: 5, attempt: 1, offset: 0, length: MiB }], bad: [{ why: 'length over 8 MiB', value: { taskId: 2, forTask: 5, attempt: 1, offset: 0, length: 8 * MiB + 1 }, path: 'length' }] },
    result: { ok: [{ offset: 0, size: 10 }], bad: [{ why: 'missing size', value: { offset: 0 }, path: 'size' }] },
  },
  'rendition.list': {
    params: { ok: [{}], bad: [{ why: 'array', value: [], path: '' }] },
    result: { ok: [{ renditions: [] }, { renditions: [RENDITION] }], bad: [{ why: 'rendition without rung', value: { renditions: [{ ...RENDITION, rung: undefined }] }, path: 'renditions.0.rung' }] },
  },
  'rendition.chunk': {
    params: { ok: [{ renditionId: 1, offset: 0, length: MiB }], bad: [{ why: 'id 0', value: { renditionId: 0, offset: 0, length: 1 }, path: 'renditionId' }] },
    result: { ok: [{ offset: 0, size: 10 }], bad: [{ why: 'missing offset', value: { size: 1 }, path: 'offset' }] },
  },
  'jobs.list': {
    params: { ok: [{}, { videoId: 3 }], bad: [{ why: 'video 0', value: { videoId: 0 }, path: 'videoId' }] },
    result: {
      ok: [{ tasks: [] }, { tasks: [{ taskId: 1, videoId: 1, video: 'film.mkv', kind: 'segment', segment: 3, state: 'running', worker: 'sub-2', attempts: 1, durationMs: 1200 }] }],
      bad: [{ why: 'unknown state', value: { tasks: [{ taskId: 1, videoId: 1, video: 'film.mkv', kind: 'probe', state: 'sleeping', attempts: 0 }] }, path: 'tasks.0.state' }],
    },
  },
  'jobs.retry': {
    params: { ok: [{ taskId: 4 }, { taskId: 4, secret: 's' }], bad: [{ why: 'task 0', value: { taskId: 0 }, path: 'taskId' }] },
    result: { ok: [{}], bad: [{ why: 'string', value: 'ok', path: '' }] },
  },
  'jobs.cancel': {
    params: { ok: [{ videoId: 1 }, { videoId: 1, replan: true }], bad: [{ why: 'replan as a string', value: { videoId: 1, replan: 'yes' }, path: 'replan' }] },
    result: { ok: [{ cancelled: 3 }], bad: [{ why: 'negative', value: { cancelled: -1 }, path: 'cancelled' }] },
  },
  'room.queue': {
    params: {
      ok: [{ roomId: ROOM_ID, op: 'add', videoId: 3 }, { roomId: ROOM_ID, op: 'move', index: 0, to: 2 }, { roomId: ROOM_ID, op: 'next' }],
      bad: [{ why: 'unknown op', value: { roomId: ROOM_ID, op: 'shuffle' }, path: 'op' }, { why: 'place 100', value: { roomId: ROOM_ID, op: 'remove', index: 100 }, path: 'index' }],
    },
    result: { ok: [{ room: ROOM }], bad: [{ why: 'no room', value: {}, path: 'room' }] },
  },
  'chat.send': {
    params: { ok: [{ roomId: ROOM_ID, text: 'hi' }], bad: [{ why: 'no text', value: { roomId: ROOM_ID }, path: 'text' }, { why: 'RoomId r-1', value: { roomId: 'r-1', text: 'hi' }, path: 'roomId' }] },
    result: { ok: [{ line: LINE }], bad: [{ why: 'seq 0', value: { line: { ...LINE, seq: 0 } }, path: 'line.seq' }] },
  },
  'chat.history': {
    params: { ok: [{ roomId: ROOM_ID }, { roomId: ROOM_ID, afterSeq: 0, limit: 100 }], bad: [{ why: 'limit 101', value: { roomId: ROOM_ID, limit: 101 }, path: 'limit' }] },
    result: { ok: [{ lines: [] }, { lines: [LINE] }], bad: [{ why: '101 lines', value: { lines: Array.from({ length: 101 }, () => LINE) }, path: 'lines' }] },
  },
  'msg.send': {
    params: { ok: [{ to: 'bob', text: 'hi' }], bad: [{ why: 'no recipient', value: { text: 'hi' }, path: 'to' }] },
    result: { ok: [{ message: DM }], bad: [{ why: 'id 0', value: { message: { ...DM, id: 0 } }, path: 'message.id' }] },
  },
  'msg.list': {
    params: { ok: [{ afterId: 0 }, { afterId: 7, limit: 1000 }], bad: [{ why: 'negative afterId', value: { afterId: -1 }, path: 'afterId' }, { why: 'limit 1001', value: { afterId: 0, limit: 1001 }, path: 'limit' }] },
    result: { ok: [{ messages: [], unread: 0 }, { messages: [DM], unread: 1 }], bad: [{ why: 'read as a string', value: { messages: [{ ...DM, read: 'no' }], unread: 1 }, path: 'messages.0.read' }] },
  },
  'msg.ack': {
    params: { ok: [{ upToId: 0 }, { upToId: 12 }], bad: [{ why: 'fractional', value: { upToId: 1.5 }, path: 'upToId' }] },
    result: { ok: [{ unread: 0 }], bad: [{ why: 'negative', value: { unread: -1 }, path: 'unread' }] },
  },
  'msg.block': {
    params: { ok: [{ name: 'carl', on: true }, { name: 'carl', on: false }], bad: [{ why: 'on as a string', value: { name: 'carl', on: 'yes' }, path: 'on' }] },
    result: { ok: [{ blocked: [] }, { blocked: ['carl'] }], bad: [{ why: 'number', value: { blocked: [3] }, path: 'blocked.0' }] },
  },
  'sub.drain': {
    params: {
      ok: [{}, { subId: 'sub-2', secret: 's3cret', timeoutMs: 60_000 }],
      bad: [
        { why: 'a timeout under a second', value: { subId: 'sub-2', timeoutMs: 10 }, path: 'timeoutMs' },
        { why: 'a timeout over an hour', value: { timeoutMs: 3_600_001 }, path: 'timeoutMs' },
        { why: 'not a sub id', value: { subId: '../x' }, path: 'subId' },
      ],
    },
    result: {
      ok: [{ subId: 'sub-2', deadlineMs: 1, moved: 3, staying: 0, otherSubs: 1 }],
      bad: [{ why: 'negative count', value: { subId: 'sub-2', deadlineMs: 1, moved: -1, staying: 0, otherSubs: 1 }, path: 'moved' }],
    },
  },
};

const eventCases: Record<EventName, { ok: unknown[]; bad: Bad[] }> = {
  'msg.push': {
    ok: [{ messages: [] }, { user: 'bob', messages: [DM] }, { messages: [DM], prevId: 0 }],
    bad: [
      { why: 'missing messages', value: { user: 'bob' }, path: 'messages' },
      { why: 'message without text', value: { messages: [{ ...DM, text: undefined }] }, path: 'messages.0.text' },
      { why: 'negative prevId', value: { messages: [DM], prevId: -1 }, path: 'prevId' },
    ],
  },
  'talk.resync': {
    ok: [{}],
    bad: [],
  },
  'sub.draining': {
    ok: [{ timeoutMs: 60_000, otherSubs: 0 }],
    bad: [{ why: 'no timeout', value: { otherSubs: 1 }, path: 'timeoutMs' }],
  },
  'session.move': {
    ok: [{ subId: 'sub-2', subAddress: '127.0.0.1:4000', reason: 'sub-1 is draining' }],
    bad: [{ why: 'a bad fingerprint', value: { subId: 'sub-2', subAddress: 'x:1', subFingerprint: 'md5:x', reason: '' }, path: 'subFingerprint' }],
  },
  'room.chat': {
    ok: [{ line: LINE }, { line: LINE, to: ['ann', 'bob'] }],
    bad: [{ why: 'missing line', value: { to: [] }, path: 'line' }, { why: '201 recipients', value: { line: LINE, to: Array.from({ length: 201 }, (_, i) => `u${i}`) }, path: 'to' }],
  },
  'notify.push': {
    ok: [{ items: [] }, { user: 'alice', items: [NOTE] }, { items: Array.from({ length: 1000 }, (_, i) => ({ ...NOTE, id: i })) }],
    bad: [
      { why: '1001 items', value: { items: Array.from({ length: 1001 }, (_, i) => ({ ...NOTE, id: i })) }, path: 'items' },
      { why: 'missing items', value: { user: 'alice' }, path: 'items' },
      { why: 'item with fractional atMs', value: { items: [{ ...NOTE, atMs: 0.5 }] }, path: 'items.0.atMs' },
    ],
  },
  'room.heartbeat': {
    ok: [{ roomId: ROOM_ID }],
    bad: [
      { why: 'missing roomId', value: {}, path: 'roomId' },
      { why: 'RoomId r-1', value: { roomId: 'r-1' }, path: 'roomId' },
    ],
  },
  'room.presence': {
    ok: [
      { roomId: ROOM_ID, report: { state: 'playing', bufferedMs: 4200, eof: false, offsetMs: -3.5, rateBps: 250_000 } },
      { roomId: ROOM_ID, report: { state: 'stalled', bufferedMs: 0, eof: false } },
    ],
    bad: [
      { why: 'unknown state', value: { roomId: ROOM_ID, report: { state: 'dancing', bufferedMs: 0, eof: false } }, path: 'report.state' },
      { why: 'negative buffer', value: { roomId: ROOM_ID, report: { state: 'paused', bufferedMs: -1, eof: false } }, path: 'report.bufferedMs' },
      { why: 'a buffer of a year', value: { roomId: ROOM_ID, report: { state: 'paused', bufferedMs: 31_536_000_000, eof: false } }, path: 'report.bufferedMs' },
      { why: 'missing eof', value: { roomId: ROOM_ID, report: { state: 'paused', bufferedMs: 0 } }, path: 'report.eof' },
    ],
  },
  'room.health': {
    ok: [{ roomId: ROOM_ID, members: [{ user: 'bob', ageMs: 120, state: 'paused', bufferedMs: 1200, eof: false }], to: ['ann'] }],
    bad: [
      { why: 'member without a name', value: { roomId: ROOM_ID, members: [{ ageMs: 1, state: 'paused', bufferedMs: 0, eof: false }] }, path: 'members.0.user' },
      { why: 'too many members', value: { roomId: ROOM_ID, members: Array.from({ length: 201 }, () => ({ user: 'bob', ageMs: 1, state: 'paused', bufferedMs: 0, eof: false })) }, path: 'members' },
    ],
  },
  'room.event': {
    ok: [
      { event: ROOM_EVENT, room: { ...ROOM, paused: false, seq: 1 } },
      { event: { ...ROOM_EVENT, seq: 9, change: 'closed', text: '' }, room: { ...ROOM, seq: 9, closed: true }, to: ['alice', 'bob'] },
      { event: { ...ROOM_EVENT, change: 'admin.lost' }, room: ROOM, to: users(200) },
    ],
    bad: [
      { why: "change 'jump'", value: { event: { ...ROOM_EVENT, change: 'jump' }, room: ROOM }, path: 'event.change' },
      { why: 'event roomId not r-<8 hex>', value: { event: { ...ROOM_EVENT, roomId: 'r-12' }, room: ROOM }, path: 'event.roomId' },
      { why: 'event text too long', value: { event: { ...ROOM_EVENT, text: 't'.repeat(1001) }, room: ROOM }, path: 'event.text' },
      { why: 'room with negative positionMs', value: { event: ROOM_EVENT, room: { ...ROOM, positionMs: -1 } }, path: 'room.positionMs' },
      { why: 'missing room', value: { event: ROOM_EVENT }, path: 'room' },
      { why: '201 recipients', value: { event: ROOM_EVENT, room: ROOM, to: users(201) }, path: 'to' },
    ],
  },
  'video.added': {
    ok: [{ video: VIDEO }, { video: { ...VIDEO, audioCodec: null, replicas: 0 } }],
    bad: [
      { why: 'VideoInfo with negative size', value: { video: { ...VIDEO, size: -1 } }, path: 'video.size' },
      { why: 'VideoInfo with non-hex sha256', value: { video: { ...VIDEO, sha256: 'x'.repeat(64) } }, path: 'video.sha256' },
      { why: 'missing video', value: {}, path: 'video' },
    ],
  },
  'job.available': { ok: [{}], bad: [{ why: 'array', value: [], path: '' }] },
  'rendition.added': {
    ok: [{ rendition: RENDITION }],
    bad: [{ why: 'negative size', value: { rendition: { ...RENDITION, size: -1 } }, path: 'rendition.size' }],
  },
  'video.removed': {
    ok: [{ videoId: 1 }, { videoId: 123456 }],
    bad: [
      { why: 'video id 0', value: { videoId: 0 }, path: 'videoId' },
      { why: 'video id as a string', value: { videoId: '1' }, path: 'videoId' },
      { why: 'missing video id', value: {}, path: 'videoId' },
    ],
  },
  'session.revoked': {
    ok: [{ tokenSha: 'ab'.repeat(32) }],
    bad: [
      { why: 'missing tokenSha', value: {}, path: 'tokenSha' },
      { why: 'a token instead of its digest', value: { tokenSha: TOKEN }, path: 'tokenSha' },
      { why: 'upper-case hex', value: { tokenSha: 'AB'.repeat(32) }, path: 'tokenSha' },
    ],
  },
};

function expectRejected(schema: z.ZodType, bad: Bad): void {
  const r = schema.safeParse(bad.value);
  expect(r.success, bad.why).toBe(false);
  const paths = r.error!.issues.map((i) => i.path.join('.'));
  expect(paths, bad.why).toContain(bad.path);
}

describe('request schemas', () => {
  it('the test table covers every request', () => {
    expect(Object.keys(requestCases).sort()).toEqual(Object.keys(requests).sort());
  });

  it('no params or event body uses a name of the envelope (params ride flat in the header beside type and id)', () => {
    const envelope = ['type', 'id', 'replyTo'];
    const shapeOf = (schema: unknown) => Object.keys((schema as { shape?: Record<string, unknown> }).shape ?? {});
    for (const [name, r] of Object.entries(requests)) expect(shapeOf(r.params).filter((k) => envelope.includes(k)), name).toEqual([]);
    for (const [name, e] of Object.entries(events)) expect(shapeOf(e).filter((k) => envelope.includes(k)), name).toEqual([]);
  });

  const rows = Object.entries(requestCases) as [RequestName, Case][];

  describe.each(rows)('%s', (name, c) => {
    it.each(c.params.ok.map((v, i) => [i, v]))('params accept valid example #%i', (_i, value) => {
      expect(requests[name].params.safeParse(value).success).toBe(true);
    });
    it.each(c.params.bad.map((b) => [b.why, b]))('params reject: %s', (_why, bad) => {
      expectRejected(requests[name].params, bad);
    });
    it.each(c.result.ok.map((v, i) => [i, v]))('result accepts valid example #%i', (_i, value) => {
      expect(requests[name].result.safeParse(value).success).toBe(true);
    });
    it.each(c.result.bad.map((b) => [b.why, b]))('result rejects: %s', (_why, bad) => {
      expectRejected(requests[name].result, bad);
    });
  });

  it('params parse a flat request header, dropping type and id', () => {
    const r = requests['auth.login'].params.parse({ type: 'auth.login', id: 3, user: 'alice', password: 'pw' });
    expect(r).toEqual({ user: 'alice', password: 'pw' });
  });
});

describe('event schemas', () => {
  it('the test table covers every event', () => {
    expect(Object.keys(eventCases).sort()).toEqual(Object.keys(events).sort());
  });

  const rows = Object.entries(eventCases) as [EventName, { ok: unknown[]; bad: Bad[] }][];

  describe.each(rows)('%s', (name, c) => {
    it.each(c.ok.map((v, i) => [i, v]))('accepts valid example #%i', (_i, value) => {
      expect(events[name].safeParse(value).success).toBe(true);
    });
    it.each(c.bad.map((b) => [b.why, b]))('rejects: %s', (_why, bad) => {
      expectRejected(events[name], bad);
    });
  });
});

describe('Reply', () => {
  it.each([
    { name: 'result', value: { type: 'reply', replyTo: 3, result: { clients: 1 } }, ok: true },
    { name: 'error', value: { type: 'reply', replyTo: 0, error: { code: 'NO_SUB', message: 'none' } }, ok: true },
    { name: 'error with details', value: { type: 'reply', replyTo: 1, error: { code: 'WRONG_SUB', message: 'm', details: { subAddress: 'x' } } }, ok: true },
    { name: 'wrong type', value: { type: 'event', replyTo: 3, result: 1 }, ok: false },
    { name: 'negative replyTo', value: { type: 'reply', replyTo: -1, result: 1 }, ok: false },
    { name: 'error without message', value: { type: 'reply', replyTo: 1, error: { code: 'X' } }, ok: false },
    { name: 'error code too long', value: { type: 'reply', replyTo: 1, error: { code: 'C'.repeat(65), message: 'm' } }, ok: false },
  ])('$name → $ok', ({ value, ok }) => {
    expect(Reply.safeParse(value).success).toBe(ok);
  });
});

describe('Accepts direction lists', () => {
  const lists = Object.entries(directions).filter(
    (e): e is [string, Accepts] =>
      typeof e[1] === 'object' && e[1] !== null && Array.isArray((e[1] as Partial<Accepts>).requests) && Array.isArray((e[1] as Partial<Accepts>).events),
  );

  it('finds every exported *Accepts* list (and HelloOnly)', () => {
    const names = lists.map(([n]) => n).sort();
    const acceptsExports = Object.keys(directions).filter((n) => n.includes('Accepts'));
    for (const n of acceptsExports) expect(names).toContain(n);
    expect(names).toContain('HelloOnly');
    expect(names.length).toBeGreaterThanOrEqual(6);
  });

  it.each(lists)('%s names only existing requests and events, each once', (_name, accepts) => {
    for (const r of accepts.requests) expect(Object.hasOwn(requests, r), `request ${r}`).toBe(true);
    for (const e of accepts.events) expect(Object.hasOwn(events, e), `event ${e}`).toBe(true);
    expect(new Set(accepts.requests).size).toBe(accepts.requests.length);
    expect(new Set(accepts.events).size).toBe(accepts.events.length);
  });

  it('every request and event is accepted by some side', () => {
    const acceptedRequests = new Set(lists.flatMap(([, a]) => a.requests));
    const acceptedEvents = new Set(lists.flatMap(([, a]) => a.events));
    expect([...acceptedRequests].sort()).toEqual(Object.keys(requests).sort());
    expect([...acceptedEvents].sort()).toEqual(Object.keys(events).sort());
  });

  it('before hello a server accepts only hello', () => {
    expect(directions.HelloOnly).toEqual({ requests: ['hello'], events: [] });
  });

  it('clients cannot register subs or probe; subs cannot log users in at central', () => {
    expect(directions.CentralAcceptsFromClient.requests).not.toContain('sub.register');
    expect(directions.SubAcceptsFromClient.requests).not.toContain('sub.probe');
    expect(directions.CentralAcceptsFromSub.requests).not.toContain('auth.login');
    expect(directions.CentralAcceptsFromSub.requests).not.toContain('auth.register');
  });
});

describe('the relay table', () => {
  it('a client naming a user in a relayed request has the name stripped, so a sub can only add its own', () => {
    for (const type of directions.RELAYED_NAMES) {
      const parsed = requests[type].params.safeParse({ user: 'dave' });
      if (parsed.success) expect(parsed.data, type).not.toHaveProperty('user');
    }
  });

  it.each(directions.RELAYED_NAMES)('%s on the sub → central link requires the acting user', (type) => {
    const schema = directions.actingSchema(type);
    expect(schema.safeParse({}).success).toBe(false);
    const r = schema.safeParse({ user: 'u'.repeat(257) });
    expect(r.success).toBe(false);
  });

  it('room.heartbeat from a sub carries the acting user; from a client it carries none', () => {
    expect(directions.actingSchema('room.heartbeat').safeParse({ roomId: ROOM_ID, user: 'alice' }).success).toBe(true);
    expect(directions.actingSchema('room.heartbeat').safeParse({ roomId: ROOM_ID }).success).toBe(false);
  });

  it('generates the client list of the sub and the sub list of central: every relayed name in both', () => {
    for (const type of directions.RELAYED_NAMES) {
      expect(directions.SubAcceptsFromClient.requests).toContain(type);
      expect(directions.CentralAcceptsFromSub.requests).toContain(type);
      expect(directions.CentralAcceptsFromClient.requests).not.toContain(type);
    }
    expect(directions.CentralAcceptsFromSub.actingUser).toBe(true);
    expect(directions.SubAcceptsFromClient.actingUser).toBeFalsy();
  });

  it('an unregistered sub may only register, attach a bulk link (both with the secret) and read status', () => {
    expect([...directions.CentralAcceptsFromUnregisteredSub.requests].sort()).toEqual(['status.get', 'sub.attach', 'sub.register']);
    expect(directions.CentralAcceptsFromUnregisteredSub.events).toEqual([]);
  });
});

describe('describeIssues', () => {
  it('one `path: message` per issue, joined with "; "', () => {
    const r = requests['sub.register'].params.safeParse({ port: 70000, pid: 1, resumeId: 'sub-x' });
    expect(r.success).toBe(false);
    const line = describeIssues(r.error!);
    const parts = line.split('; ');
    expect(parts.map((p) => p.split(':')[0])).toEqual(['secret', 'port', 'resumeId']);
    for (const p of parts) expect(p).toMatch(/^[\w.]+: \S.*$/);
    expect(line).not.toContain('\n');
    expect(line).toContain('65535');
  });

  it('joins nested paths with dots', () => {
    const r = events['notify.push'].safeParse({ items: [NOTE, { ...NOTE, kind: 'chat' }] });
    expect(describeIssues(r.error!)).toMatch(/^items\.1\.kind: /);
  });

  it('names a root-level problem "(header)"', () => {
    const r = requests.hello.params.safeParse(5);
    expect(describeIssues(r.error!)).toMatch(/^\(header\): .*object/);
  });

  it('lists at most 5 issues', () => {
    const r = requests['status.get'].result.safeParse({}); // seven missing fields
    expect(r.error!.issues.length).toBeGreaterThan(5);
    expect(describeIssues(r.error!).split('; ')).toHaveLength(5);
  });
});

describe('CloseCode', () => {
  const entries = Object.entries(CloseCode);

  it.each(entries)('%s = %i is an application code (4000-4999)', (_name, code) => {
    expect(Number.isInteger(code)).toBe(true);
    expect(code).toBeGreaterThanOrEqual(4000);
    expect(code).toBeLessThanOrEqual(4999);
  });

  it('codes are unique', () => {
    const codes = entries.map(([, c]) => c);
    expect(new Set(codes).size).toBe(codes.length);
  });
});

describe('relayed requests', () => {
  it('none has a field named user: on the sub → central link that field names the acting user', () => {
    for (const type of Object.keys(RELAYED)) {
      const shape = (requests[type as RequestName].params as unknown as { shape?: Record<string, unknown> }).shape ?? {};
      expect(Object.keys(shape), type).not.toContain('user');
    }
  });
});

describe('agreeProtocol', () => {
  it.each([
    // theirs, ours, agreed
    [{ protocol: 4 }, { newest: 4, oldest: 4 }, 4],
    [{ protocol: 3 }, { newest: 4, oldest: 4 }, undefined],
    [{ protocol: 6, oldest: 4 }, { newest: 5, oldest: 3 }, 5],
    [{ protocol: 5, oldest: 5 }, { newest: 6, oldest: 4 }, 5],
    [{ protocol: 7, oldest: 6 }, { newest: 5, oldest: 4 }, undefined],
    [{ protocol: 4, oldest: 9 }, { newest: 5, oldest: 1 }, undefined],
  ])('%j with %j → %s', (theirs, ours, agreed) => {
    expect(agreeProtocol(theirs, ours)).toBe(agreed);
  });
});
