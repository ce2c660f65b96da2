/**
 * Errors people can act on: one class, one table of stable codes.
 * Every code has a default message and a hint, so a caller can throw `new WatchpartyError('NO_SUB')`
 * and the user still reads what happened and what to do next.
 */

/** Process exit codes shared by every command (see README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  refused: 1, // the server answered and said no
  usage: 2, // the command line was wrong
  unreachable: 3, // the cluster could not be reached
  bug: 70, // EX_SOFTWARE: an unexpected exception
} as const;

interface CodeInfo {
  message: string;
  hint: string;
  exitCode: number;
}

/** The one table of error codes; the wire carries the key, people read the message and hint. */
export const ERROR_CODES = {
  BAD_MESSAGE: { message: 'the peer sent a message that does not match the protocol', hint: 'Both ends must run the same watchparty version.', exitCode: ExitCode.refused },
  PROTOCOL_MISMATCH: { message: 'protocol versions differ', hint: 'Upgrade watchparty so that central, subs and clients run the same version.', exitCode: ExitCode.refused },
  TIMEOUT: { message: 'the request timed out', hint: 'The server may be overloaded or gone; try again.', exitCode: ExitCode.unreachable },
  DISCONNECTED: { message: 'the connection closed before the reply arrived', hint: 'Check that the server is still running and try again.', exitCode: ExitCode.unreachable },
  UNREACHABLE: { message: 'cannot reach the server', hint: 'Is "watchparty central" running? See --host and --port.', exitCode: ExitCode.unreachable },
  BAD_SECRET: { message: 'central refused the cluster secret', hint: 'Start the sub with central\'s secret: --secret-file FILE or WATCHPARTY_SECRET (central logs where its secret file is).', exitCode: ExitCode.refused },
  NO_SECRET: { message: 'this sub has no cluster secret', hint: 'Pass --secret-file with central\'s secret file (central logs its path), or set WATCHPARTY_SECRET.', exitCode: ExitCode.usage },
  STORE_UNAVAILABLE: { message: 'central cannot write its state now', hint: "Try again in a moment; central's log says why (a full disk, its database gone).", exitCode: ExitCode.unreachable },
  NOT_LEADER: { message: 'this central stands by: another central leads the cluster', hint: 'Give every central to --host (e.g. --host a:8000,b:8000): clients and subs then follow the leader by themselves.', exitCode: ExitCode.unreachable },
  NOT_READY: { message: 'the server is not ready for this request yet', hint: 'Send hello (and register) first.', exitCode: ExitCode.refused },
  UNKNOWN_REQUEST: { message: 'this server does not handle that request', hint: 'Both ends must run the same watchparty version.', exitCode: ExitCode.refused },
  INTERNAL: { message: 'the server failed while handling the request', hint: 'See the server log for details; this is a bug.', exitCode: ExitCode.refused },
  DATA_LOCKED: { message: 'the data folder is in use by another process', hint: 'Pass a different --data folder, or stop the other process.', exitCode: ExitCode.usage },
  BAD_INPUT: { message: 'invalid input', hint: 'See --help for the accepted values.', exitCode: ExitCode.usage },
  INVALID_NAME: { message: 'user names may only use letters, digits, "_", "." and "-" (1 to 32 characters)', hint: 'Pick a name such as alice or bob_2.', exitCode: ExitCode.usage },
  INVALID_PASSWORD: { message: 'passwords must be 1 to 256 characters', hint: 'Pick a non-empty password of at most 256 characters.', exitCode: ExitCode.usage },
  PASSWORD_MISMATCH: { message: 'the two passwords differ', hint: 'Type the same password twice.', exitCode: ExitCode.usage },
  NAME_TAKEN: { message: 'that user name is taken', hint: 'Pick another name, or log in if it is yours.', exitCode: ExitCode.refused },
  UNKNOWN_USER: { message: 'no such user', hint: 'Check the spelling, or register first with "watchparty register".', exitCode: ExitCode.refused },
  WRONG_PASSWORD: { message: 'wrong password', hint: 'Try again; after several failures you must wait a little before the next try.', exitCode: ExitCode.refused },
  RATE_LIMITED: { message: 'too many attempts: slow down', hint: 'Wait the time the message names and try again.', exitCode: ExitCode.refused },
  UNKNOWN_SUB: { message: 'no such sub-server', hint: 'See "watchparty status" for the subs and their ids.', exitCode: ExitCode.refused },
  NO_SUB: { message: 'no sub-server is available, try again shortly', hint: 'Start one with "watchparty sub --host <central host>".', exitCode: ExitCode.unreachable },
  NOT_LOGGED_IN: { message: 'you are not logged in', hint: 'Run "watchparty login <user>" first.', exitCode: ExitCode.refused },
  BAD_TOKEN: { message: 'the session is not valid (logged out, expired or forged)', hint: 'Log in again with "watchparty login <user>".', exitCode: ExitCode.refused },
  NOT_ASSIGNED: { message: 'that user is not served by this sub-server', hint: 'A sub may only act for the users central assigned to it; the client reconnects through central.', exitCode: ExitCode.refused },
  UNKNOWN_SESSION: { message: 'no such session', hint: '"watchparty sessions" lists yours with their ids.', exitCode: ExitCode.refused },
  BUSY: { message: 'too many requests at once', hint: 'Wait for the replies to your earlier requests before sending more.', exitCode: ExitCode.refused },
  WRONG_SUB: { message: 'this sub-server does not serve that user', hint: 'Connect to the sub-server named in the message.', exitCode: ExitCode.refused },
  INVALID_VIDEO_NAME: { message: 'invalid video name', hint: 'Use 1 to 200 characters without "/", "\\" or control characters, e.g. --name "Holiday 2024.mp4".', exitCode: ExitCode.usage },
  VIDEO_NAME_TAKEN: { message: 'a video with that name exists', hint: 'Pick another name with --name.', exitCode: ExitCode.refused },
  VIDEO_NAME_RESERVED: { message: 'another upload holds that name', hint: 'Wait until it finishes or its reservation lapses (30 s without data), or pick another --name.', exitCode: ExitCode.refused },
  EMPTY_FILE: { message: 'the file is empty', hint: 'Pick a video file.', exitCode: ExitCode.usage },
  NOT_A_VIDEO: { message: 'the file is not a playable video', hint: 'Upload a file that ffprobe/mpv can play (mp4, mkv, webm, …).', exitCode: ExitCode.refused },
  UPLOAD_MISMATCH: { message: 'the uploaded bytes do not match the file', hint: 'Run the same upload command again; it resumes or restarts cleanly.', exitCode: ExitCode.refused },
  UNKNOWN_UPLOAD: { message: 'no such upload (finished, cancelled or expired)', hint: 'Run the upload command again.', exitCode: ExitCode.refused },
  OFFSET_MISMATCH: { message: 'the chunk does not continue the stored data', hint: 'The client resends from the stored offset.', exitCode: ExitCode.refused },
  UNKNOWN_VIDEO: { message: 'no such video', hint: 'List them with "watchparty videos".', exitCode: ExitCode.refused },
  NOT_UPLOADER: { message: 'only the uploader of a video, or an operator, can delete it', hint: 'Ask its uploader; an operator sets WATCHPARTY_SECRET or passes --secret-file with the cluster secret.', exitCode: ExitCode.refused },
  NOT_REPLICATED: { message: 'the video is still arriving on your sub-server', hint: 'Wait a moment and try again.', exitCode: ExitCode.refused },
  FILE_ERROR: { message: 'cannot read the file', hint: 'Check the path and permissions.', exitCode: ExitCode.usage },
  TOOL_MISSING: { message: 'a program this server needs is not installed', hint: 'Install ffmpeg (it provides ffprobe): sudo apt-get install ffmpeg', exitCode: ExitCode.usage },
  PLAYER_NOT_FOUND: { message: 'mpv is not installed', hint: 'Install it: sudo apt-get install mpv (or see https://mpv.io/installation/).', exitCode: ExitCode.usage },
  PLAYER_FAILED: { message: 'mpv failed', hint: 'Run with WATCHPARTY_LOG=debug and check the client log.', exitCode: ExitCode.refused },
  NOT_MEMBER: { message: 'you are not a member of this room', hint: 'Ask its admin to invite you; "watchparty rooms" lists your rooms.', exitCode: ExitCode.refused },
  NOT_ADMIN: { message: 'only the admin controls this room', hint: 'Ask the admin to play, pause or seek.', exitCode: ExitCode.refused },
  ROOM_CLOSED: { message: 'the room was closed', hint: 'Create a new room with "watchparty room create".', exitCode: ExitCode.refused },
  NOT_WAITING: { message: 'the room is not waiting for anyone', hint: 'go applies while the room waits for members who are buffering ("watchparty rooms" shows waiting_for).', exitCode: ExitCode.refused },
  UNKNOWN_ROOM: { message: 'no such room', hint: '"watchparty rooms" lists your rooms.', exitCode: ExitCode.refused },
  TLS_CERT_INVALID: { message: 'the TLS certificate or key cannot be used', hint: 'Pass a matching PEM pair with --tls-cert FILE --tls-key FILE, or use --tls auto for a self-signed one.', exitCode: ExitCode.usage },
  CERT_CHANGED: { message: 'the server\'s certificate changed since it was first trusted', hint: 'If the server really got a new certificate (new data folder, --tls-cert), compare the fingerprint it logs at start-up, then run "watchparty trust --reset HOST:PORT" (a sub: delete central-pin.json in its data folder). Otherwise someone may be intercepting the connection: do not continue.', exitCode: ExitCode.refused },
  CERT_UNKNOWN: { message: 'the server\'s certificate is not trusted yet, and there is no terminal to ask', hint: 'Compare the fingerprint with the one the server logs at start-up, then pass --fingerprint SHA256:… (or set WATCHPARTY_TRUST_NEW=1 to trust it on first use).', exitCode: ExitCode.refused },
  CERT_MISMATCH: { message: 'the server\'s certificate does not have the fingerprint given with --fingerprint', hint: 'Check the fingerprint the server logs at start-up; you may be talking to another machine.', exitCode: ExitCode.refused },
  TLS_REQUIRED: { message: 'refusing plain text where TLS is expected', hint: 'Start the server with TLS (the default off loopback, or --tls auto). To allow plain text on purpose, pass --insecure (and "watchparty trust --reset HOST:PORT" if TLS was used before).', exitCode: ExitCode.refused },
  NO_SPACE: { message: 'not enough disk space on the server', hint: "Free space in the server's data folder (its log says which), or pick a smaller file; then try again.", exitCode: ExitCode.refused },
  SUB_GONE: { message: 'no sub-server is reachable', hint: 'Start a sub with "watchparty sub", then log in again.', exitCode: ExitCode.unreachable },
  LEASE_LOST: { message: 'this worker no longer holds the task', hint: 'The task moved to another worker (the lease ran out) or was cancelled; drop it and ask for another.', exitCode: ExitCode.refused },
  UNKNOWN_TASK: { message: 'no such task', hint: '"watchparty jobs" lists the tasks and their ids.', exitCode: ExitCode.refused },
  TOO_LARGE: { message: 'that is more data than the server accepts here', hint: 'The task made an output far larger than its source; see the worker\'s log.', exitCode: ExitCode.refused },
  MUTED: { message: 'the room\'s admin muted you in its chat', hint: 'You can still watch; ask the admin to unmute you.', exitCode: ExitCode.refused },
  BLOCKED: { message: 'that user does not take messages from you', hint: 'They blocked your messages.', exitCode: ExitCode.refused },
  INBOX_FULL: { message: "that user's inbox is full of unread messages", hint: 'Wait until they have read some; messages already sent are kept.', exitCode: ExitCode.refused },
  NOT_ALLOWED: { message: 'only the uploader (or an operator with the cluster secret) may do that', hint: 'Ask the video\'s uploader, or pass the cluster secret (WATCHPARTY_SECRET or --secret-file) as an operator.', exitCode: ExitCode.refused },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}

