/**
 * Audio and subtitle tracks (real processes, headless mpv): the admin picks them for the room and every
 * member's mpv follows; a member's own choice wins over the room's; and every rendition carries every
 * audio and subtitle track of the source.
 */
import { expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startCluster } from '../helpers/cluster.js';
import { tempDir } from '../helpers/spawn-role.js';
import { waitFor } from '../helpers/wait-for.js';
import { withMpv } from '../helpers/mpv-ipc-client.js';

/** 20 s of video with two audio tracks (440 and 880 Hz) and one subtitle track. */
function makeClip(dir: string): string {
  const srt = path.join(dir, 'subs.srt');
  fs.writeFileSync(srt, '1\n00:00:01,000 --> 00:00:10,000\nhello\n\n2\n00:00:11,000 --> 00:00:19,000\nagain\n');
  const file = path.join(dir, 'dub.mkv');
  execFileSync('ffmpeg', [
    '-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=25', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000', '-f', 'lavfi', '-i', 'sine=frequency=880:sample_rate=48000', '-i', srt,
    '-map', '0:v', '-map', '1:a', '-map', '2:a', '-map', '3:s', '-t', '20', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '50', '-c:a', 'aac', '-c:s', 'srt', file,
  ], { timeout: 60_000 });
  return file;
}

it('the admin picks tracks for the room, members follow, a member\'s own choice wins, and renditions carry every track', async () => {
  const c = await startCluster({ subs: 1, jobs: 1 });
  await c.register('ann');
  await c.register('bob');
  const clip = makeClip(tempDir());
  expect((await c.cli('ann', ['upload', clip])).code).toBe(0);
  const roomId = (JSON.parse((await c.cli('ann', ['room', 'create', 'dub.mkv', '--invite', 'bob', '--json'])).stdout) as { id: string }).id;
  const socks = { ann: path.join(tempDir(), 'ann.sock'), bob: path.join(tempDir(), 'bob.sock') };
  const ann = c.spawn('ann', ['watch', roomId, '--headless', '--quality', 'source', '--mpv-ipc', socks.ann]);
  const bob = c.spawn('bob', ['watch', roomId, '--headless', '--quality', 'source', '--audio', '1', '--mpv-ipc', socks.bob]);
  await ann.waitFor(/"paused":true/, 30_000);
  await bob.waitFor(/"paused":true/, 30_000);
  const tracks = (sock: string) => withMpv(sock, async (ipc) => ({ aid: await ipc.getProperty<number | string>('aid'), sid: await ipc.getProperty<number | string | boolean>('sid') }));

  const audio = await c.cli('ann', ['control', roomId, 'audio', '2']);
  expect(audio.code, audio.output).toBe(0);
  expect(audio.stdout).toMatch(/audio track 2/);
  await waitFor(async () => ((await tracks(socks.ann)).aid === 2 ? true : undefined), { timeoutMs: 10_000, what: "ann's mpv on audio track 2" });
  const subs = await c.cli('ann', ['control', roomId, 'subtitles', '1']);
  expect(subs.code, subs.output).toBe(0);
  await waitFor(async () => ((await tracks(socks.ann)).sid === 1 && (await tracks(socks.bob)).sid === 1 ? true : undefined), { timeoutMs: 10_000, what: 'both on subtitle track 1' });
  // bob chose the first audio track for himself: the room's choice does not move him.
  expect((await tracks(socks.bob)).aid).toBe(1);
  const off = await c.cli('ann', ['control', roomId, 'subtitles', 'off']);
  expect(off.code).toBe(0);
  await waitFor(async () => ((await tracks(socks.bob)).sid === false ? true : undefined), { timeoutMs: 10_000, what: "bob's subtitles off" });
  // Only the admin chooses for the room; nonsense is a usage error.
  const guest = await c.cli('bob', ['control', roomId, 'audio', '2']);
  expect(guest.code).toBe(1);
  expect(guest.stderr).toMatch(/only the admin \(ann\)/);
  expect((await c.cli('ann', ['control', roomId, 'audio', 'zero'])).code).toBe(2);
  const json = JSON.parse((await c.cli('ann', ['rooms', '--json'])).stdout) as { id: string; audio_track: number; subtitle_track: number }[];
  expect(json.find((r) => r.id === roomId)).toMatchObject({ audio_track: 2, subtitle_track: 0 });

  // Every rendition has both audio tracks and the subtitles.
  const sub = c.subs[0]!;
  const files = await waitFor(() => {
    const dir = path.join(sub.dataDir, 'renditions');
    const f = fs.existsSync(dir) ? fs.readdirSync(dir).filter((x) => /^\d+$/.test(x)) : [];
    return f.length > 0 ? f : undefined;
  }, { timeoutMs: 90_000, intervalMs: 500, what: 'a rendition on the sub' });
  const streams = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_type', '-of', 'json', path.join(sub.dataDir, 'renditions', files[0]!)], { encoding: 'utf8' })) as { streams: { codec_type: string }[] };
  expect(streams.streams.map((s) => s.codec_type).sort()).toEqual(['audio', 'audio', 'subtitle', 'video']);
}, 200_000);
