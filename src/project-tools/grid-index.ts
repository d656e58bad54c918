/**
 * Hit-testing for the map: screen points bucketed in a uniform grid of `cell`-pixel cells, so
 * finding the point under the mouse looks at the 3 x 3 cells around it instead of all n points
 * (50,000 points: a handful of comparisons per mouse move instead of 50,000).
 */
export class GridIndex {
  private readonly cols: number;
  private readonly rows: number;
  /** Point indices sorted by cell; `starts[c]..starts[c+1]` are cell c's (counting sort). */
  private readonly order: Int32Array;
  private readonly starts: Int32Array;

  /** @param xy screen coordinates, n x 2 row-major. */
  constructor(private readonly xy: Float32Array, width: number, height: number, private readonly cell = 8) {
    this.cols = Math.max(1, Math.ceil(width / cell));
    this.rows = Math.max(1, Math.ceil(height / cell));
    const n = xy.length / 2;
    const cellOf = new Int32Array(n);
    const counts = new Int32Array(this.cols * this.rows + 1);
    for (let i = 0; i < n; i++) {
      const c = this.cellAt(xy[2 * i], xy[2 * i + 1]);
      cellOf[i] = c;
      if (c >= 0) counts[c + 1]++;
    }
    for (let c = 0; c < this.cols * this.rows; c++) counts[c + 1] += counts[c];
    this.starts = counts;
    this.order = new Int32Array(counts[this.cols * this.rows]);
    const fill = counts.slice(0, -1);
    for (let i = 0; i < n; i++) if (cellOf[i] >= 0) this.order[fill[cellOf[i]]++] = i;
  }

  /** The point nearest (x, y) within `radius` pixels (at most one cell), or -1. */
  nearest(x: number, y: number, radius = this.cell): number {
    const cx = Math.floor(x / this.cell);
    const cy = Math.floor(y / this.cell);
    let best = -1;
    let bestD = radius * radius;
    for (let gy = cy - 1; gy <= cy + 1; gy++) {
      if (gy < 0 || gy >= this.rows) continue;
      for (let gx = cx - 1; gx <= cx + 1; gx++) {
        if (gx < 0 || gx >= this.cols) continue;
        const c = gy * this.cols + gx;
        for (let k = this.starts[c]; k < this.starts[c + 1]; k++) {
          const i = this.order[k];
          const dx = this.xy[2 * i] - x;
          const dy = this.xy[2 * i + 1] - y;
          const d = dx * dx + dy * dy;
          if (d <= bestD) {
            bestD = d;
            best = i;
          }
        }
      }
    }
    return best;
  }

  private cellAt(x: number, y: number): number {
    const gx = Math.floor(x / this.cell);
    const gy = Math.floor(y / this.cell);
    if (gx < 0 || gy < 0 || gx >= this.cols || gy >= this.rows || !Number.isFinite(x) || !Number.isFinite(y)) return -1;
    return gy * this.cols + gx;
  }
}
