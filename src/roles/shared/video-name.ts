/** Rules for video names: shown to people and used in notifications, never as a path on disk. */
import { WatchpartyError } from '../../core/errors.js';

export const MAX_VIDEO_NAME_CHARS = 200;

/** The name, trimmed; throws INVALID_VIDEO_NAME saying what is wrong with it. */
export function checkVideoName(raw: string): string {
  const name = raw.normalize('NFC').trim();
  const shown = JSON.stringify(name.length > 60 ? name.slice(0, 60) + '…' : name);
  const chars = [...name].length;
  if (chars === 0) throw new WatchpartyError('INVALID_VIDEO_NAME', 'the video name is empty');
  if (chars > MAX_VIDEO_NAME_CHARS) throw new WatchpartyError('INVALID_VIDEO_NAME', `the video name is ${chars} characters long (at most ${MAX_VIDEO_NAME_CHARS})`);
  if (/[/\\]/.test(name)) throw new WatchpartyError('INVALID_VIDEO_NAME', `invalid video name ${shown}: it contains a path separator ("/" or "\\")`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(name)) throw new WatchpartyError('INVALID_VIDEO_NAME', `invalid video name ${shown}: it contains control characters`);
  // Bidi overrides and isolates (U+202E shows "evil\u202Egpj.exe" as "evilexe.jpg"), zero-width and other
  // invisible format characters, Hangul fillers, and lone surrogates: they let one name pose as another.
  if (/[\p{Cf}\p{Cs}\u115f\u1160\u3164\uffa0]/u.test(name)) {
    throw new WatchpartyError('INVALID_VIDEO_NAME', `invalid video name ${JSON.stringify(name.replace(/[\p{Cf}\p{Cs}\u115f\u1160\u3164\uffa0]/gu, '?').slice(0, 60))}: it contains invisible or text-direction characters`);
  }
  if (name === '.' || name === '..') throw new WatchpartyError('INVALID_VIDEO_NAME', `invalid video name ${shown}: "." and ".." are not names`);
  return name;
}
