/**
 * Task thumbnails for the project tools (gallery, neighbours, map hover). Browsers draw JPEG,
 * PNG, WebP, BMP and GIF in an `<img>`, but not TIFF (FlowCam and other cytometers write 16-bit
 * TIFF): those are drawn on a `<canvas>` from pixels the embedding worker decodes with the
 * embeddings' own decoder (`EmbeddingClient.thumbnail`). An `<img>` that fails to load is
 * retried the same way (a TIFF served without a .tif name).
 */

/** Longest side of a decoded thumbnail (the views show them at 64-72 CSS px). */
export const THUMB_SIDE = 96;

/** Decodes an image URL to small RGBA (the worker's `thumbnail`). */
export type ThumbnailDecoder = (url: string, maxSide: number) => Promise<{ width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> }>;

function looksLikeTiff(url: string): boolean {
  try {
    return /\.tiff?$/i.test(new URL(url, globalThis.location?.href).pathname);
  } catch {
    return false;
  }
}

function decodedThumbnail(url: string, alt: string, decode: ThumbnailDecoder): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', alt);
  canvas.dataset.src = url;
  decode(url, THUMB_SIDE).then(({ width, height, rgba }) => {
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d')!.putImageData(new ImageData(rgba, width, height), 0, 0);
    canvas.dataset.decoded = 'true';
  }, (error: unknown) => {
    canvas.dataset.decoded = 'false';
    canvas.title = `cannot show this image: ${(error as Error)?.message ?? String(error)}`;
  });
  return canvas;
}

/** A thumbnail of the image at `url`: an `<img>`, or a `<canvas>` of decoded pixels for TIFF. */
export function thumbnail(url: string, alt: string, decode: ThumbnailDecoder): HTMLElement {
  if (looksLikeTiff(url)) return decodedThumbnail(url, alt, decode);
  const img = document.createElement('img');
  img.alt = alt;
  img.loading = 'lazy';
  img.onerror = () => {
    if (img.isConnected) img.replaceWith(decodedThumbnail(url, alt, decode));
  };
  img.src = url;
  return img;
}
