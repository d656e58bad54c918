/**
 * Everything the tfjs assignment step needs, as one module: tfjs-core with its cpu and webgl
 * backends (the parts of the `@tensorflow/tfjs` family this step uses; the umbrella package
 * would add layers, converter and data, ~0.9 MB of code nobody here calls) and the step itself.
 * Built into its own file (scripts/build/tfjs-distance-file.ts) that the k-means worker imports
 * only when a measurement says the tfjs path pays (distance-choice.ts): annotators whose fits
 * stay in TypeScript never download it.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';

export { tf };
export { createTfjsDistanceStep, useGpuBackend, GPU_BACKENDS } from './distance-tfjs.ts';
