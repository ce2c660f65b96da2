/**
 * At most `limit` jobs at once; up to `maxWaiting` more wait their turn in order; beyond that, `run`
 * refuses at once. For CPU-heavy work a crowd can ask for (password hashing): the crowd waits, and
 * the cores the work does not take stay free for everything else.
 */
export class Gate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    readonly limit: number,
    readonly maxWaiting: number,
  ) {}

  /** Jobs waiting for a turn. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Run `job` in its turn; `full()` is thrown (without running it) when too many already wait. */
  async run<T>(job: () => Promise<T>, full: () => Error): Promise<T> {
    if (this.running >= this.limit) {
      if (this.waiting.length >= this.maxWaiting) throw full();
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running += 1;
    }
    try {
      return await job();
    } finally {
      // The slot passes straight to the next in line (running stays the same), or is freed.
      const next = this.waiting.shift();
      if (next) next();
      else this.running -= 1;
    }
  }
}
