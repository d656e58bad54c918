/**
 * Shape primitives as signed distance functions (negative inside, in pixels) and one routine
 * that paints any of them with a per-pixel shader and 1-pixel anti-aliasing.
 */
import type { Raster, Rgb } from './raster.ts';

/** Signed distance in pixels from (x, y) to a shape's outline; negative inside. */
export type Sdf = (x: number, y: number) => number;

/** Colour and opacity of a pixel of a shape, given its signed distance `d` (≤ 0.5 inside). */
export type Shader = (x: number, y: number, d: number) => { color: Rgb; alpha: number } | null;

/** Axis-aligned box `[x0, y0, x1, y1]` (pixel bounds, inclusive-exclusive). */
export type Box = readonly [number, number, number, number];

/**
 * Paint a shape: every pixel of `box` whose centre is within half a pixel of the shape gets
 * the shader's colour, with coverage-weighted opacity so edges are smooth.
 */
export function paint(raster: Raster, box: Box, sdf: Sdf, shader: Shader): void {
  const x0 = Math.max(0, Math.floor(box[0]));
  const y0 = Math.max(0, Math.floor(box[1]));
  const x1 = Math.min(raster.width, Math.ceil(box[2]));
  const y1 = Math.min(raster.height, Math.ceil(box[3]));
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const px = x + 0.5;
      const py = y + 0.5;
      const d = sdf(px, py);
      if (d >= 0.5) continue;
      const coverage = d <= -0.5 ? 1 : 0.5 - d;
      const shade = shader(px, py, d);
      if (shade) raster.blend(x, y, shade.color, shade.alpha * coverage);
    }
  }
}

/** A rotated ellipse centred at (cx, cy) with semi-axes rx, ry and rotation `angle` (radians). */
export function ellipseSdf(cx: number, cy: number, rx: number, ry: number, angle = 0): Sdf {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const rMin = Math.min(rx, ry);
  return (x, y) => {
    const dx = x - cx;
    const dy = y - cy;
    const u = (dx * cos + dy * sin) / rx;
    const v = (-dx * sin + dy * cos) / ry;
    // Scaling the normalised radius by the short semi-axis is exact for circles and close
    // enough near the outline of the mild ellipses drawn here.
    return (Math.sqrt(u * u + v * v) - 1) * rMin;
  };
}

/** Bounding box of a shape of radius `r` around (cx, cy), padded by `pad`. */
export function boxAround(cx: number, cy: number, r: number, pad = 2): Box {
  return [cx - r - pad, cy - r - pad, cx + r + pad, cy + r + pad];
}

/**
 * A tapered segment from (ax, ay) with half-width `wa` to (bx, by) with half-width `wb`
 * (a spine, a seta, a rod).
 */
export function taperedSegmentSdf(ax: number, ay: number, bx: number, by: number, wa: number, wb: number): Sdf {
  const ex = bx - ax;
  const ey = by - ay;
  const len2 = ex * ex + ey * ey || 1;
  return (x, y) => {
    const t = Math.max(0, Math.min(1, ((x - ax) * ex + (y - ay) * ey) / len2));
    const qx = ax + ex * t - x;
    const qy = ay + ey * t - y;
    return Math.sqrt(qx * qx + qy * qy) - (wa + (wb - wa) * t);
  };
}

/**
 * A star-shaped outline in polar form: radius `radius(theta)` around (cx, cy). Distance is
 * measured radially, which is what makes lumpy blobs cheap; it is exact enough for AA.
 */
export function polarSdf(cx: number, cy: number, radius: (theta: number) => number): Sdf {
  return (x, y) => {
    const dx = x - cx;
    const dy = y - cy;
    return Math.sqrt(dx * dx + dy * dy) - radius(Math.atan2(dy, dx));
  };
}

/** Union of several shapes (the nearest outline wins). */
export function unionSdf(shapes: readonly Sdf[]): Sdf {
  return (x, y) => {
    let d = Infinity;
    for (const s of shapes) {
      const v = s(x, y);
      if (v < d) d = v;
    }
    return d;
  };
}

/** A flat shader: one colour, one opacity. */
export function flat(color: Rgb, alpha: number): Shader {
  const shade = { color, alpha };
  return () => shade;
}
