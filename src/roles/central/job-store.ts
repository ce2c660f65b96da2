/**
 * The media-job queue in central's SQLite file: one row per task (its lease, attempts, accepted output),
 * the probe's findings per video, and the renditions made. Every change is one statement or one
 * transaction, so a kill -9 leaves either the old row or the new one; the rules live in
 * shared/task-lease.ts and shared/job-plan.ts, this file only keeps what they decide.
 */
import type Database from 'better-sqlite3';
import type { TaskKind, SourceFacts, PlannedTask } from '../shared/job-plan.js';
import type { TaskRow, TaskState } from '../shared/task-lease.js';
import type { Prepare } from './statements.js';

/** A task row with what its accepted output is (for the tasks that need it as input). */
/** What an accepted task made: each output's size and hash (a segment has one per rung). */
export interface TaskOutput {
  size: number;
  sha256: string;
}

export interface StoredTask extends TaskRow {
  outputs: TaskOutput[];
  /** CPU time the accepted attempt cost its worker (ffmpeg's own count). */
  cpuMs: number | null;
  /** Where in the ladder: segment index (segments only). */
  segment: number | null;
  /** The task's arguments as planned (segment frames, rung sizes…), JSON. */
  spec: string;
}

export interface RenditionRow {
  id: number;
  videoId: number;
  rung: string;
  /** The assemble task whose accepted output is this rendition's file. */
  taskId: number;
  width: number;
  height: number;
  bps: number;
  size: number;
  sha256: string;
  createdMs: number;
}

const TASK_COLUMNS =
  'id, video_id AS videoId, key, kind, rung, segment, state, attempts, failures, worker, lease_until_ms AS leaseUntilMs, not_before_ms AS notBeforeMs, started_ms AS startedMs, finished_ms AS finishedMs, size, outputs, cpu_ms AS cpuMs, error, deps, spec';
const RENDITION_COLUMNS = 'id, video_id AS videoId, rung, task_id AS taskId, width, height, bps, size, sha256, created_ms AS createdMs';

type RawTask = Omit<StoredTask, 'deps' | 'outputs'> & { deps: string; outputs: string | null };

function fromRaw(r: RawTask): StoredTask {
  return { ...r, deps: JSON.parse(r.deps) as string[], outputs: r.outputs ? (JSON.parse(r.outputs) as TaskOutput[]) : [] };
}

export class JobStore {
  constructor(
    private readonly db: Database.Database,
    private readonly sql: Prepare,
  ) {
    db.exec(`
CREATE TABLE IF NOT EXISTS tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  video_id INTEGER NOT NULL,
  key TEXT NOT NULL,
  kind TEXT NOT NULL,
  rung TEXT,
  segment INTEGER,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  failures INTEGER NOT NULL DEFAULT 0,
  worker TEXT,
  lease_until_ms INTEGER,
  not_before_ms INTEGER NOT NULL DEFAULT 0,
  started_ms INTEGER,
  finished_ms INTEGER,
  size INTEGER,
  outputs TEXT,
  cpu_ms INTEGER,
  error TEXT,
  deps TEXT NOT NULL,
  spec TEXT NOT NULL,
  UNIQUE (video_id, key)
);
CREATE INDEX IF NOT EXISTS tasks_state ON tasks(state);
CREATE TABLE IF NOT EXISTS video_facts (video_id INTEGER PRIMARY KEY, facts TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS renditions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  video_id INTEGER NOT NULL,
  rung TEXT NOT NULL,
  task_id INTEGER NOT NULL,
  width INTEGER NOT NULL,
  height INTEGER NOT NULL,
  bps INTEGER NOT NULL,
  size INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  UNIQUE (video_id, rung)
);`);
  }

  /** Add tasks that are not there yet (a re-plan after a restart adds nothing twice). */
  addTasks(videoId: number, tasks: readonly (PlannedTask & { spec: object })[]): void {
    const insert = this.sql(
      "INSERT INTO tasks (video_id, key, kind, rung, segment, state, deps, spec) VALUES (?, ?, ?, ?, ?, 'queued', ?, ?) ON CONFLICT (video_id, key) DO NOTHING",
    );
    this.db.transaction(() => {
      for (const t of tasks) insert.run(videoId, t.key, t.kind, t.rung ?? null, t.segment?.index ?? null, JSON.stringify(t.deps), JSON.stringify(t.spec));
    })();
  }

  /** Write back what the rules decided for one task. */
  save(t: TaskRow): void {
    this.sql('UPDATE tasks SET state = ?, attempts = ?, failures = ?, worker = ?, lease_until_ms = ?, not_before_ms = ?, started_ms = ?, finished_ms = ?, size = ?, error = ? WHERE id = ?').run(
      t.state,
      t.attempts,
      t.failures,
      t.worker,
      t.leaseUntilMs,
      t.notBeforeMs,
      t.startedMs,
      t.finishedMs,
      t.size,
      t.error,
      t.id,
    );
  }

