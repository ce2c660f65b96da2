/**
 * The catalogue in central's store: published videos and the uploads under way (each a reserved
 * name). Both are small and read on every listing, so they live in memory, loaded when the store opens;
 * each write goes to the database first and to memory once it is there.
 */
import type { Db } from './db.js';

/**
 * Video names compared without case, folding every script (not only ASCII as SQLite's NOCASE does):
 * PostgreSQL's citext folds Unicode, and both stores must refuse the same names.
 */
const nameKey = (name: string) => name.toLowerCase();

/** The row among `rows` whose name is `name` without case. */
function byName<T extends { name: string }>(rows: Iterable<T>, name: string): T | undefined {
  const key = nameKey(name);
  for (const r of rows) if (nameKey(r.name) === key) return r;
  return undefined;
}

/** A catalogue row (replica counts are added by central from the live registry). */
export interface VideoRow {
  id: number;
  name: string;
  size: number;
  sha256: string;
  durationMs: number;
  width: number;
  height: number;
  videoCodec: string;
  audioCodec: string | null;
  uploader: string;
  createdMs: number;
}

export interface UploadRow {
  id: string;
  name: string;
  user: string;
  size: number;
  sha256: string;
  createdMs: number;
}

const VIDEO_COLUMNS = 'id, name, size, sha256, duration_ms AS "durationMs", width, height, video_codec AS "videoCodec", audio_codec AS "audioCodec", uploader, created_ms AS "createdMs"';
const UPLOAD_COLUMNS = 'id, name, "user", size, sha256, created_ms AS "createdMs"';

export class Catalogue {
  private readonly byId = new Map<number, VideoRow>();
  private readonly uploadsById = new Map<string, UploadRow>();

  private constructor(
    private readonly db: Db,
    videos: VideoRow[],
    uploads: UploadRow[],
  ) {
    for (const v of videos) this.byId.set(v.id, v);
    for (const u of uploads) this.uploadsById.set(u.id, u);
  }

  static async load(db: Db): Promise<Catalogue> {
    // Video ids are handed out by a counter, before the file is moved under its id and the row written.
    const maxId = (await db.get<{ n: number | null }>('SELECT MAX(id) AS n FROM videos'))?.n ?? 0;
    // SQLite's AUTOINCREMENT remembers deleted ids too: never hand one out again.
    const seq = db.kind === 'sqlite' ? ((await db.get<{ seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'videos'"))?.seq ?? 0) : 0;
    await db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING', ['next_video', String(Math.max(maxId, seq) + 1)]);
    return new Catalogue(db, await db.all<VideoRow>(`SELECT ${VIDEO_COLUMNS} FROM videos ORDER BY id`), await db.all<UploadRow>(`SELECT ${UPLOAD_COLUMNS} FROM uploads`));
  }

  videos(): VideoRow[] {
    return [...this.byId.values()].sort((a, b) => a.id - b.id);
  }

  video(id: number): VideoRow | undefined {
    return this.byId.get(id);
  }

  videoByName(name: string): VideoRow | undefined {
    return byName(this.byId.values(), name);
  }

  /** An id for the next published video, never handed out before (also across centrals on one store). */
  async reserveVideoId(): Promise<number> {
    const row = await this.db.get<{ id: number }>("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'next_video' RETURNING CAST(value AS INTEGER) - 1 AS id");
    return row!.id;
  }

  /**
   * Publish a finished upload under its reserved id: insert the video and drop the reservation in one
   * transaction, after the bytes were moved in place (the caller moves them back if this fails).
   */
  async publishVideo(uploadId: string, v: VideoRow): Promise<VideoRow> {
    await this.db.tx(async (t) => {
      await t.run('INSERT INTO videos (id, name, size, sha256, duration_ms, width, height, video_codec, audio_codec, uploader, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        v.id, v.name, v.size, v.sha256, v.durationMs, v.width, v.height, v.videoCodec, v.audioCodec, v.uploader, v.createdMs,
      ]);
      await t.run('DELETE FROM uploads WHERE id = ?', [uploadId]);
    });
    this.byId.set(v.id, v);
    this.uploadsById.delete(uploadId);
    return v;
  }

  /** Drop a video from the catalogue (its id is never given out again). */
  async deleteVideo(id: number): Promise<boolean> {
    const gone = (await this.db.run('DELETE FROM videos WHERE id = ?', [id])) > 0;
    this.byId.delete(id);
    return gone;
  }

  uploads(): UploadRow[] {
    return [...this.uploadsById.values()];
  }

  upload(id: string): UploadRow | undefined {
    return this.uploadsById.get(id);
  }

  uploadByName(name: string): UploadRow | undefined {
    return byName(this.uploadsById.values(), name);
  }

  /** Reserve a name; false when a video or another upload has it. */
  async addUpload(u: UploadRow): Promise<boolean> {
    if (this.videoByName(u.name) || this.uploadByName(u.name)) return false;
    const added = await this.db.run('INSERT INTO uploads (id, name, "user", size, sha256, created_ms) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [u.id, u.name, u.user, u.size, u.sha256, u.createdMs]);
    if (added === 1) this.uploadsById.set(u.id, u);
    return added === 1;
  }

  /** Forget a reservation (throws on a full database, keeping it). */
  async deleteUpload(id: string): Promise<void> {
    await this.db.run('DELETE FROM uploads WHERE id = ?', [id]);
    this.uploadsById.delete(id);
  }
}
