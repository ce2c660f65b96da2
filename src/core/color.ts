/**
 * NO_COLOR (https://no-color.org): when it is set to anything but the empty string, print no colour,
 * unless FORCE_COLOR asks for it. chalk 5 only reads FORCE_COLOR, and Ink colours through the same chalk.
 */
import chalk from 'chalk';

/** The chalk level to use under `env`, or undefined to keep what chalk detected. */
export function colorLevelFor(env: Record<string, string | undefined>): 0 | undefined {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '' && !forced ? 0 : undefined;
}

/** Apply NO_COLOR to chalk (and so to Ink) for this process. */
export function honourNoColor(env: Record<string, string | undefined> = process.env): void {
  const level = colorLevelFor(env);
  if (level !== undefined) chalk.level = level;
}
