/**
 * Task thumbnails for the project tools (gallery, neighbours, map hover). Browsers draw JPEG,
 * PNG, WebP, BMP and GIF in an `<img>`, but not TIFF (FlowCam and other cytometers write 16-bit
 * TIFF): those are drawn on a `<canvas>` from pixels decoded by the plugin's own decoder
 * (src/embedding/decode-image.ts, geotiff), the same one the embedding worker uses. An `<img>`
 * that fails to load is retried the same way (a TIFF served without a .tif name).
 */
import type { Pixels } from '../embedding/pixels.ts';

/** Longest side of a decoded thumbnail (the views show them at 64-72 CSS px). */
const THUMB_SIDE = 96;

function looksLikeTiff(url: string): boolean {
  try {
    return /\.tiff?$/i.test(new URL(url, globalThis.location?.href).pathname);
  } catch {
    return false;
  }
}

/**
 * 8-bit RGBA of decoded pixels for a canvas: greyscale spread to RGB; 16-bit scaled by the
 * image's own maximum, so a dim 12-bit camera image is visible (as the models' `highBitDepth: max`).
 */
export function pixelsToRgba(pixels: Pixels): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, channels, data, bitDepth } = pixels;
  const n = width * height;
  let scale = 1;
  if (bitDepth === 16) {
    let max = 0;
    for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
    scale = max > 0 ? 255 / max : 0;
  }
  const out = new Uint8ClampedArray(n * 4);
  for (let p = 0; p < n; p++) {
    const s = p * channels;
    const r = data[s] * scale;
    out[4 * p] = r;
    out[4 * p + 1] = channels >= 3 ? data[s + 1] * scale : r;
    out[4 * p + 2] = channels >= 3 ? data[s + 2] * scale : r;
    out[4 * p + 3] = channels === 4 ? (bitDepth === 16 ? data[s + 3] * scale : data[s + 3]) : 255;
  }
  return out;
}

/** Fetch and decode `url` onto `canvas`, scaled to THUMB_SIDE; the canvas says why on failure. */
async function drawDecoded(canvas: HTMLCanvasElement, url: string): Promise<void> {
  try {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    // Loaded on first use: pages without TIFF tasks never load the TIFF decoder here.
    const { decodeImage } = await import('../embedding/decode-image.ts');
    const pixels = await decodeImage(await response.arrayBuffer(), { maxSide: THUMB_SIDE });
    const full = document.createElement('canvas');
    full.width = pixels.width;
    full.height = pixels.height;
    full.getContext('2d')!.putImageData(new ImageData(pixelsToRgba(pixels), pixels.width, pixels.height), 0, 0);
    const fit = Math.min(1, THUMB_SIDE / Math.max(pixels.width, pixels.height));
    canvas.width = Math.max(1, Math.round(pixels.width * fit));
    canvas.height = Math.max(1, Math.round(pixels.height * fit));
    const ctx = canvas.getContext('2d')!;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(full, 0, 0, canvas.width, canvas.height);
    canvas.dataset.decoded = 'true';
  } catch (error) {
    canvas.dataset.decoded = 'false';
    canvas.title = `cannot show this image: ${(error as Error).message}`;
  }
}

function decodedThumbnail(url: string, alt: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', alt);
  canvas.dataset.src = url;
  void drawDecoded(canvas, url);
  return canvas;
}

/** A thumbnail of the image at `url`: an `<img>`, or a `<canvas>` of decoded pixels for TIFF. */
export function thumbnail(url: string, alt: string): HTMLElement {
  if (looksLikeTiff(url)) return decodedThumbnail(url, alt);
  const img = document.createElement('img');
  img.alt = alt;
  img.loading = 'lazy';
  img.onerror = () => {
    if (img.isConnected) img.replaceWith(decodedThumbnail(url, alt));
  };
  img.src = url;
  return img;
}
