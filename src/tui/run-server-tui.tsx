/**
 * Mounts the server TUI on the real terminal and ties quitting to the role's shutdown.
 */
import { render } from 'ink';
import { ServerApp } from './ServerApp.js';
import type { ServerView } from './server-view.js';

/**
 * Render the server TUI until the user quits; `onQuit` (the role's shutdown) is awaited before the
 * app unmounts, and if it throws, the returned promise rejects with that error.
 */
export async function runServerTui(view: ServerView, onQuit: () => void | Promise<void>): Promise<void> {
  let quitting = false;
  const quit = (): void => {
    // A second `q` or Ctrl-C while shutting down must not start a second shutdown.
    if (quitting) return;
    quitting = true;
    Promise.resolve()
      .then(onQuit)
      .then(
        () => instance.unmount(),
        (error: unknown) => instance.unmount(error instanceof Error ? error : new Error(String(error))),
      );
  };
  // The app handles Ctrl-C itself, so the shutdown runs instead of Ink exiting underneath it.
  const instance = render(<ServerApp view={view} onQuit={quit} />, { exitOnCtrlC: false });
  await instance.waitUntilExit();
}
