/**
 * The plugin bundle's entry (`dist/plugin/cyto-ml.js`). It defines `window.cytoML` and, when
 * its script tag says `data-host="community"` (what the shim's proxy injects), starts
 * following Label Studio Community's editor by itself.
 *
 * - Enterprise Plugins field: `await LSI.import('<url>/cyto-ml.js'); await cytoML.enterprise(LSI);`
 * - Community: `<script src="<url>/cyto-ml.js" data-host="community" defer></script>`
 * - Own editor: `cytoML.attach(new LabelStudio(...), {upcoming: () => [...]})`
 */
import { Badge } from './badge.ts';
import { CytoMl } from './cyto-ml.ts';
import { watchCommunity } from './hosts/community.ts';
import { runEnterprise, type LsiLike } from './hosts/enterprise.ts';
import { attachStandalone, type AttachOptions, type Attachment, type LabelStudioLike } from './hosts/standalone.ts';
import { optionsFromDataset, resolveOptions, type Options } from './options.ts';
import { scriptBase, scriptDataset } from './script-base.ts';
import { projectFromLocation } from './hosts/task-context.ts';
import { labelStudioSource } from '../project-tools/label-studio-tools.ts';
import { ProjectTools } from '../project-tools/project-tools.ts';
import type { ProjectSource } from '../project-tools/project-source.ts';
import type { PluginStatus } from './status.ts';

export type { Options } from './options.ts';
export type { PluginStatus } from './status.ts';
export type { ProjectSource } from '../project-tools/project-source.ts';

/** What `projectTools` needs: a source, or a Label Studio project id (default: from the page URL). */
export interface ProjectToolsRequest {
  source?: ProjectSource;
  projectId?: number;
  /** Start with the panel open. */
  open?: boolean;
  plugin?: Partial<Options>;
}

const VERSION = '0.1.0';

let core: CytoMl | undefined;

/**
 * The one plugin instance of this page, created on first use with: defaults, then
 * `window.CYTO_ML_OPTIONS`, then the script tag's data-* attributes, then `overrides`.
 */
function instance(overrides?: Partial<Options>): CytoMl {
  if (!core) {
    const globals = (globalThis as { CYTO_ML_OPTIONS?: Partial<Options> }).CYTO_ML_OPTIONS;
    const options = resolveOptions(globals, optionsFromDataset(scriptDataset()), overrides);
    core = new CytoMl(options, scriptBase());
    if (options.badge && typeof document !== 'undefined') {
      const badge = new Badge();
      core.status.subscribe((s) => badge.render(s));
    }
    void core.start();
  }
  return core;
}

export interface CytoMlApi {
  version: string;
  /** Follow an editor created with `new LabelStudio(...)`. */
  attach(ls: LabelStudioLike, options?: AttachOptions & { plugin?: Partial<Options> }): Attachment;
  /** For Label Studio Enterprise's Plugins field: handle the annotation `LSI` describes. */
  enterprise(lsi: LsiLike, options?: Partial<Options>): Promise<void>;
  /** Follow Label Studio Community's editor on this page (started automatically with data-host="community"). */
  community(options?: Partial<Options>): { stop(): void };
  /** Backend, model, cache hits/misses, last suggestion, timings, errors. */
  status(): PluginStatus;
  /** The plugin core (advanced use: bulk tools, benchmarks). */
  core(options?: Partial<Options>): CytoMl;
  /** The project tools panel (pre-annotate, clusters, neighbours, map, checked); one per page. */
  projectTools(request?: ProjectToolsRequest): Promise<ProjectTools>;
}

let tools: Promise<ProjectTools> | undefined;

async function createTools(request: ProjectToolsRequest): Promise<ProjectTools> {
  const core = instance(request.plugin);
  let source = request.source;
  if (!source) {
    const projectId = request.projectId ?? Number(projectFromLocation());
    if (!Number.isInteger(projectId)) throw new Error('cytoML.projectTools: no Label Studio project id (give projectId, or open a project page)');
    source = await labelStudioSource(core, { projectId });
  }
  return ProjectTools.create({ core, source, ...(request.open !== undefined ? { open: request.open } : {}) });
}

const api: CytoMlApi = {
  version: VERSION,
  attach: (ls, options = {}) => attachStandalone(instance(options.plugin), ls, options),
  enterprise: (lsi, options) => runEnterprise(instance(options), lsi),
  community: (options) => watchCommunity(instance(options)),
  status: () => instance().status.snapshot(),
  core: (options) => instance(options),
  projectTools: (request = {}) => {
    if (tools) return tools;
    const created = createTools(request);
    tools = created;
    created.catch(() => { if (tools === created) tools = undefined; });
    return created;
  },
};

declare global {
  interface Window {
    cytoML: CytoMlApi;
  }
}

// Label Studio 1.12 loads some pages asynchronously and runs their scripts again as new tags
// carrying only `src` and `data-replaced="true"` (its AsyncPage): this bundle then runs a second
// time on the same page, without its data-* options. The first instance keeps the page: a
// second one would start a plugin with default options (wrong model URL) beside the running one.
const alreadyRunning = typeof window !== 'undefined' && (window as { cytoML?: CytoMlApi }).cytoML?.version !== undefined;

if (typeof window !== 'undefined' && !alreadyRunning) {
  window.cytoML = api;
  if (scriptDataset().host === 'community') {
    // On a project page, the tools panel too (pre-annotate the project from the browser); it
    // follows the page's project: a new one for each project the person opens by clicks, none
    // off project pages, so no project's tools (or their running job) show in another.
    let toolsProject: string | undefined;
    const followTools = (project: string | undefined) => {
      const core = instance();
      if (!core.options.tools || project === toolsProject) return;
      toolsProject = project;
      const previous = tools;
      tools = undefined;
      previous?.then((t) => t.remove(), () => {});
      if (project === undefined || !/^\d+$/.test(project)) return;
      api.projectTools({ projectId: Number(project) }).then((t) => {
        if (toolsProject !== project) t.remove(); // the person moved on while it started
      }, (error) => core.status.update({ lastError: { code: 'tools', message: (error as Error).message } }));
    };
    const start = () => {
      watchCommunity(instance(), { onProject: followTools });
    };
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start, { once: true });
    else start();
  }
}

export default api;
