/**
 * The embedded tasks of a project in the learner's feature space, in one packed matrix: what
 * the neighbours, the gallery and the map compute on. Rebuilt only when the index grew or the
 * clusters were refitted (the learner's model_version changed).
 *
 * Cost: one scaling per task (O(d)) and one nearest-centre search (O(k d)); 50,000 x 512-d
 * with k = 6 is about 0.2 G multiply-adds, under a second on the main thread.
 */
import { normalise } from '../cluster/knn-head.ts';
import type { IndexedTask, TaskIndex } from './task-index.ts';

/** The learner operations the table needs (LearningSession has them). */
export interface FeatureSpace {
  readonly modelVersion: string;
  features(embedding: Float32Array): Float32Array;
  locate(embedding: Float32Array): { cluster: number; distance: number };
}

export interface FeatureTable {
  /** Row i is task ids[i]. */
  ids: number[];
  urls: string[];
  /** n x dim, row-major, every row unit length (cosine similarity = dot product). */
  features: Float32Array;
  dim: number;
  /** Cluster of each row (-1 before a fit). */
  clusters: Int32Array;
  /** Squared distance of each row to its cluster's centre. */
  distances: Float32Array;
  /** Row of a task id. */
  rowOf: Map<number, number>;
}

/** Unit-length copy (a zero vector stays zero): the kNN head's normalisation. */
export const unit = normalise;

export function buildFeatureTable(entries: readonly IndexedTask[], space: FeatureSpace): FeatureTable {
  const n = entries.length;
  const dim = n > 0 ? entries[0].vector.length : 0;
  const features = new Float32Array(n * dim);
  const clusters = new Int32Array(n);
  const distances = new Float32Array(n);
  const rowOf = new Map<number, number>();
  entries.forEach((entry, i) => {
    features.set(unit(space.features(entry.vector)), i * dim);
    const { cluster, distance } = space.locate(entry.vector);
    clusters[i] = cluster;
    distances[i] = distance;
    rowOf.set(entry.taskId, i);
  });
  return { ids: entries.map((e) => e.taskId), urls: entries.map((e) => e.url), features, dim, clusters, distances, rowOf };
}

/** Caches the table per (index version, model version). */
export class FeatureTableCache {
  private key = '';
  private table: FeatureTable | undefined;

  get(index: TaskIndex, space: FeatureSpace): FeatureTable {
    const key = `${index.version}\u0000${space.modelVersion}`;
    if (!this.table || key !== this.key) {
      this.table = buildFeatureTable(index.all(), space);
      this.key = key;
    }
    return this.table;
  }
}
