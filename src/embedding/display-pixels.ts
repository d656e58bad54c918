/**
 * Decoded pixels → the 8-bit image a browser can display (the PNG that `npm run import` uploads
 * for a TIFF). It is the plugin's own preprocessing step 1 (`toUnitRgb`: 16-bit scaled by the
 * manifest's `highBitDepth` rule, alpha composited over white), quantised to 8 bits, so what the
 * annotator sees is what the model is fed, and a 16-bit flow-cytometer image is not shown black.
 *
 * Alpha is composited here rather than kept: a browser canvas stores premultiplied colour, so
 * RGBA decodes inexactly there, while an opaque image decodes to the same bytes in Node and in
 * Chromium, which keeps the imported embeddings equal to the browser's own.
 */
import type { HighBitDepthMode } from './manifest-types.ts';
import type { Pixels } from './pixels.ts';
import { toUnitRgb } from './preprocess.ts';

/** 8-bit opaque pixels: greyscale (1 channel) when the source was greyscale, else RGB. */
export interface DisplayPixels extends Pixels {
  channels: 1 | 3;
  bitDepth: 8;
  data: Uint8Array;
}

/** Converts any decoded image to 8-bit grey or RGB for display (see the module comment). */
export function toDisplayPixels(pixels: Pixels, highBitDepth: HighBitDepthMode = 'max'): DisplayPixels {
  const { width, height } = pixels;
  const n = width * height;
  if (pixels.bitDepth === 8 && (pixels.channels === 1 || pixels.channels === 3)) {
    // Already displayable: keep the exact samples.
    return { width, height, channels: pixels.channels, bitDepth: 8, data: Uint8Array.from(pixels.data) };
  }
  const planar = toUnitRgb(pixels, highBitDepth);
  const q = (v: number): number => Math.min(255, Math.max(0, Math.round(v * 255)));
  if (pixels.channels === 1) {
    const data = new Uint8Array(n);
    for (let i = 0; i < n; i++) data[i] = q(planar[i]);
    return { width, height, channels: 1, bitDepth: 8, data };
  }
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    data[3 * i] = q(planar[i]);
    data[3 * i + 1] = q(planar[n + i]);
    data[3 * i + 2] = q(planar[2 * n + i]);
  }
  return { width, height, channels: 3, bitDepth: 8, data };
}
