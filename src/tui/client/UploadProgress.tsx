/** The state of the current (or last) upload: phase, a block progress bar, bytes, rate and ETA. */
import { Box, Text } from 'ink';
import type { UploadState } from '../client-session.js';
import { formatBytes } from '../../roles/client/progress-bar.js';
import { formatDuration } from '../../roles/shared/duration.js';
import { blockBar, percent } from './progress.js';
import { line } from '../width.js';

const PHASE_TEXT: Record<UploadState['phase'], string> = {
  hashing: 'hashing (sha256)…',
  uploading: 'uploading',
  verifying: 'verifying on central (sha256, ffprobe)…',
  done: 'done',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** True while the upload still runs (Esc cancels it). */
export function uploadRunning(upload: UploadState | undefined): boolean {
  return upload !== undefined && (upload.phase === 'hashing' || upload.phase === 'uploading' || upload.phase === 'verifying');
}

/** Progress of `upload` in `width` columns: a header, the bar and the figures, or how it ended. */
export function UploadProgress({ upload, width }: { upload: UploadState; width: number }) {
  if (upload.phase === 'done') {
    return (
      <Text color="green" wrap="truncate-end">
        {line(`✓ uploaded ${upload.video?.name ?? upload.name}`, width)}
      </Text>
    );
  }
  if (upload.phase === 'failed') {
    return (
      <Text color="red" wrap="truncate-end">
        {line(`✗ upload of ${upload.name} failed: ${upload.error ?? 'unknown error'}`, width)}
      </Text>
    );
  }
  if (upload.phase === 'cancelled') {
    return (
      <Text color="yellow" wrap="truncate-end">
        {line(`upload of ${upload.name} cancelled — Enter starts it again (it resumes)`, width)}
      </Text>
    );
  }
  const pct = percent(upload.sent, upload.size);
  const pctText = `${String(pct).padStart(3)}%`;
  const figures = [
    `${formatBytes(upload.sent)} / ${formatBytes(upload.size)}`,
    upload.rateBps > 0 ? `${formatBytes(Math.round(upload.rateBps))}/s` : '—/s',
    `ETA ${upload.etaMs === undefined ? '—' : formatDuration(upload.etaMs)}`,
  ];
  if (upload.resumedFrom > 0) figures.push(`resumed from ${formatBytes(upload.resumedFrom)}`);
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>{line(upload.name, Math.max(1, width - PHASE_TEXT[upload.phase].length - 3))}</Text>
        <Text color="cyan">{` · ${PHASE_TEXT[upload.phase]}`}</Text>
      </Text>
      <Text wrap="truncate-end">
        <Text color="cyan">{blockBar(upload.size > 0 ? upload.sent / upload.size : 0, Math.max(1, width - pctText.length - 1))}</Text>
        {' ' + pctText}
      </Text>
      <Text wrap="truncate-end">{line(figures.join(' · '), width)}</Text>
    </Box>
  );
}
