/**
 * A round-bordered box whose top border carries the title (so the title costs no line), the frame
 * every tab draws its content in. The focused panel's border is cyan, like lazygit's.
 */
import type { ReactNode } from 'react';
import { Box, Text } from 'ink';
import { clip, displayWidth } from '../width.js';
import { oneLine } from '../width.js';

/** Columns the border and padding take: the content is `width - PANEL_CHROME_COLUMNS` wide. */
export const PANEL_CHROME_COLUMNS = 4;
/** Rows the border takes: the content is `height - PANEL_CHROME_ROWS` tall. */
export const PANEL_CHROME_ROWS = 2;

/** Title, exact size, whether it has focus, and its content. */
export interface PanelProps {
  title: string;
  width: number;
  height: number;
  focused?: boolean;
  children?: ReactNode;
}

/** A titled, bordered panel of exactly `width` × `height`; content beyond it is cut, never wrapped. */
export function Panel({ title, width, height, focused = true, children }: PanelProps) {
  const color = focused ? 'cyan' : 'gray';
  const shown = clip(oneLine(title), Math.max(0, width - 6));
  const dashes = Math.max(0, width - 5 - displayWidth(shown));
  return (
    <Box flexDirection="column" width={width} height={height} flexShrink={0}>
      <Text wrap="truncate-end" color={color}>
        {'╭─ '}
        <Text bold color={focused ? undefined : 'gray'}>
          {shown}
        </Text>
        {' ' + '─'.repeat(dashes) + '╮'}
      </Text>
      <Box flexDirection="column" borderStyle="round" borderColor={color} borderTop={false} paddingX={1} flexGrow={1} overflow="hidden">
        {children}
      </Box>
    </Box>
  );
}
