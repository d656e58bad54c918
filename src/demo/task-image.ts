/**
 * The editor's task image, made easy to judge: marks Label Studio's <img> (`data-task-image`) so
 * the demo's stylesheet can size it to its column, and flags it `data-upscaled="true"` when it is
 * shown larger than its own pixels (a 35x85 FlowCam crop), which the stylesheet draws with crisp
 * pixels (`image-rendering: pixelated`) instead of a blur. Downscaled photos keep smooth scaling.
 */

/** The editor's image element(s): Label Studio 1.4 draws the task image as a plain <img> in the annotation view. */
const TASK_IMAGE = '.lsf-main-view__annotation img:not(.lsf-userpic__avatar)';

function flag(img: HTMLImageElement): void {
  if (!img.naturalWidth || !img.clientWidth) return;
  img.dataset.upscaled = String(img.clientWidth > img.naturalWidth || img.clientHeight > img.naturalHeight);
}

/** Watch `root` (the editor's mount) for its task image; returns a function that stops watching. */
export function watchTaskImage(root: HTMLElement): () => void {
  const mark = () => {
    for (const img of root.querySelectorAll<HTMLImageElement>(TASK_IMAGE)) {
      if (img.dataset.taskImage === undefined) {
        img.dataset.taskImage = '';
        img.addEventListener('load', () => flag(img));
      }
      flag(img);
    }
  };
  const observer = new MutationObserver(mark);
  observer.observe(root, { childList: true, subtree: true });
  const resize = new ResizeObserver(mark);
  resize.observe(root);
  mark();
  return () => {
    observer.disconnect();
    resize.disconnect();
  };
}
