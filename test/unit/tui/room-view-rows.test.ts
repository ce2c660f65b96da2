/** How the room view shares its free rows between members, the up-next pane and the chat. */
import { describe, expect, it } from 'vitest';
import { queueRowsFor, splitRows } from '../../../src/tui/client/RoomView.js';

describe('queueRowsFor', () => {
  it.each([
    // free rows, queued + suggested, rows for the pane
    [20, 0, 0], // nothing queued: no pane
    [20, 1, 2], // title + the one entry
    [20, 5, 4], // title + 3 entries (the last says "+N more")
    [7, 3, 2], // an 80×24 terminal: title + one entry, members and chat keep 5
    [6, 3, 0], // no room for title + entry without squeezing members and chat below 5
    [0, 3, 0],
  ])('%i free rows, %i entries → %i', (free, queued, rows) => {
    expect(queueRowsFor(free, queued)).toBe(rows);
  });
});

describe('splitRows', () => {
  it.each([
    // rows, members, chat lines → member rows, chat rows (title included)
    [5, 2, 1, 2, 3],
    [10, 2, 0, 2, 8],
    [10, 8, 20, 5, 5], // chat gets half when both want more
    [4, 2, 3, 4, 0], // too small for a chat
  ])('%i rows, %i members, %i lines → %i / %i', (rows, members, lines, memberRows, chatRows) => {
    expect(splitRows(rows, members, lines)).toEqual({ memberRows, chatRows });
  });
});
