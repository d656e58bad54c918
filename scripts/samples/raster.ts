/**
 * A float RGB raster (0..1 per channel) with "over" compositing, a small blur and 8-bit
 * output. Drawing in float and quantising once keeps soft translucent layers free of banding.
 */

/** RGB colour, each channel 0..1. */
export type Rgb = readonly [number, number, number];

/** A mutable float RGB image. */
export class Raster {
  readonly data: Float32Array;

  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.data = new Float32Array(width * height * 3);
  }

  /** Composite `color` over the pixel with opacity `alpha` (0..1). */
  blend(x: number, y: number, color: Rgb, alpha: number): void {
    if (alpha <= 0 || x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    const a = alpha >= 1 ? 1 : alpha;
    const i = (y * this.width + x) * 3;
    const d = this.data;
    d[i] += (color[0] - d[i]) * a;
    d[i + 1] += (color[1] - d[i + 1]) * a;
    d[i + 2] += (color[2] - d[i + 2]) * a;
  }

  /** Multiply the pixel by `factor` per channel (darkening without changing hue). */
  scale(x: number, y: number, factor: number): void {
    const i = (y * this.width + x) * 3;
    this.data[i] *= factor;
    this.data[i + 1] *= factor;
    this.data[i + 2] *= factor;
  }

  /** Mean of the three channels at a pixel. */
  luminance(x: number, y: number): number {
    const i = (y * this.width + x) * 3;
    return (this.data[i] + this.data[i + 1] + this.data[i + 2]) / 3;
  }

  /**
   * Separable [1 2 1]/4 blur, `passes` times: the optics of a flow cell never give perfectly
   * sharp edges, and hard edges would make the classes easier than real data.
   */
  blur(passes = 1): void {
    const { width: w, height: h } = this;
    const tmp = new Float32Array(this.data.length);
    for (let p = 0; p < passes; p++) {
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const l = Math.max(0, x - 1);
          const r = Math.min(w - 1, x + 1);
          for (let c = 0; c < 3; c++) {
            tmp[(y * w + x) * 3 + c] =
              (this.data[(y * w + l) * 3 + c] + 2 * this.data[(y * w + x) * 3 + c] + this.data[(y * w + r) * 3 + c]) / 4;
          }
        }
      }
      for (let y = 0; y < h; y++) {
        const u = Math.max(0, y - 1);
        const d = Math.min(h - 1, y + 1);
        for (let x = 0; x < w; x++) {
          for (let c = 0; c < 3; c++) {
            this.data[(y * w + x) * 3 + c] =
              (tmp[(u * w + x) * 3 + c] + 2 * tmp[(y * w + x) * 3 + c] + tmp[(d * w + x) * 3 + c]) / 4;
          }
        }
      }
    }
  }

  /** 8-bit interleaved RGB, clamped and rounded. */
  toRgb8(): Uint8Array {
    const out = new Uint8Array(this.data.length);
    for (let i = 0; i < this.data.length; i++) {
      const v = Math.round(this.data[i] * 255);
      out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    return out;
  }
}
