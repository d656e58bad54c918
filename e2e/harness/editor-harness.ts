/**
 * The real Label Studio editor with the plugin attached, for any config and task a test
 * gives (the demo itself always uses the seed config and its sample tasks).
 */
import { createEditor, type EditorInstance } from '../../src/demo/editor.ts';
import type { LabelStudioTask } from '../../src/labelstudio/types.ts';
import api from '../../src/plugin/index.ts';

let current: { editor: EditorInstance; detach(): void } | undefined;

/**
 * Show a task in a new editor. With `attach: false` the plugin is not attached: tests then
 * drive one of the other hosts (Enterprise LSI, Community watcher) against this real editor.
 */
async function open(config: string, task: LabelStudioTask, project = 'e2e-editor', attach = true): Promise<unknown> {
  current?.detach();
  current?.editor.destroy();
  const root = document.getElementById('editor')!;
  root.replaceChildren();
  const mount = document.createElement('div');
  root.appendChild(mount);
  const editor = await createEditor(mount, config, task, { onSubmit: () => {}, onUpdate: () => {} });
  if (!attach) {
    current = { editor, detach: () => {} };
    return null;
  }
  const attachment = api.attach(editor, { project });
  current = { editor, detach: attachment.detach };
  return attachment.ready.then((s) => (s ? { prediction: s.prediction } : null));
}

declare global {
  interface Window {
    editorHarness: { open: typeof open; ready: true };
  }
}

api.core({
  manifestUrl: new URL('../../test/models/manifest.json', location.href).href,
  runtimeUrl: new URL('../../', location.href).href,
  modelId: 'resnet-tiny-seeded',
  k: 2,
  // Tests that relay predictions pass the shim's URL in the page URL.
  shimUrl: new URLSearchParams(location.search).get('shim') ?? '',
  preselect: new URLSearchParams(location.search).get('preselect') === '1',
});
window.editorHarness = { open, ready: true };
