/**
 * Reads a TensorFlow.js graph model as the `nsfwjs` npm package ships it (fetched by
 * nsfwjs-package.ts): the model JSON and the
 * weight shards wrapped in UMD `.min.js` files (the shards' bytes as a base64 string), weights
 * uint8-quantised (value = q * scale + min, per tensor).
 *
 * Only what a conversion needs: the graph's nodes and the weights, both as stored (the uint8
 * codes with their scale and min) and dequantised exactly as tfjs does (float64 arithmetic,
 * one rounding to float32: `io_utils.decodeWeights` in @tensorflow/tfjs-core).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/** One node of the GraphDef, as the tfjs converter writes it (attr values still raw). */
export interface TfjsNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfjsAttr>;
}

/** The attribute kinds this converter reads (tfjs writes protobuf JSON: ints as strings, strings base64). */
export interface TfjsAttr {
  list?: { i?: string[]; s?: string[] };
  s?: string;
  i?: string;
  b?: boolean;
  f?: number;
  type?: string;
}

/** A weight as stored: uint8 codes, per-tensor scale and min. */
export interface QuantisedWeight {
  name: string;
  shape: number[];
  codes: Uint8Array;
  scale: number;
  min: number;
}

export interface TfjsGraphModel {
  nodes: TfjsNode[];
  weights: Map<string, QuantisedWeight>;
  /** What the converter recorded, e.g. "TensorFlow.js Converter v1.7.4r1". */
  convertedBy: string;
}

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { min: number; scale: number; dtype: string };
}

interface ModelJson {
  format: string;
  convertedBy?: string;
  modelTopology: { node: TfjsNode[] };
  weightsManifest: { paths: string[]; weights: WeightSpec[] }[];
}

/**
 * Loads `<dir>/model.min.js` and its shards (`<path>.min.js`). The files are UMD bundles whose
 * CommonJS branch exports the JSON object / the base64 string, so `require` reads them without
 * evaluating anything else.
 * @throws when the model is not a uint8-quantised graph model (what this reader supports).
 */
export function readNsfwjsGraphModel(dir: string): TfjsGraphModel {
  const require = createRequire(import.meta.url);
  const json = require(join(dir, 'model.min.js')) as ModelJson;
  if (json.format !== 'graph-model') throw new Error(`${dir}: expected a tfjs graph-model, got format ${json.format}`);
  const weights = new Map<string, QuantisedWeight>();
  for (const group of json.weightsManifest) {
    const shards = group.paths.map((p) => Buffer.from(require(join(dir, `${p}.min.js`)) as string, 'base64'));
    const bytes = Buffer.concat(shards);
    let offset = 0;
    for (const spec of group.weights) {
      const q = spec.quantization;
      if (spec.dtype !== 'float32' || q?.dtype !== 'uint8') {
        throw new Error(`${dir}: weight ${spec.name} is ${spec.dtype}/${q?.dtype ?? 'unquantised'}; this reader handles uint8-quantised float32 only`);
      }
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const codes = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, count);
      weights.set(spec.name, { name: spec.name, shape: spec.shape, codes: Uint8Array.from(codes), scale: q.scale, min: q.min });
      offset += count;
    }
    if (offset !== bytes.length) throw new Error(`${dir}: shards hold ${bytes.length} bytes, the manifest describes ${offset}`);
  }
  return { nodes: json.modelTopology.node, weights, convertedBy: json.convertedBy ?? 'unknown' };
}

/** tfjs's dequantisation: q * scale + min in float64, stored as float32. */
export function dequantise(w: QuantisedWeight): Float32Array {
  const out = new Float32Array(w.codes.length);
  for (let i = 0; i < out.length; i++) out[i] = w.codes[i] * w.scale + w.min;
  return out;
}

/** Decodes a base64 string attribute (tfjs writes bytes fields as base64). */
export function attrString(a: TfjsAttr | undefined): string {
  return a?.s === undefined ? '' : Buffer.from(a.s, 'base64').toString('utf8');
}
