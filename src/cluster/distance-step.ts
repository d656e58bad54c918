/**
 * The assignment ("E") step of Lloyd's algorithm, behind one interface so that the plain
 * TypeScript and the tfjs implementations are interchangeable (see distance-backend.ts).
 */

/** Which implementation computes the distances. */
export type DistanceBackend = 'ts' | 'tfjs';

/**
 * Bound to one data matrix at creation (so a GPU backend uploads the data once per fit).
 * Call `dispose()` when the fit is done.
 */
export interface DistanceStep {
  readonly backend: DistanceBackend;
  /**
   * For every data row, write the index of the nearest of the `k` centres (row-major,
   * k x d) into `labels` and the squared Euclidean distance to it into `minDist`.
   * Ties go to the lowest centre index.
   */
  assign(centres: Float64Array, k: number, labels: Int32Array, minDist: Float64Array): void | Promise<void>;
  dispose(): void;
}
