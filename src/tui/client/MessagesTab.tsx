/**
 * Direct messages, newest first: what people sent this user (stored by central while they were away)
 * and what they sent from here. Opening the tab marks everything read on every device; n writes to
 * anyone, r replies to the selected message's other side, b blocks its sender and u allows them again.
 */
import { useEffect, useRef, useState } from 'react';
import { Box, Text } from 'ink';
import type { DirectMessage } from '../../net/chat-messages.js';
import { listMove, useKeys } from './keys.js';
import { scrollTop, visibleWindow, windowLabel } from './list-window.js';
import { Panel, PANEL_CHROME_COLUMNS, PANEL_CHROME_ROWS } from './Panel.js';
import { editText, tail } from './TextField.js';
import { hourMinute } from './NotificationsTab.js';
import { line } from '../width.js';
import type { TabProps } from './tab-props.js';

const HINTS = '↑↓ scroll · n new message · r reply · b block sender · u unblock';
const MAX_CHARS = 500;

type Compose = { step: 'to'; to: string } | { step: 'text'; to: string; text: string } | undefined;

function same(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** `bob → you: text` or `you → bob: text`. */
export function messageLine(m: DirectMessage, me: string | undefined): string {
  const mine = me !== undefined && same(m.from, me);
  return mine ? `you → ${m.to}: ${m.text}` : `${m.from}: ${m.text}`;
}

export function MessagesTab({ snapshot, actions, width, height, active, keys }: TabProps) {
  const [cursor, setCursor] = useState(0);
  const [compose, setCompose] = useState<Compose>(undefined);
  const topRef = useRef(0);
  const wasActive = useRef(false);
  const me = snapshot.user;
  const items = [...snapshot.messages].reverse();

  // Read when the tab opens, and again when more arrive while it is open.
  useEffect(() => {
    const opened = active && !wasActive.current;
    wasActive.current = active;
    if (opened || (active && snapshot.unreadMessages > 0)) actions.markMessagesRead();
  }, [active, snapshot.unreadMessages, actions]);

  const panelHeight = Math.max(PANEL_CHROME_ROWS + 1, height - 1 - (compose ? 1 : 0));
  const listHeight = Math.max(1, panelHeight - PANEL_CHROME_ROWS);
  const index = Math.min(cursor, Math.max(0, items.length - 1));
  const selected = items[index];

  useKeys(keys, (input, key) => {
    if (compose) {
      if (key.escape) setCompose(undefined);
      else if (key.return) {
        if (compose.step === 'to') {
          if (compose.to.trim()) setCompose({ step: 'text', to: compose.to.trim(), text: '' });
        } else {
          if (compose.text.trim()) void actions.sendMessage(compose.to, compose.text);
          setCompose(undefined);
        }
      } else {
        // Keys may come faster than renders: edit the latest value, not this closure's.
        setCompose((c) => {
          if (!c) return c;
          const next = editText(c.step === 'to' ? c.to : c.text, input, key);
          if (next === undefined || Array.from(next).length > MAX_CHARS) return c;
          return c.step === 'to' ? { step: 'to', to: next } : { ...c, text: next };
        });
      }
      return true;
    }
    const moved = listMove(key, index, items.length, listHeight);
    if (moved !== undefined) setCursor(moved);
    else if (input === 'n') setCompose({ step: 'to', to: '' });
    else if (input === 'r' && selected) setCompose({ step: 'text', to: me && same(selected.from, me) ? selected.to : selected.from, text: '' });
    else if ((input === 'b' || input === 'u') && selected && !(me && same(selected.from, me))) void actions.blockUser(selected.from, input === 'b');
    else return false;
    return true;
  });

  if (!active) return null;

  const inner = Math.max(1, width - PANEL_CHROME_COLUMNS);
  topRef.current = scrollTop(topRef.current, index, listHeight, items.length);
  const { start, rows } = visibleWindow(items, topRef.current, listHeight);
  const count = windowLabel(start, rows.length, items.length);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Panel title={`Messages${count ? ` · ${count}` : ''}`} width={width} height={panelHeight}>
        {items.length === 0 && (
          <Text dimColor wrap="truncate-end">
            {line('No messages yet. Press n to write to someone; messages to people who are away wait for them.', inner)}
          </Text>
        )}
        {rows.map((m, i) => {
          const on = start + i === index;
          const mine = me !== undefined && same(m.from, me);
          return (
            <Text key={m.id} inverse={on} bold={!m.read && !mine} wrap="truncate-end">
              {on ? '› ' : '  '}
              <Text dimColor={!on}>{hourMinute(m.atMs)} </Text>
              <Text color={mine ? undefined : 'magenta'}>{line(messageLine(m, me), inner - 8)}</Text>
            </Text>
          );
        })}
      </Panel>
      {compose && (
        <Text color="cyan" wrap="truncate-end">
          {compose.step === 'to' ? 'to: ' : `to ${compose.to}: `}
          {tail(compose.step === 'to' ? compose.to : compose.text, Math.max(10, width - 40))}
          <Text inverse> </Text>
          <Text dimColor>{compose.step === 'to' ? '  Enter next · Esc cancel' : '  Enter send · Esc cancel'}</Text>
        </Text>
      )}
      <Text dimColor wrap="truncate-end">
        {line(HINTS, width)}
      </Text>
    </Box>
  );
}
