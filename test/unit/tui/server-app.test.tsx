import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { ServerApp } from '../../../src/tui/ServerApp.js';
import { createLogger, LogBuffer } from '../../../src/core/log.js';
import type { ServerSnapshot, ServerView } from '../../../src/tui/server-view.js';
import { plain, waitForFrame } from '../../helpers/ink-frames.js';

/** ink-testing-library's fixed terminal width. */
const COLUMNS = 100;

/** A ServerView whose snapshot the test sets directly. */
class FakeView implements ServerView {
  readonly logs = new LogBuffer(500);
  readonly log = createLogger('central', this.logs.sink, 'debug');
  private listeners = new Set<() => void>();
  constructor(private current: ServerSnapshot) {}

  snapshot(): ServerSnapshot {
    return this.current;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  set(next: ServerSnapshot): void {
    this.current = next;
    for (const l of this.listeners) l();
  }
}

function baseSnapshot(): ServerSnapshot {
  return {
    headline: 'central 127.0.0.1:7000 · id c-1 · up 5s',
    panels: [
      {
        title: 'Sub-servers',
        columns: ['id', 'address', 'load'],
        rows: [
          { cells: ['sub-1', '127.0.0.1:7001', '3'], tone: 'ok' },
          { cells: ['sub-2', '127.0.0.1:7002', '0'], tone: 'bad' },
        ],
        empty: 'no sub-servers yet',
      },
      { title: 'Rooms', columns: ['id', 'members'], rows: [], empty: 'no rooms yet' },
    ],
  };
}



/** Let Ink's useInput effect attach to stdin before keys are written. */
const settle = () => new Promise((r) => setTimeout(r, 30));

afterEach(() => {
  cleanup();
});

describe('ServerApp', () => {
  it('renders the headline, panel rows, column names and empty text', () => {
    const view = new FakeView(baseSnapshot());
    const { lastFrame } = render(<ServerApp view={view} onQuit={() => {}} />);
    const frame = plain(lastFrame());
    expect(frame).toContain('central 127.0.0.1:7000 · id c-1 · up 5s');
    expect(frame).toContain('Sub-servers');
    expect(frame).toMatch(/id\s+address\s+load/);
    expect(frame).toMatch(/sub-1\s+127\.0\.0\.1:7001\s+3/);
    expect(frame).toContain('no rooms yet');
    expect(frame).toContain('Log · following');
    expect(frame).toContain('q quit · ↑↓ PgUp PgDn scroll log · End follow');
  });

  it('shows new log records and snapshot changes after the throttle', async () => {
    const view = new FakeView(baseSnapshot());
    const { lastFrame } = render(<ServerApp view={view} onQuit={() => {}} />);
    view.log.warn('sub lost', { subId: 'sub-2' });
    view.set({ ...baseSnapshot(), headline: 'central · changed' });
    const frame = await waitForFrame(lastFrame, (f) => f.includes('sub lost'), 300 + 200);
    expect(frame).toMatch(/\d\d:\d\d:\d\d WARN  central sub lost subId=sub-2/);
    expect(frame).toContain('central · changed');
  });

  it('coalesces a burst of log records into a few renders', async () => {
    const view = new FakeView(baseSnapshot());
    const { lastFrame, frames } = render(<ServerApp view={view} onQuit={() => {}} />);
    const before = frames.length;
    for (let i = 0; i < 1000; i++) view.log.info('line', { i });
    await waitForFrame(lastFrame, (f) => f.includes('i=999'));
    expect(frames.length - before).toBeLessThanOrEqual(3);
  });

  it('calls onQuit on q and on Ctrl-C', async () => {
    let quits = 0;
    const view = new FakeView(baseSnapshot());
    const { stdin } = render(<ServerApp view={view} onQuit={() => quits++} />);
    await settle();
    stdin.write('q');
    expect(quits).toBe(1);
    stdin.write('\u0003');
    expect(quits).toBe(2);
  });

  it('truncates long cells, headlines and log lines to the terminal width', async () => {
    const long = 'x'.repeat(300);
    const view = new FakeView({
      headline: `headline ${long}`,
      panels: [{ title: `Panel ${long}`, columns: ['id', 'note'], rows: [{ cells: ['a', long] }, { cells: [long, 'b'] }], empty: '' }],
    });
    const { lastFrame } = render(<ServerApp view={view} onQuit={() => {}} />);
    view.log.error(`boom ${long}`, { detail: long, multi: 'line\nbreak' });
    const frame = await waitForFrame(lastFrame, (f) => f.includes('boom'));
    for (const line of frame.split('\n')) expect(Array.from(line).length).toBeLessThanOrEqual(COLUMNS);
    expect(frame).toContain('…');
  });

  it('caps panel rows with "… N more" and keeps room for the log', async () => {
    const snapshot = baseSnapshot();
    snapshot.panels[0]!.rows = Array.from({ length: 40 }, (_, i) => ({ cells: [`sub-${i}`, `127.0.0.1:${8000 + i}`, '1'] }));
    const view = new FakeView(snapshot);
    const { lastFrame } = render(<ServerApp view={view} onQuit={() => {}} />);
    for (let i = 0; i < 20; i++) view.log.info(`record ${i}`);
    const frame = await waitForFrame(lastFrame, (f) => f.includes('record 19'));
    expect(frame).toMatch(/… \d+ more/);
    // At least six log records visible below the panels.
    expect(frame.match(/record \d+/g)?.length ?? 0).toBeGreaterThanOrEqual(6);
  });

  it('scrolls the log back with the up arrow and follows again with End', async () => {
    const view = new FakeView(baseSnapshot());
    for (let i = 0; i < 50; i++) view.log.info(`record ${i}`);
    const { lastFrame, stdin } = render(<ServerApp view={view} onQuit={() => {}} />);
    expect(plain(lastFrame())).toContain('record 49');
    await settle();
    stdin.write('\u001b[A');
    const scrolled = await waitForFrame(lastFrame, (f) => f.includes('scrolled (1 older)'));
    expect(scrolled).not.toContain('record 49');
    expect(scrolled).toContain('record 48');
    stdin.write('G');
    await waitForFrame(lastFrame, (f) => f.includes('Log · following') && f.includes('record 49'));
  });
});
