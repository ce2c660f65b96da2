/** Mounts the client TUI on the real terminal until the user quits. */
import { render } from 'ink';
import type { ClientSession } from '../client-session.js';
import { ClientApp } from './ClientApp.js';

/**
 * Render the client TUI until the user quits (Ctrl-C, or `q` on the main screen); resolves after
 * `session.actions.quit()` finished and the app unmounted, and rejects if quitting failed.
 */
export async function runClientTui(session: ClientSession): Promise<void> {
  // The app handles Ctrl-C itself, so mpv and the connections close before Ink lets go.
  // Not `incrementalRendering`: in ink 6.8 it draws every frame after the first one line too high
  // (seen in tmux), so Ink rewrites the whole frame, which it wraps in a synchronized update where supported.
  const instance = render(<ClientApp session={session} onExit={(error) => instance.unmount(error)} />, { exitOnCtrlC: false });
  await instance.waitUntilExit();
}
