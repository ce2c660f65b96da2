/**
 * The media-job queue in central's store: one row per task (its lease, attempts, accepted output), the
 * probe's findings per video, and the renditions made. The scheduler reads and decides synchronously
 * (a lease is granted by one decision, never by two racing ones), so the queue lives in memory, loaded
 * when the store opens; each change is made there at once and written in the order made, the changes
 * of one decision in one transaction (`atomically`), so a kill -9 leaves either the old rows or the new
 * ones. The rules live in shared/task-lease.ts and shared/job-plan.ts; this file only keeps what they decide.
 */
import type { TaskKind, SourceFacts, PlannedTask } from '../shared/job-plan.js';
import type { TaskRow, TaskState } from '../shared/task-lease.js';
import { dialectOf, type Db } from './db.js';

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

/** Writes of the store, run one after another in the background (see CentralStore). */
export type Writer = (what: string, write: (db: Db) => Promise<unknown>) => void;

const TASK_COLUMNS =
  'id, video_id AS "videoId", key, kind, rung, segment, state, attempts, failures, worker, lease_until_ms AS "leaseUntilMs", not_before_ms AS "notBeforeMs", started_ms AS "startedMs", finished_ms AS "finishedMs", size, outputs, cpu_ms AS "cpuMs", error, deps, spec';
const RENDITION_COLUMNS = 'id, video_id AS "videoId", rung, task_id AS "taskId", width, height, bps, size, sha256, created_ms AS "createdMs"';

type RawTask = Omit<StoredTask, 'deps' | 'outputs'> & { deps: string; outputs: string | null };

function fromRaw(r: RawTask): StoredTask {
  return { ...r, deps: JSON.parse(r.deps) as string[], outputs: r.outputs ? (JSON.parse(r.outputs) as TaskOutput[]) : [] };
}

async function createTables(db: Db): Promise<void> {
  const d = dialectOf(db);
  await db.run(`CREATE TABLE IF NOT EXISTS tasks (id ${d.serialKey}, video_id ${d.bigint} NOT NULL, key TEXT NOT NULL, kind TEXT NOT NULL, rung TEXT, segment INTEGER,
    state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0, worker TEXT, lease_until_ms ${d.bigint}, not_before_ms ${d.bigint} NOT NULL DEFAULT 0,
    started_ms ${d.bigint}, finished_ms ${d.bigint}, size ${d.bigint}, outputs TEXT, cpu_ms ${d.bigint}, error TEXT, deps TEXT NOT NULL, spec TEXT NOT NULL, UNIQUE (video_id, key))`);
  await db.run('CREATE INDEX IF NOT EXISTS tasks_state ON tasks(state)');
  await db.run(`CREATE TABLE IF NOT EXISTS video_facts (video_id ${d.bigint} PRIMARY KEY, facts TEXT NOT NULL)`);
  await db.run(`CREATE TABLE IF NOT EXISTS renditions (id ${d.serialKey}, video_id ${d.bigint} NOT NULL, rung TEXT NOT NULL, task_id ${d.bigint} NOT NULL, width INTEGER NOT NULL,
    height INTEGER NOT NULL, bps ${d.bigint} NOT NULL, size ${d.bigint} NOT NULL, sha256 TEXT NOT NULL, created_ms ${d.bigint} NOT NULL, UNIQUE (video_id, rung))`);
}

export class JobStore {
  private readonly tasks = new Map<number, StoredTask>();
  private readonly factsOf = new Map<number, SourceFacts>();
  private readonly renditionRows = new Map<number, RenditionRow>();
  private nextTaskId: number;
  private nextRenditionId: number;
  /** The writes of the decision under way (`atomically`), written as one transaction. */
  private batch: ((db: Db) => Promise<unknown>)[] | undefined;

  private constructor(
    private readonly writer: Writer,
    tasks: StoredTask[],
    facts: { videoId: number; facts: string }[],
    renditions: RenditionRow[],
    ids: { task: number; rendition: number },
  ) {
    for (const t of tasks) this.tasks.set(t.id, t);
    for (const f of facts) this.factsOf.set(f.videoId, JSON.parse(f.facts) as SourceFacts);
    for (const r of renditions) this.renditionRows.set(r.id, r);
    this.nextTaskId = ids.task;
    this.nextRenditionId = ids.rendition;
  }

