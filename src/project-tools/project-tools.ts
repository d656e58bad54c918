/**
 * Wires the project tools together for one project source: the panel, the pre-annotation job
 * (resumed by itself when a run was interrupted by a reload or a closed lid), and the views.
 * Created by `cytoML.projectTools(...)` inside Label Studio, and by the demo for its local
 * project or a Label Studio project it was pointed at.
 */
import type { CytoMl } from '../plugin/cyto-ml.ts';
import { AgreementView } from './agreement-view.ts';
import { GalleryView } from './gallery-view.ts';
import { MapView } from './map-view.ts';
import { NeighboursView } from './neighbours-view.ts';
import { PreannotateJob } from './preannotate-job.ts';
import { PreannotateView } from './preannotate-view.ts';
import type { ProjectSource } from './project-source.ts';
import { ToolContext } from './tool-context.ts';
import { ToolsPanel } from './tools-panel.ts';

export interface ProjectToolsOptions {
  core: CytoMl;
  source: ProjectSource;
  container?: HTMLElement;
  /** Start with the panel open. */
  open?: boolean;
}

export class ProjectTools {
  readonly panel: ToolsPanel;
  /** The map (also for drawing given points: benchmarks, tests). */
  readonly map: MapView;

  private constructor(readonly context: ToolContext, readonly job: PreannotateJob, panel: ToolsPanel) {
    this.panel = panel;
    this.map = new MapView(context);
  }

  /** Start the engine, build the panel; resolves once the tools are usable. */
  static async create(options: ProjectToolsOptions): Promise<ProjectTools> {
    const { core, source } = options;
    const info = await core.start();
    if (!info) throw new Error('the embedding engine did not start; see the status badge');
    const store = await core.store();
    const job = new PreannotateJob({ core, source, progress: store.progress, modelId: info.modelId });
    const panel = new ToolsPanel(options.container, !options.open);
    const context = new ToolContext(core, source, await source.labelConfig());
    const tools = new ProjectTools(context, job, panel);
    // Asked of the outbox itself: the badge's last report may predate the writes just queued.
    panel.add(new PreannotateView(job, async () => ({ pending: await store.outbox.pending(), failed: (await store.outbox.failed()).length })));
    panel.add(new GalleryView(context));
    panel.add(new NeighboursView(context));
    panel.add(tools.map);
    // Label Studio keeps every prediction's and annotation's time; the demo's store does not.
    if (source.kind === 'label-studio') panel.add(new AgreementView(context));
    const stored = await job.stored();
    if (stored?.state === 'running') {
      // A run still marked "running" was cut off (reload, closed tab): carry on by itself.
      void job.run();
    } else if (stored && stored.done.length > 0) {
      // Earlier work: bring its embeddings back into the index (cache hits) for the tools.
      void source.listTasks().then((tasks) => context.restoreIndex(tasks, new Set(stored.done))).catch(() => {});
    }
    return tools;
  }

  remove(): void {
    this.job.pause();
    this.panel.remove();
  }
}