/** An error with a stable code, a readable message, a hint and the exit code the CLI should use. */
export class WatchpartyError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly exitCode: number;
  /** Extra machine-readable facts (e.g. the right sub's address for WRONG_SUB). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message?: string, opts: { hint?: string; exitCode?: number; cause?: unknown; details?: Record<string, unknown> } = {}) {
    const info = ERROR_CODES[code];
    super(message ?? info.message, { cause: opts.cause });
    this.name = 'WatchpartyError';
    this.code = code;
    this.hint = opts.hint ?? info.hint;
    this.exitCode = opts.exitCode ?? info.exitCode;
    this.details = opts.details;
  }
}

/** Whether `err` is the file system or SQLite saying the disk (or quota) is full. */
export function isDiskFull(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  // 53100: PostgreSQL's disk_full.
  return code === 'ENOSPC' || code === 'EDQUOT' || code === 'SQLITE_FULL' || code === '53100';
}

/** Build an error from a wire `{code, message}`; unknown codes become INTERNAL but keep their text. */
export function fromWire(err: { code: string; message: string; details?: Record<string, unknown> | undefined }): WatchpartyError {
  const code = isErrorCode(err.code) ? err.code : 'INTERNAL';
  return new WatchpartyError(code, err.message, { details: err.details });
}
