/** say / chat / msg / inbox / block / unblock: talking from the command line. */
import type { Command } from 'commander';
import { WatchpartyError } from '../../core/errors.js';
import { common, followSessions, out, withSession, type CommonOptions } from './command-kit.js';
import { catchUp, followFeed, inboxOf, MESSAGES } from './feed.js';
import { formatChatLine, RoomChat } from './room-chat.js';

function textOf(words: string[], example: string): string {
  const text = words.join(' ').trim();
  if (!text) throw new WatchpartyError('BAD_INPUT', 'there is nothing to send', { hint: `e.g. ${example}` });
  return text;
}

export function registerTalkCommands(program: Command): void {
  common(program.command('say <roomId> <text...>'))
    .description("write in a room's chat: every member sees it in the TUI and on mpv's screen")
    .option('--json', 'print the line as JSON')
    .addHelpText('after', '\nExamples:\n  $ watchparty say r-1a2b3c4d "this part!"\n  $ watchparty say r-1a2b3c4d brb, popcorn')
    .action(async (roomId: string, words: string[], o: CommonOptions) => {
      const text = textOf(words, 'watchparty say r-1a2b3c4d "hello"');
      const { line } = await withSession(o, (s) => s.peer.request('chat.send', { roomId, text }));
      out(o.json ? JSON.stringify(line) : `said in ${roomId} (#${line.seq})`);
    });

  common(program.command('chat <roomId>'))
    .description("a room's recent chat; --follow keeps printing new lines (through failovers)")
    .option('--last <n>', 'how many recent lines (1-100)', '20')
    .option('--follow', 'stay connected and print new lines as they come')
    .option('--json', 'one JSON object per line')
    .addHelpText('after', '\nExamples:\n  $ watchparty chat r-1a2b3c4d\n  $ watchparty chat r-1a2b3c4d --follow --json')
    .action(async (roomId: string, o: CommonOptions & { last: string; follow?: boolean }) => {
      const limit = Number(o.last);
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new WatchpartyError('BAD_INPUT', `--last takes 1 to 100, not "${o.last}"`);
      if (o.follow) await followChat(roomId, limit, o);
      else {
        const { lines } = await withSession(o, (s) => s.peer.request('chat.history', { roomId, limit }));
        if (!o.json && lines.length === 0) out(`nothing said in ${roomId} yet: watchparty say ${roomId} "hello"`);
        for (const l of lines) out(formatChatLine(l, o.json));
      }
    });

  common(program.command('msg <user> <text...>'))
    .description('send a direct message; it waits on the server until the user is back, and reaches every device of theirs')
    .option('--json', 'print the message as JSON')
    .addHelpText('after', '\nExamples:\n  $ watchparty msg bob "movie at 9?"\n  $ watchparty msg bob see you there --profile alice')
    .action(async (user: string, words: string[], o: CommonOptions) => {
      const text = textOf(words, 'watchparty msg bob "hello"');
      const { message } = await withSession(o, (s) => s.peer.request('msg.send', { to: user, text }));
      out(o.json ? JSON.stringify(message) : `sent to ${message.to} (#${message.id})`);
    });

  common(program.command('inbox'))
    .description('your direct messages this device has not shown yet (each once), marked read; --follow keeps listening')
    .option('--json', 'one JSON object per line')
    .option('--follow', 'stay connected and print new messages as they arrive (survives failover)')
    .addHelpText('after', '\nExamples:\n  $ watchparty inbox\n  $ watchparty inbox --follow --json --profile bob')
    .action(async (o: CommonOptions & { follow?: boolean }) => {
      if (o.follow) await followFeed(MESSAGES, o);
      else await withSession(o, async (s, profile) => void (await catchUp(MESSAGES, s, profile, inboxOf(MESSAGES, s, profile), o.json)));
    });

  const block = (name: 'block' | 'unblock', on: boolean, what: string) =>
    common(program.command(`${name} <user>`))
      .description(what)
      .option('--json', 'print the users you block as a JSON array')
      .addHelpText('after', `\nExamples:\n  $ watchparty ${name} mallory`)
      .action(async (user: string, o: CommonOptions) => {
        const { blocked } = await withSession(o, (s) => s.peer.request('msg.block', { name: user, on }));
        if (o.json) out(JSON.stringify(blocked));
        else out(blocked.length ? `you block ${blocked.join(', ')}` : 'you block nobody');
      });
  block('block', true, 'stop a user from sending you direct messages (they are told you do not take them)');
  block('unblock', false, 'let a blocked user message you again');
}

/** Print a room's chat as it comes; after a reconnect, fill the gap from the history first. */
async function followChat(roomId: string, limit: number, o: CommonOptions): Promise<void> {
  // The same chat the room view and `watch` keep: in order, each line once, gaps filled from the history.
  const chat = new RoomChat(roomId, limit);
  chat.onLine((l) => out(formatChatLine(l, o.json)));
  await followSessions(o, async (s) => {
    await chat.attach(s.peer);
    return `following the chat of ${roomId} as ${s.user}`;
  });
}