  /** Accept a task's outputs in the same transaction as its row (so "done" always has their hashes). */
  saveAccepted(t: TaskRow, outputs: readonly TaskOutput[], cpuMs: number, then?: () => void): void {
    this.db.transaction(() => {
      this.save(t);
      this.sql('UPDATE tasks SET outputs = ?, cpu_ms = ? WHERE id = ?').run(JSON.stringify(outputs), cpuMs, t.id);
      then?.();
    })();
  }

  /** How many leases `worker` holds now. */
  runningBy(worker: string): number {
    return (this.sql("SELECT COUNT(*) AS n FROM tasks WHERE state = 'running' AND worker = ?").get(worker) as { n: number }).n;
  }

  task(id: number): StoredTask | undefined {
    const r = this.sql(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = ?`).get(id) as RawTask | undefined;
    return r ? fromRaw(r) : undefined;
  }

  tasksOf(videoId: number): StoredTask[] {
    return (this.sql(`SELECT ${TASK_COLUMNS} FROM tasks WHERE video_id = ? ORDER BY id`).all(videoId) as RawTask[]).map(fromRaw);
  }

  /** Videos that have tasks not yet done, failed or cancelled (the ones workers may get work from). */
  activeVideos(): number[] {
    return (this.sql("SELECT DISTINCT video_id AS id FROM tasks WHERE state IN ('queued', 'running') ORDER BY video_id").all() as { id: number }[]).map((r) => r.id);
  }

  allTasks(): StoredTask[] {
    return (this.sql(`SELECT ${TASK_COLUMNS} FROM tasks ORDER BY id`).all() as RawTask[]).map(fromRaw);
  }

  countByState(videoId: number): Map<TaskState, number> {
    const rows = this.sql('SELECT state, COUNT(*) AS n FROM tasks WHERE video_id = ? GROUP BY state').all(videoId) as { state: TaskState; n: number }[];
    return new Map(rows.map((r) => [r.state, r.n]));
  }

  /** Forget a video's tasks (deleted, or planned afresh). */
  deleteTasks(videoId: number): void {
    this.sql('DELETE FROM tasks WHERE video_id = ?').run(videoId);
  }

  setFacts(videoId: number, facts: SourceFacts): void {
    this.sql('INSERT INTO video_facts (video_id, facts) VALUES (?, ?) ON CONFLICT (video_id) DO UPDATE SET facts = excluded.facts').run(videoId, JSON.stringify(facts));
  }

  facts(videoId: number): SourceFacts | undefined {
    const r = this.sql('SELECT facts FROM video_facts WHERE video_id = ?').get(videoId) as { facts: string } | undefined;
    return r ? (JSON.parse(r.facts) as SourceFacts) : undefined;
  }

  /** A new rendition; one made again replaces the old row under a new id (ids are never reused, so a sub's stale copy is never taken for it). */
  addRendition(r: Omit<RenditionRow, 'id'>): RenditionRow {
    return this.db.transaction(() => {
      this.sql('DELETE FROM renditions WHERE video_id = ? AND rung = ?').run(r.videoId, r.rung);
      const info = this.sql('INSERT INTO renditions (video_id, rung, task_id, width, height, bps, size, sha256, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)').run(
        r.videoId,
        r.rung,
        r.taskId,
        r.width,
        r.height,
        r.bps,
        r.size,
        r.sha256,
        r.createdMs,
      );
      return { ...r, id: Number(info.lastInsertRowid) };
    })();
  }

  renditionOf(videoId: number, rung: string): RenditionRow | undefined {
    return this.sql(`SELECT ${RENDITION_COLUMNS} FROM renditions WHERE video_id = ? AND rung = ?`).get(videoId, rung) as RenditionRow | undefined;
  }

  rendition(id: number): RenditionRow | undefined {
    return this.sql(`SELECT ${RENDITION_COLUMNS} FROM renditions WHERE id = ?`).get(id) as RenditionRow | undefined;
  }

  renditions(videoId?: number): RenditionRow[] {
    return (videoId === undefined
      ? this.sql(`SELECT ${RENDITION_COLUMNS} FROM renditions ORDER BY video_id, height DESC`).all()
      : this.sql(`SELECT ${RENDITION_COLUMNS} FROM renditions WHERE video_id = ? ORDER BY height DESC`).all(videoId)) as RenditionRow[];
  }

  deleteRenditions(videoId: number): RenditionRow[] {
    const gone = this.renditions(videoId);
    this.sql('DELETE FROM renditions WHERE video_id = ?').run(videoId);
    this.sql('DELETE FROM video_facts WHERE video_id = ?').run(videoId);
    return gone;
  }
}

export type { TaskKind };
