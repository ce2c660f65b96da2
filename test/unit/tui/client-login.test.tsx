import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, render } from 'ink-testing-library';
import { ClientApp } from '../../../src/tui/client/ClientApp.js';
import { createFakeClientSession, emptySnapshot, KEY, plain, press, settle, waitForFrame, waitUntil } from '../../fakes/fake-client-session.js';

afterEach(() => {
  cleanup();
});

function renderLogin(partial: Parameters<typeof createFakeClientSession>[0] = emptySnapshot()) {
  const session = createFakeClientSession(partial);
  const exits: Array<Error | undefined> = [];
  const r = render(<ClientApp session={session} onExit={(e) => exits.push(e)} />);
  return { session, exits, ...r };
}

describe('LoginScreen', () => {
  it('shows central, the three fields, the register hint and the offline link', () => {
    const { lastFrame } = renderLogin();
    const frame = plain(lastFrame());
    expect(frame).toContain('central: localhost:8000');
    expect(frame).toMatch(/Username/);
    expect(frame).toMatch(/Password/);
    expect(frame).toMatch(/Repeat password/);
    expect(frame).toContain("Fill 'Repeat' to register a new account; leave it empty to log in");
    expect(frame).toContain('○ offline');
  });

  it('types into the focused field, masks passwords and logs in with an empty repeat', async () => {
    const { session, stdin, lastFrame } = renderLogin();
    await settle();
    await press(stdin, 'ann', KEY.tab, 'secret');
    const frame = await waitForFrame(lastFrame, (f) => f.includes('••••••'));
    expect(frame).toMatch(/Username\s+ann/);
    expect(frame).not.toContain('secret');
    await press(stdin, KEY.enter);
    expect(session.callsTo('submitLogin')).toEqual([['ann', 'secret', '']]);
  });

  it('registers when the repeat field is filled, moving with ↓ and Shift-Tab', async () => {
    const { session, stdin, lastFrame } = renderLogin();
    await settle();
    await press(stdin, 'bob', KEY.down, 'pw1', KEY.down, 'pw1');
    await waitForFrame(lastFrame, (f) => f.includes('Register a new account') && f.includes('Enter register'));
    // Shift-Tab goes back up to the password field; Backspace edits it there.
    await press(stdin, KEY.shiftTab, KEY.backspace, '2');
    await press(stdin, KEY.enter);
    expect(session.callsTo('submitLogin')).toEqual([['bob', 'pw2', 'pw1']]);
  });

  it('does not submit without a user name and says so in place', async () => {
    const { session, stdin, lastFrame } = renderLogin();
    await settle();
    await press(stdin, KEY.enter);
    await waitForFrame(lastFrame, (f) => f.includes('type a user name'));
    expect(session.callsTo('submitLogin')).toEqual([]);
  });

  it('shows the login error in place, the logged-out reason and busy state', async () => {
    const { session, lastFrame, stdin } = renderLogin();
    session.set({ loginError: 'wrong password for "ann"', loggedOutReason: 'lost sub-1 after 5 attempts; log in again' });
    const frame = await waitForFrame(lastFrame, (f) => f.includes('wrong password'));
    const lines = frame.split('\n');
    const reason = lines.findIndex((l) => l.includes('lost sub-1 after 5 attempts'));
    const user = lines.findIndex((l) => l.includes('Username'));
    const error = lines.findIndex((l) => l.includes('✗ wrong password for "ann"'));
    expect(reason).toBeGreaterThanOrEqual(0);
    expect(reason).toBeLessThan(user);
    expect(error).toBeGreaterThan(user);
    session.set({ loginError: undefined, busy: 'logging in…' });
    await waitForFrame(lastFrame, (f) => f.includes('logging in…'));
    // Enter while busy does not submit twice.
    await settle();
    await press(stdin, 'ann', KEY.tab, 'x', KEY.enter);
    expect(session.callsTo('submitLogin')).toEqual([]);
  });

  it('treats q as a letter, and quits on Ctrl-C after session.quit()', async () => {
    const { session, stdin, lastFrame, exits } = renderLogin();
    await settle();
    await press(stdin, 'q');
    await waitForFrame(lastFrame, (f) => /Username\s+q/.test(f));
    expect(session.callsTo('quit')).toEqual([]);
    await press(stdin, KEY.ctrlC);
    await waitUntil(() => exits.length === 1, 'onExit');
    expect(session.callsTo('quit')).toEqual([[]]);
    expect(exits).toEqual([undefined]);
  });
});

describe('keys typed faster than a read', () => {
  it('splits one chunk "ann\\tsecret\\r" into the keys it holds, in order', async () => {
    const session = createFakeClientSession(emptySnapshot());
    const { stdin } = render(<ClientApp session={session} onExit={() => {}} />);
    await settle();
    stdin.write('ann\tsecret\r');
    await waitUntil(() => session.callsTo('submitLogin').length === 1, 'submitLogin');
    expect(session.callsTo('submitLogin')).toEqual([['ann', 'secret', '']]);
  });
});