  static async load(db: Db, writer: Writer): Promise<JobStore> {
    await createTables(db);
    const tasks = (await db.all<RawTask>(`SELECT ${TASK_COLUMNS} FROM tasks ORDER BY id`)).map(fromRaw);
    const facts = await db.all<{ videoId: number; facts: string }>('SELECT video_id AS "videoId", facts FROM video_facts');
    const renditions = await db.all<RenditionRow>(`SELECT ${RENDITION_COLUMNS} FROM renditions`);
    // Ids are never reused (a sub's stale copy of a rendition must never be taken for a new one).
    const seq = async (table: string, loaded: { id: number }[]) => {
      const kept = db.kind === 'sqlite' ? ((await db.get<{ seq: number }>('SELECT seq FROM sqlite_sequence WHERE name = ?', [table]))?.seq ?? 0) : 0;
      const counter = Number((await db.get<{ value: string }>('SELECT value FROM meta WHERE key = ?', [`next_${table}`]))?.value ?? 1);
      return Math.max(counter, kept + 1, ...loaded.map((r) => r.id + 1));
    };
    return new JobStore(writer, tasks, facts, renditions, { task: await seq('tasks', tasks), rendition: await seq('renditions', renditions) });
  }

  private write(what: string, w: (db: Db) => Promise<unknown>): void {
    if (this.batch) this.batch.push(w);
    else this.writer(what, w);
  }

  /** Make `fn`'s changes in memory now and in the database as one transaction. */
  atomically<T>(what: string, fn: () => T): T {
    if (this.batch) return fn();
    this.batch = [];
    let out: T;
    try {
      out = fn();
    } finally {
      const writes = this.batch;
      this.batch = undefined;
      if (writes.length > 0) this.writer(what, (db) => db.tx(async (t) => {
        for (const w of writes) await w(t);
      }));
    }
    return out;
  }

