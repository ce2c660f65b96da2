/** One line of differently styled runs, clipped to a width so it can never wrap. */
import { Text } from 'ink';
import { fitSegments, type Segment } from '../width.js';

/** Render `segments` on one line of at most `width` columns. */
export function Segments({ segments, width }: { segments: Segment[]; width: number }) {
  return (
    <Text wrap="truncate-end">
      {fitSegments(segments, width).map((s, i) => (
        <Text key={i} color={s.color} bold={s.bold} dimColor={s.dim} inverse={s.inverse}>
          {s.text}
        </Text>
      ))}
    </Text>
  );
}
