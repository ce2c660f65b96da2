/** A yes/no question on the terminal (trusting a new certificate): only "y" or "yes" is yes. */
import readline from 'node:readline/promises';

/** Ask `question` on stderr and read one line from the terminal. */
export async function promptYesNo(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  try {
    const answer = await rl.question(question);
    return /^(y|yes)$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}
