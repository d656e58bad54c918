/**
 * Wires the project tools together for one project source: the panel, the pre-annotation job
 * (resumed by itself when a run was interrupted by a reload or a closed lid), and the views.
 * Created by `cytoML.projectTools(...)` inside Label Studio, and by the demo for its local
 * project or a Label Studio project it was pointed at.
 */
import type { CytoMl } from '../cyto-ml.ts';
import { PreannotateJob } from './preannotate-job.ts';
import { PreannotateView } from './preannotate-view.ts';
import type { ProjectSource } from './project-source.ts';
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

  private constructor(readonly core: CytoMl, readonly source: ProjectSource, readonly job: PreannotateJob, panel: ToolsPanel) {
    this.panel = panel;
  }

  /** Start the engine, build the panel; resolves once the tools are usable. */
  static async create(options: ProjectToolsOptions): Promise<ProjectTools> {
    const { core, source } = options;
    const info = await core.start();
    if (!info) throw new Error('the embedding engine did not start; see the status badge');
    const store = await core.store();
    const job = new PreannotateJob({ core, source, progress: store.progress, modelId: info.modelId });
    const panel = new ToolsPanel(options.container, !options.open);
    const tools = new ProjectTools(core, source, job, panel);
    panel.add(new PreannotateView(job, async () => core.status.current.relay ?? { pending: 0, failed: 0 }));
    const stored = await job.stored();
    // A run still marked "running" was cut off (reload, closed tab): carry on by itself.
    if (stored?.state === 'running') void job.run();
    return tools;
  }

  remove(): void {
    this.job.pause();
    this.panel.remove();
  }
}
