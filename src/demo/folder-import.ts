/**
 * "Open folder": images from disk become tasks of a local project, kept in IndexedDB with
 * their files so they survive reloads. TIFFs are converted to PNG for display (the editor's
 * <img> cannot show TIFF); 16-bit images are scaled by their own maximum first, as the
 * reference does, so what is embedded is what the person sees.
 */
import { decodeImage } from '../embedding/decode-image.ts';
import { sniffFormat } from '../embedding/sniff-format.ts';
import { toUnitRgb } from '../embedding/preprocess.ts';
import type { LabelStudioTask } from '../labelstudio/types.ts';
import type { AnnotatorTaskInput } from '../store/annotator-store.ts';

export const FOLDER_PROJECT = 'demo-folder';
const IMAGE_NAME = /\.(png|jpe?g|tiff?|webp|gif|bmp)$/i;

async function tiffToPng(bytes: ArrayBuffer): Promise<Blob> {
  const pixels = await decodeImage(bytes);
  const planar = toUnitRgb(pixels, 'max');
  const { width, height } = pixels;
  const rgba = new Uint8ClampedArray(width * height * 4);
  const plane = width * height;
  for (let i = 0; i < plane; i++) {
    rgba[i * 4] = planar[i] * 255;
    rgba[i * 4 + 1] = planar[plane + i] * 255;
    rgba[i * 4 + 2] = planar[2 * plane + i] * 255;
    rgba[i * 4 + 3] = 255;
  }
  const canvas = new OffscreenCanvas(width, height);
  canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
  return canvas.convertToBlob({ type: 'image/png' });
}

/** Tasks for the image files among `files` (others are skipped and counted). */
export async function tasksFromFiles(files: readonly File[], firstId = 1): Promise<{ inputs: AnnotatorTaskInput[]; skipped: string[] }> {
  const inputs: AnnotatorTaskInput[] = [];
  const skipped: string[] = [];
  let id = firstId;
  const sorted = [...files].sort((a, b) => a.name.localeCompare(b.name));
  for (const file of sorted) {
    if (!IMAGE_NAME.test(file.name)) continue;
    try {
      const bytes = await file.arrayBuffer();
      const format = sniffFormat(new Uint8Array(bytes, 0, Math.min(64, bytes.byteLength)));
      if (!format) {
        skipped.push(`${file.name}: not an image`);
        continue;
      }
      const image = format === 'tiff' ? await tiffToPng(bytes) : new Blob([bytes], { type: file.type || `image/${format}` });
      const task: LabelStudioTask = { id: id++, data: { image: '', file: file.webkitRelativePath || file.name } };
      inputs.push({ task, image });
    } catch (error) {
      skipped.push(`${file.name}: ${(error as Error).message}`);
    }
  }
  return { inputs, skipped };
}
