/** Poll `cond` until it returns a truthy value or the timeout passes (then throw with `what`). */
export async function waitFor<T>(cond: () => T | Promise<T>, opts: { timeoutMs: number; intervalMs?: number; what?: string }): Promise<NonNullable<T>> {
  const deadline = Date.now() + opts.timeoutMs;
  let lastErr: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      lastErr = err;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${opts.what ?? 'a condition'}${lastErr ? ` (last error: ${(lastErr as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 50));
  }
}
