/**
 * Team sync: follow Label Studio projects' annotations. On the first task opened (and every few
 * seconds at most after) read what the team added, updated or deleted since the last read and
 * learn it; in idle time too. Owner of the followed projects, their read timers and the idle
 * timer; the learners and the badge are reached only through the functions it is given.
 */
import { AnnotationSync } from '../labelstudio/annotation-sync.ts';
import type { ChoicesControl } from '../labelstudio/label-config.ts';
import { LabelStudioClient } from '../labelstudio/rest-client.ts';
import type { LabelChanges } from '../store/label-changes.ts';
import type { Store } from '../store/open-db.ts';
import type { LearningSession } from './learning-session.ts';
import type { Options } from './options.ts';

/** Shortest time between two reads of the team's new annotations. */
const TEAM_SYNC_MIN_INTERVAL_MS = 5_000;
/** How often idle time looks for other annotators' new annotations. */
const TEAM_SYNC_IDLE_MS = 30_000;

/** A Label Studio project whose annotations the learner follows. */
interface TeamProject {
  sync: AnnotationSync;
  lastRun: number;
  running?: Promise<void>;
}

export interface TeamSyncDeps {
  store: Promise<Store>;
  options: Pick<Options, 'labelStudioUrl' | 'apiToken'>;
  /** Says "labels changed" to this tab's learners and to other tabs'. */
  labelChanges: LabelChanges;
  /** The project's learner (undefined when the engine cannot start). */
  projectSession(project: string, configXml: string): Promise<LearningSession | undefined>;
  controlsOf(configXml: string): readonly ChoicesControl[];
  allVectors(): Promise<Float32Array[]>;
  /** Show the project's learning line (for the project on screen). */
  showLearning(project: string, session: LearningSession): void;
  reportError(error: { code: string; message: string }): void;
}

export class TeamSync {
  private readonly team = new Map<string, TeamProject>();
  /** Last label config seen per project (idle-time team sync needs it). */
  private readonly projectConfigs = new Map<string, string>();
  private idleTimer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly deps: TeamSyncDeps) {}

  /** True while the project is followed but was never read yet (openTask waits for that read). */
  isFirstRead(project: string): boolean {
    return this.team.get(project)?.lastRun === 0;
  }

  /** Follow a project's annotations through this REST client (once per project). */
  use(o: { client: LabelStudioClient; projectId: number }): void {
    const project = String(o.projectId);
    if (this.team.has(project)) return;
    const { store } = this.deps;
    const sync = new AnnotationSync({
      client: o.client, projectId: o.projectId, project,
      labels: { // the store opens asynchronously; every call waits for it
        list: (p) => store.then((s) => s.labels.list(p)),
        put: (r) => store.then((s) => s.labels.put(r)),
        replaceTasks: (p, t) => store.then((s) => s.labels.replaceTasks(p, t)),
        keepOnlyTasks: (p, t) => store.then((s) => s.labels.keepOnlyTasks(p, t)),
        getSync: (p) => store.then((s) => s.labels.getSync(p)),
        putSync: (r) => store.then((s) => s.labels.putSync(r)),
      },
    });
    this.team.set(project, { sync, lastRun: 0 });
    this.idleTimer ??= setInterval(() => {
      if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return;
      for (const [p, configXml] of this.projectConfigs) {
        if (!this.team.has(p)) continue;
        void this.deps.projectSession(p, configXml).then((session) => session && this.catchUp(p, configXml, session)).catch(() => {});
      }
    }, TEAM_SYNC_IDLE_MS);
  }

  /**
   * Inside Label Studio's own pages (a project URL) follow the project's annotations even when
   * the project tools are off: same origin, the page's session or the `apiToken` option.
   */
  followLabelStudioPage(project: string): void {
    if (this.team.has(project) || !/^\d+$/.test(project)) return;
    const path = (globalThis as { location?: Location }).location?.pathname ?? '';
    if (!new RegExp(`/projects/${project}(/|$)`).test(path)) return;
    const { options } = this.deps;
    const baseUrl = new URL(options.labelStudioUrl || '/', location.href).href.replace(/\/$/, '');
    const auth = options.apiToken ? { kind: 'token' as const, token: options.apiToken } : { kind: 'session' as const };
    this.use({ client: new LabelStudioClient({ baseUrl, auth }), projectId: Number(project) });
  }

  /**
   * Read the team's new annotations of a project now (when it follows one) and learn them.
   * Resolves when learnt; never rejects (a failure is shown in the badge and retried later).
   */
  async catchUp(project: string, configXml: string, session?: LearningSession): Promise<void> {
    this.projectConfigs.set(project, configXml);
    const entry = this.team.get(project);
    if (!entry) return;
    if (entry.running) return entry.running;
    if (Date.now() - entry.lastRun < TEAM_SYNC_MIN_INTERVAL_MS) return;
    entry.running = (async () => {
      try {
        const learner = session ?? (await this.deps.projectSession(project, configXml));
        const report = await entry.sync.run(this.deps.controlsOf(configXml));
        if (report.changed > 0) this.deps.labelChanges.notify(project);
        if (learner) {
          await learner.sync();
          await learner.maybeRefit(() => this.deps.allVectors());
          this.deps.showLearning(project, learner);
        }
      } catch (error) {
        const e = error as { message?: string };
        this.deps.reportError({ code: 'team-sync', message: `Reading the project's annotations failed: ${e?.message ?? String(error)}` });
      } finally {
        entry.lastRun = Date.now();
        entry.running = undefined;
      }
    })();
    return entry.running;
  }
}
