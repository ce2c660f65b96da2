import { describe, expect, it } from 'vitest';
import { deleteRight } from '../../src/roles/central/delete-video.js';
import { strayReplicaFiles } from '../../src/roles/sub/replica-prune.js';
import { findVideo } from '../../src/roles/client/video-commands.js';
import { operatorSecret } from '../../src/roles/client/delete-video.js';
import type { VideoInfo } from '../../src/net/messages.js';
import { thrown } from '../helpers/thrown.js';

describe('deleteRight: who may delete a video', () => {
  it.each<[string, string, boolean, ReturnType<typeof deleteRight>]>([
    ['the uploader', 'ann', false, 'uploader'],
    ['the uploader, any case', 'ANN', false, 'uploader'],
    ['the uploader who also holds the secret', 'ann', true, 'uploader'],
    ['someone else with the secret', 'op', true, 'operator'],
    ['someone else without it', 'bob', false, undefined],
  ])('%s → %s', (_what, user, holdsSecret, right) => {
    expect(deleteRight({ uploader: 'ann' }, user, holdsSecret)).toBe(right);
  });
});

describe('strayReplicaFiles: replicas no catalogue video owns', () => {
  it.each<[string, string[], number[], number[], string[]]>([
    ['nothing stray', ['1', '2', '3.part'], [1, 2, 3], [], []],
    ['a deleted replica and its partial', ['1', '2', '2.part', '5.part'], [1, 5], [], ['2', '2.part']],
    ['a partial being pulled is kept', ['7.part'], [], [7], []],
    ['other files are not ours to touch', ['notes.txt', '1.tmp', '.hidden', 'x1'], [], [], []],
    ['an empty catalogue drops every replica', ['1', '4'], [], [], ['1', '4']],
  ])('%s', (_what, files, catalogue, pulling, stray) => {
    expect(strayReplicaFiles(files, new Set(catalogue), new Set(pulling)).map((s) => s.file)).toEqual(stray);
  });
});

describe('findVideo: the name a person typed', () => {
  const v = (id: number, name: string) => ({ id, name }) as VideoInfo;
  const videos = [v(1, 'Fête.mp4'), v(2, 'clip.mkv'), v(3, 'Clip.mkv'), v(4, 'resume.mp4'), v(5, 'résumé.mp4')];
  it.each<[string, string, number]>([
    ['exact', 'clip.mkv', 2],
    ['exact wins over another case', 'Clip.mkv', 3],
    ['case ignored', 'FÊTE.MP4', 1],
    ['accents ignored when that names one video', 'fete.mp4', 1],
    ['exact wins over an accent twin', 'resume.mp4', 4],
  ])('%s: "%s" → #%d', (_what, name, id) => {
    expect(findVideo(videos, name).id).toBe(id);
  });
  it('names close matches when none fits, accents ignored', () => {
    expect(thrown(() => findVideo(videos, 'fete')).message).toBe('no video named "fete"; did you mean "Fête.mp4"?');
  });
});

describe('operatorSecret', () => {
  it('takes WATCHPARTY_SECRET, trimmed, and nothing when it is unset or blank', () => {
    expect(operatorSecret({ env: ' s3cret\n' })).toBe('s3cret');
    expect(operatorSecret({ env: '  ' })).toBeUndefined();
    expect(operatorSecret({})).toBeUndefined();
  });
  it('names a secret file it cannot read', () => {
    expect(thrown(() => operatorSecret({ file: '/nonexistent/secret' })).code).toBe('NO_SECRET');
  });
});