  private counter(name: 'tasks' | 'renditions', next: number): (db: Db) => Promise<unknown> {
    return (db) => db.run('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [`next_${name}`, String(next)]);
  }

  /** Add tasks that are not there yet (a re-plan after a restart adds nothing twice). */
  addTasks(videoId: number, tasks: readonly (PlannedTask & { spec: object })[]): void {
    this.atomically(`the tasks of #${videoId}`, () => {
      const have = new Set(this.tasksOf(videoId).map((t) => t.key));
      for (const p of tasks) {
        if (have.has(p.key)) continue;
        const t: StoredTask = {
          id: this.nextTaskId++, videoId, key: p.key, kind: p.kind, rung: p.rung ?? null, segment: p.segment?.index ?? null, state: 'queued', attempts: 0, failures: 0,
          worker: null, leaseUntilMs: null, notBeforeMs: 0, startedMs: null, finishedMs: null, size: null, outputs: [], cpuMs: null, error: null, deps: [...p.deps], spec: JSON.stringify(p.spec),
        };
        this.tasks.set(t.id, t);
        have.add(t.key);
        this.write('a task', (db) => db.run("INSERT INTO tasks (id, video_id, key, kind, rung, segment, state, deps, spec) VALUES (?, ?, ?, ?, ?, ?, 'queued', ?, ?)", [t.id, videoId, t.key, t.kind, t.rung, t.segment, JSON.stringify(t.deps), t.spec]));
      }
      this.write('the task counter', this.counter('tasks', this.nextTaskId));
    });
  }

  /** Write back what the rules decided for one task. */
  save(t: TaskRow): void {
    const had = this.tasks.get(t.id);
    if (!had) return;
    this.tasks.set(t.id, { ...had, ...t, deps: had.deps });
    this.write(`task ${t.id}`, (db) =>
      db.run('UPDATE tasks SET state = ?, attempts = ?, failures = ?, worker = ?, lease_until_ms = ?, not_before_ms = ?, started_ms = ?, finished_ms = ?, size = ?, error = ? WHERE id = ?', [
        t.state, t.attempts, t.failures, t.worker, t.leaseUntilMs, t.notBeforeMs, t.startedMs, t.finishedMs, t.size, t.error, t.id,
      ]),
    );
  }

  /** Accept a task's outputs with its row, and whatever `then` stores because of it, in one transaction. */
  saveAccepted(t: TaskRow, outputs: readonly TaskOutput[], cpuMs: number, then?: () => void): void {
    this.atomically(`task ${t.id} done`, () => {
      this.save(t);
      const had = this.tasks.get(t.id);
      if (had) this.tasks.set(t.id, { ...had, outputs: [...outputs], cpuMs });
      this.write(`task ${t.id}'s outputs`, (db) => db.run('UPDATE tasks SET outputs = ?, cpu_ms = ? WHERE id = ?', [JSON.stringify(outputs), cpuMs, t.id]));
      then?.();
    });
  }

  /** How many leases `worker` holds now. */
  runningBy(worker: string): number {
    let n = 0;
    for (const t of this.tasks.values()) if (t.state === 'running' && t.worker === worker) n++;
    return n;
  }

  task(id: number): StoredTask | undefined {
    return this.tasks.get(id);
  }

  tasksOf(videoId: number): StoredTask[] {
    return [...this.tasks.values()].filter((t) => t.videoId === videoId).sort((a, b) => a.id - b.id);
  }

  /** Videos that have tasks not yet done, failed or cancelled (the ones workers may get work from). */
  activeVideos(): number[] {
    const ids = new Set<number>();
    for (const t of this.tasks.values()) if (t.state === 'queued' || t.state === 'running') ids.add(t.videoId);
    return [...ids].sort((a, b) => a - b);
  }

  allTasks(): StoredTask[] {
    return [...this.tasks.values()].sort((a, b) => a.id - b.id);
  }

  countByState(videoId: number): Map<TaskState, number> {
    const counts = new Map<TaskState, number>();
    for (const t of this.tasks.values()) if (t.videoId === videoId) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
    return counts;
  }

  /** Forget a video's tasks (deleted, or planned afresh). */
  deleteTasks(videoId: number): void {
    for (const t of this.tasksOf(videoId)) this.tasks.delete(t.id);
    this.write(`the tasks of #${videoId}`, (db) => db.run('DELETE FROM tasks WHERE video_id = ?', [videoId]));
  }

  setFacts(videoId: number, facts: SourceFacts): void {
    this.factsOf.set(videoId, facts);
    const json = JSON.stringify(facts);
    this.write(`the facts of #${videoId}`, (db) => db.run('INSERT INTO video_facts (video_id, facts) VALUES (?, ?) ON CONFLICT (video_id) DO UPDATE SET facts = excluded.facts', [videoId, json]));
  }

  facts(videoId: number): SourceFacts | undefined {
    return this.factsOf.get(videoId);
  }

  /** A new rendition; one made again replaces the old row under a new id (ids are never reused, so a sub's stale copy is never taken for it). */
  addRendition(r: Omit<RenditionRow, 'id'>): RenditionRow {
    return this.atomically(`a rendition of #${r.videoId}`, () => {
      const old = this.renditionOf(r.videoId, r.rung);
      if (old) this.renditionRows.delete(old.id);
      const row: RenditionRow = { ...r, id: this.nextRenditionId++ };
      this.renditionRows.set(row.id, row);
      this.write('the old rendition', (db) => db.run('DELETE FROM renditions WHERE video_id = ? AND rung = ?', [r.videoId, r.rung]));
      this.write('a rendition', (db) =>
        db.run('INSERT INTO renditions (id, video_id, rung, task_id, width, height, bps, size, sha256, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)', [
          row.id, r.videoId, r.rung, r.taskId, r.width, r.height, r.bps, r.size, r.sha256, r.createdMs,
        ]),
      );
      this.write('the rendition counter', this.counter('renditions', this.nextRenditionId));
      return row;
    });
  }

  renditionOf(videoId: number, rung: string): RenditionRow | undefined {
    for (const r of this.renditionRows.values()) if (r.videoId === videoId && r.rung === rung) return r;
    return undefined;
  }

  rendition(id: number): RenditionRow | undefined {
    return this.renditionRows.get(id);
  }

  /** Renditions by video, highest first. */
  renditions(videoId?: number): RenditionRow[] {
    return [...this.renditionRows.values()].filter((r) => videoId === undefined || r.videoId === videoId).sort((a, b) => a.videoId - b.videoId || b.height - a.height);
  }

  deleteRenditions(videoId: number): RenditionRow[] {
    const gone = this.renditions(videoId);
    for (const r of gone) this.renditionRows.delete(r.id);
    this.factsOf.delete(videoId);
    this.atomically(`the renditions of #${videoId}`, () => {
      this.write('renditions', (db) => db.run('DELETE FROM renditions WHERE video_id = ?', [videoId]));
      this.write('facts', (db) => db.run('DELETE FROM video_facts WHERE video_id = ?', [videoId]));
    });
    return gone;
  }
}

export type { TaskKind };
