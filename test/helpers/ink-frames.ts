/** Reading Ink frames in unit tests: strip colours, and poll until a frame matches (bounded). */

export function plain(frame: string | undefined): string {
  // eslint-disable-next-line no-control-regex
  return (frame ?? '').replace(/\u001b\[[0-9;]*m/g, '');
}

/** Poll the latest frame until `predicate` holds; fails with the frame after `timeoutMs`. */
export async function waitForFrame(lastFrame: () => string | undefined, predicate: (frame: string) => boolean, timeoutMs = 1000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const frame = plain(lastFrame());
    if (predicate(frame)) return frame;
    if (Date.now() > deadline) throw new Error(`frame never matched:\n${frame}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
