/**
 * Loading and creating Label Studio's real editor (npm `@heartexlabs/label-studio@1.4.0`, the
 * last release on npm with a build). The UMD bundle and its CSS are served by Vite from
 * node_modules (copied into the build), never from a CDN: the demo must work offline.
 */
import editorCssUrl from '@heartexlabs/label-studio/build/static/css/main.css?url';
import editorJsUrl from '@heartexlabs/label-studio/build/static/js/main.js?url';
import type { LabelStudioTask } from '../labelstudio/types.ts';
import type { EditorStoreLike } from '../plugin/editor-adapter.ts';
import type { LabelStudioLike } from '../plugin/hosts/standalone.ts';

export interface EditorInstance extends LabelStudioLike {
  destroy(): void;
}

type LabelStudioConstructor = new (root: HTMLElement | string, options: Record<string, unknown>) => EditorInstance;

let loading: Promise<LabelStudioConstructor> | undefined;

/** Load the editor bundle once. */
export function loadEditor(): Promise<LabelStudioConstructor> {
  loading ??= new Promise((resolve, reject) => {
    const css = document.createElement('link');
    css.rel = 'stylesheet';
    css.href = editorCssUrl;
    document.head.appendChild(css);
    const script = document.createElement('script');
    script.src = editorJsUrl;
    script.onload = () => {
      const ctor = (window as unknown as { LabelStudio?: LabelStudioConstructor }).LabelStudio;
      if (ctor) resolve(ctor);
      else reject(new Error('the Label Studio editor bundle loaded but defined no window.LabelStudio'));
    };
    script.onerror = () => reject(new Error(`could not load the Label Studio editor from ${editorJsUrl}`));
    document.head.appendChild(script);
  });
  return loading;
}

export interface EditorCallbacks {
  onSubmit(annotation: { result: unknown[] }): void;
  onUpdate(annotation: { result: unknown[] }): void;
}

/**
 * The editor interfaces of a labelling stream, with the top bar's annotation/prediction list
 * (`annotations:tabs`, `predictions:tabs`) where suggestions appear as predictions.
 */
const INTERFACES = [
  'panel', 'update', 'submit', 'controls', 'infobar', 'topbar', 'side-column',
  'annotations:tabs', 'annotations:menu', 'annotations:current', 'annotations:add-new', 'annotations:delete',
  'predictions:tabs', 'predictions:menu',
];

/** Create an editor for one task (the editor is recreated for every task, as in Label Studio). */
export async function createEditor(
  root: HTMLElement, config: string, task: LabelStudioTask, callbacks: EditorCallbacks,
): Promise<EditorInstance> {
  const LabelStudio = await loadEditor();
  const serialise = (annotation: unknown) => {
    const a = annotation as { serializeAnnotation?: () => unknown[] };
    return { result: a.serializeAnnotation?.() ?? [] };
  };
  return new LabelStudio(root, {
    config,
    interfaces: INTERFACES,
    user: { pk: 1, firstName: 'Demo', lastName: 'Annotator' },
    task: { id: task.id, data: task.data, annotations: task.annotations ?? [], predictions: [] },
    onLabelStudioLoad(store: EditorStoreLike & { annotationStore: { addAnnotation(o: object): { id: string } } }) {
      // A fresh task gets an empty annotation to work in, as Label Studio's labelling stream does.
      if (store.annotationStore.annotations.length === 0) {
        const annotation = store.annotationStore.addAnnotation({ userGenerate: true });
        store.annotationStore.selectAnnotation(annotation.id);
      }
    },
    onSubmitAnnotation: (_store: unknown, annotation: unknown) => callbacks.onSubmit(serialise(annotation)),
    onUpdateAnnotation: (_store: unknown, annotation: unknown) => callbacks.onUpdate(serialise(annotation)),
  });
}
