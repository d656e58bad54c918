/**
 * src/cluster public entry: k-means (in-thread and in a worker), scikit-learn import, and the
 * label learner. Everything here runs in a page, a worker or Node.
 */
export { fitKMeans, predictKMeans, KMEANS_DEFAULTS } from './kmeans.ts';
export type { KMeansOptions, KMeansProgress, KMeansResult, KMeansPrediction } from './kmeans.ts';
export { packRows, checkMatrix } from './matrix.ts';
export type { Matrix } from './matrix.ts';
export { createRng } from './rng.ts';
export type { Rng } from './rng.ts';
export { createDistanceStep, selectDistanceBackend, TFJS_MIN_WORK } from './distance-backend.ts';
export type { DistanceBackendChoice } from './distance-backend.ts';
export type { DistanceBackend, DistanceStep } from './distance-step.ts';
export { KMeansClient } from './kmeans-client.ts';
export type { WorkerLike } from './kmeans-client.ts';
export type { KMeansRequest, KMeansResponse, KMeansWireOptions, WireError } from './kmeans-protocol.ts';
export { parseSklearnKMeans, fittedStateFromSklearn } from './sklearn-import.ts';
export type { ImportedKMeans, SklearnKMeansJson } from './sklearn-import.ts';
export { Learner } from './learner.ts';
export { LEARNER_DEFAULTS } from './learner-options.ts';
export type { ChoicesControl, LearnerOptions, Suggestion, SuggestingHead } from './learner-options.ts';
export type { FittedState, ControlState, LabelledItem } from './fitted-state.ts';
export { benchKMeans } from './bench-kmeans.ts';
