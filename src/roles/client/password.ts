/** Reading passwords: from stdin for scripts, or from the terminal without echo. */
import { WatchpartyError } from '../../core/errors.js';

const MAX_STDIN_BYTES = 64 * 1024;

/** All of stdin as lines (bounded, with a timeout so a forgotten pipe cannot hang the command). */
export async function readStdinLines(timeoutMs = 10_000): Promise<string[]> {
  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new WatchpartyError('BAD_INPUT', `no password arrived on stdin within ${timeoutMs / 1000} s`, { hint: 'Pipe it in: echo "$PASSWORD" | watchparty login alice --password-stdin' })), timeoutMs);
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_STDIN_BYTES) {
        clearTimeout(timer);
        reject(new WatchpartyError('BAD_INPUT', 'stdin is too large for a password'));
        process.stdin.destroy();
        return;
      }
      chunks.push(c);
    });
    process.stdin.once('end', () => {
      clearTimeout(timer);
      resolve();
    });
    process.stdin.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return Buffer.concat(chunks).toString('utf8').split(/\r?\n/);
}

/** Ask on the terminal without echoing what is typed. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(new WatchpartyError('BAD_INPUT', 'there is no terminal to ask for the password on', { hint: 'Pass --password-stdin and pipe the password in.' }));
  }
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new WatchpartyError('BAD_INPUT', 'cancelled', { hint: 'Run the command again when ready.' }));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}
