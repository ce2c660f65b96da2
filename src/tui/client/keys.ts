/**
 * Key routing for the client TUI. Ink hands every key to every active `useInput` hook in whatever
 * order they were (re)registered, so the app has exactly one hook (in ClientApp) and passes each key
 * down a chain of slots: a screen, then its tab or dialog. A handler returns true when it used the key,
 * which is how a focused text field keeps `q` or `1` from also quitting or switching tabs.
 */
import { moveSelection } from './list-window.js';
import { useLayoutEffect, useRef } from 'react';
import type { Key } from 'ink';

/** Handle one key; true when it was used and must go no further. */
export type KeyHandler = (input: string, key: Key) => boolean;

/** Where a child component puts its current handler for its parent to call. */
export interface KeySlot {
  current: KeyHandler | undefined;
}

/** A slot a parent owns and passes to the child it routes keys to. */
export function useKeySlot(): KeySlot {
  return useRef<KeyHandler | undefined>(undefined);
}

/**
 * Publish `handler` in `slot` after every commit, so the parent always calls the closure that
 * matches what is on screen; cleared when the component unmounts.
 */
export function useKeys(slot: KeySlot, handler: KeyHandler): void {
  useLayoutEffect(() => {
    slot.current = handler;
  });
  useLayoutEffect(
    () => () => {
      slot.current = undefined;
    },
    [slot],
  );
}

/** A printable chunk of typed or pasted text (not a control key, not an escape sequence). */
export function isPrintable(input: string, key: Key): boolean {
  return input.length > 0 && !key.ctrl && !key.meta && !/[\u0000-\u001f\u007f]/.test(input);
}

/** How many rows PgUp/PgDn move in a list `height` rows tall: a page less one row of context. */
export function pageSize(height: number): number {
  return Math.max(1, height - 1);
}

/** Where ↑ ↓ PgUp PgDn Home End move the selection of a list (`count` rows, `height` shown); undefined for other keys. */
export function listMove(key: Key, index: number, count: number, height: number): number | undefined {
  if (key.upArrow) return moveSelection(index, -1, count);
  if (key.downArrow) return moveSelection(index, 1, count);
  if (key.pageUp) return moveSelection(index, -pageSize(height), count);
  if (key.pageDown) return moveSelection(index, pageSize(height), count);
  if (key.home) return 0;
  if (key.end) return Math.max(0, count - 1);
  return undefined;
}

const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

/** The key Ink would report for one control character on its own. */
function controlKey(char: string): [string, Key] {
  if (char === '\r' || char === '\n') return ['', { ...NO_KEY, return: true }];
  if (char === '\t') return ['', { ...NO_KEY, tab: true }];
  if (char === '\u007f' || char === '\b') return ['', { ...NO_KEY, backspace: true }];
  const code = char.charCodeAt(0);
  // Ctrl-A … Ctrl-Z arrive as 0x01 … 0x1a; Ink reports them as the letter with `ctrl`.
  if (code >= 1 && code <= 26) return [String.fromCharCode(96 + code), { ...NO_KEY, ctrl: true }];
  return ['', NO_KEY];
}

/**
 * Ink passes a chunk of plain bytes as one input, so keys typed faster than a read ("/9", "pw" then
 * Enter, as over ssh or from tmux) arrive together. Split such a chunk into one key per character
 * (a paste becomes typing); escape sequences are already separate and pass through as they are.
 */
export function splitKeys(input: string, key: Key): Array<[string, Key]> {
  // Esc then a key within one read reads as Alt+key; nothing here is bound to Alt, so it is the two keys.
  if (key.meta && !key.escape && Array.from(input).length === 1 && !/[\u0000-\u001f\u007f]/.test(input)) {
    return [['', { ...NO_KEY, escape: true, meta: true }], [input, NO_KEY]];
  }
  const chars = Array.from(input);
  if (chars.length <= 1) return [[input, key]];
  return chars.map((char) => (/[\u0000-\u001f\u007f]/.test(char) ? controlKey(char) : [char, NO_KEY]));
}
