/**
 * Project tools for a Label Studio project: a REST source with the page's session (or the
 * `apiToken` option), the outbox sending with Label Studio's credentials and asking the server
 * before each write (idempotent-writes.ts), predictions to `/api/predictions/` or, when the page
 * cannot write there, to the shim's relay; and the learner following the team's annotations.
 */
import { idempotentLabelStudioWrites } from '../labelstudio/idempotent-writes.ts';
import { LabelStudioClient } from '../labelstudio/rest-client.ts';
import type { CytoMl } from '../plugin/cyto-ml.ts';
import { makeAuthFetch, readCookie } from '../labelstudio/credentials.ts';
import { choosePredictionTarget, LabelStudioSource } from './label-studio-source.ts';

export interface LabelStudioToolsOptions {
  projectId: number;
  /** Show a task; default: Label Studio's Data Manager URL with `?task=<id>`. */
  navigate?: (taskId: number) => void;
}

/** Label Studio's absolute base URL from the options ('' = this page's origin). */
export function labelStudioBase(option: string): string {
  return new URL(option || '/', location.href).href;
}

export async function labelStudioSource(core: CytoMl, o: LabelStudioToolsOptions): Promise<LabelStudioSource> {
  const { apiToken, shimUrl } = core.options;
  const baseUrl = labelStudioBase(core.options.labelStudioUrl);
  const client = new LabelStudioClient({
    baseUrl: baseUrl.replace(/\/$/, ''),
    auth: apiToken ? { kind: 'token', token: apiToken } : { kind: 'session' },
  });
  core.useLabelStudio({ client, projectId: o.projectId });
  core.setOutboxFetch(idempotentLabelStudioWrites(makeAuthFetch({ labelStudioBase: baseUrl, apiToken }), baseUrl));
  const store = await core.store();
  return new LabelStudioSource({
    client,
    projectId: o.projectId,
    baseUrl,
    outbox: store.outbox,
    target: choosePredictionTarget({ apiToken, csrfCookie: readCookie(document.cookie, 'csrftoken') !== null, shimUrl }),
    shimUrl,
    flush: () => core.flushOutbox(),
    ...(o.navigate ? { navigate: o.navigate } : {}),
  });
}
