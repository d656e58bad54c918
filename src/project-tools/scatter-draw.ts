/**
 * Drawing many points fast: every point is written as a small square straight into one
 * ImageData buffer (one putImageData per frame), instead of a canvas path per point, which
 * costs ~1 µs+ each and makes 50,000 points stutter.
 */

/** Data coordinates (n x 2) → canvas pixels, fitted into the canvas with a margin; y up. */
export function toScreen(xy: Float32Array, width: number, height: number, margin = 8): Float32Array {
  const n = xy.length / 2;
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i], y = xy[2 * i + 1];
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  const spanX = maxX - minX || 1;
  const spanY = maxY - minY || 1;
  const scale = Math.min((width - 2 * margin) / spanX, (height - 2 * margin) / spanY);
  const offX = (width - spanX * scale) / 2;
  const offY = (height - spanY * scale) / 2;
  const out = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    out[2 * i] = offX + (xy[2 * i] - minX) * scale;
    out[2 * i + 1] = height - (offY + (xy[2 * i + 1] - minY) * scale);
  }
  return out;
}

/**
 * Write every point as a `size` x `size` square of its colour (0xRRGGBB) into `image`, over a
 * white background. Returns the number of points drawn (inside the canvas).
 */
export function drawPoints(image: ImageData, screen: Float32Array, colours: Uint32Array, size = 3): number {
  const { width, height, data } = image;
  // White background, 4 bytes at a time.
  new Uint32Array(data.buffer, data.byteOffset, width * height).fill(0xffffffff);
  const n = screen.length / 2;
  const half = Math.floor(size / 2);
  let drawn = 0;
  for (let i = 0; i < n; i++) {
    const cx = Math.round(screen[2 * i]);
    const cy = Math.round(screen[2 * i + 1]);
    if (!(cx >= 0 && cy >= 0 && cx < width && cy < height)) continue;
    drawn++;
    const c = colours[i];
    const r = (c >> 16) & 255, g = (c >> 8) & 255, b = c & 255;
    for (let y = Math.max(0, cy - half); y <= Math.min(height - 1, cy - half + size - 1); y++) {
      for (let x = Math.max(0, cx - half); x <= Math.min(width - 1, cx - half + size - 1); x++) {
        const p = (y * width + x) * 4;
        data[p] = r;
        data[p + 1] = g;
        data[p + 2] = b;
        data[p + 3] = 255;
      }
    }
  }
  return drawn;
}

/** 12 distinguishable colours (Tableau-like), then grey for "none". */
export const PALETTE: readonly number[] = Object.freeze([
  0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f, 0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0x17becf, 0x8c564b, 0x2ca02c,
]);
export const NO_COLOUR = 0xc8c8d0;

/** Colour of category `i` (-1 = none). */
export function categoryColour(i: number): number {
  return i < 0 ? NO_COLOUR : PALETTE[i % PALETTE.length];
}
