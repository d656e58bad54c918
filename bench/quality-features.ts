/**
 * Feature vectors of a labelled dataset for the quality benchmark: each manifest model's
 * embeddings, and two baselines that use no network (raw grey pixels; a grey histogram with
 * size features).
 *
 * Embeddings come from onnxruntime-node fed by the engine's own preprocessing
 * (src/embedding/preprocess.ts, the code the browser worker runs) on the same model files the
 * browser downloads. Why not Chromium: the quality figures depend on the vectors, and those are
 * the same up to float rounding (e2e/engine.spec.ts holds the default model in Chromium's ORT web
 * to onnxruntime-node within 1e-4 on the same PNG pixels; measured 7e-6); Node needs no browser, so `--quality DIR` works for a lab on any machine,
 * and 480 images embed in seconds instead of minutes. What differs is the JPEG decoder (jpeg-js
 * here, libjpeg-turbo in Chromium): baseline JPEGs decode to within a grey level or so.
 *
 * Vectors are cached under `.bench/quality-cache/` (gitignored) by dataset fingerprint, model
 * sha256 and preprocessing, so reruns skip the embedding.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelEntry, PreprocessSpec } from '../src/embedding/manifest-types.ts';
import type { Pixels } from '../src/embedding/pixels.ts';
import { preprocess, toUnitRgb } from '../src/embedding/preprocess.ts';
import { resizeBilinear } from '../src/embedding/resize.ts';
import { ROOT } from './common.ts';
import { decodeDatasetImage, type Dataset } from './quality-dataset.ts';

/** n feature vectors of width d, row-major. */
export interface FeatureSet {
  name: string;
  d: number;
  rows: Float32Array[];
}

const CACHE_DIR = join(ROOT, '.bench', 'quality-cache');

function cachePath(dataset: Dataset, key: string): string {
  return join(CACHE_DIR, dataset.fingerprint, `${key.replace(/[^A-Za-z0-9._-]/g, '_')}.f32`);
}

function readCache(path: string, n: number): Float32Array[] | null {
  if (!existsSync(path)) return null;
  const buf = readFileSync(path);
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  if (all.length % n !== 0) return null;
  const d = all.length / n;
  return Array.from({ length: n }, (_, i) => all.slice(i * d, (i + 1) * d));
}

function writeCache(path: string, rows: Float32Array[]): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const d = rows[0].length;
  const all = new Float32Array(rows.length * d);
  rows.forEach((r, i) => all.set(r, i * d));
  writeFileSync(path, new Uint8Array(all.buffer));
}

/** The image centred on a white square of side max(w, h) ("pad to square on white"). */
export function padToSquareWhite(p: Pixels): Pixels {
  const side = Math.max(p.width, p.height);
  if (p.width === side && p.height === side) return p;
  const c = p.channels;
  const white = p.bitDepth === 16 ? 65535 : 255;
  const data = p.bitDepth === 16 ? new Uint16Array(side * side * c) : new Uint8Array(side * side * c);
  data.fill(white);
  const x0 = Math.floor((side - p.width) / 2);
  const y0 = Math.floor((side - p.height) / 2);
  for (let y = 0; y < p.height; y++) {
    const from = y * p.width * c;
    data.set(p.data.subarray(from, from + p.width * c), ((y0 + y) * side + x0) * c);
  }
  return { ...p, width: side, height: side, data };
}

/** How the images reach the model: as the manifest says, or padded to a square first. */
export type FitVariant = 'manifest' | 'pad-white';

/**
 * Embeddings of every image with one manifest model (onnxruntime-node, 1 thread, batch 1).
 * `modelPath` must hold the file the entry's sha256 names (checked by the caller).
 */
export async function modelFeatures(dataset: Dataset, entry: ModelEntry, modelPath: string, variant: FitVariant = 'manifest'): Promise<FeatureSet> {
  const name = variant === 'manifest' ? entry.id : `${entry.id} (${variant})`;
  const path = cachePath(dataset, `${entry.id}-${entry.sha256.slice(0, 12)}-${JSON.stringify(entry.preprocess)}-${variant}`);
  const cached = readCache(path, dataset.images.length);
  if (cached && cached[0].length === entry.embeddingSize) return { name, d: entry.embeddingSize, rows: cached };
  const session = await ort.InferenceSession.create(readFileSync(modelPath), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const rows: Float32Array[] = [];
  try {
    for (const img of dataset.images) {
      let pixels = await decodeDatasetImage(dataset.dir, img.file);
      if (variant === 'pad-white') pixels = padToSquareWhite(pixels);
      const t = preprocess(pixels, entry.preprocess as PreprocessSpec);
      const out = await session.run({ [entry.inputName]: new ort.Tensor('float32', t.data, [1, 3, t.height, t.width]) });
      rows.push(Float32Array.from(out[entry.outputName].data as Float32Array));
    }
  } finally {
    await session.release();
  }
  writeCache(path, rows);
  return { name, d: entry.embeddingSize, rows };
}

/** Mean of the three planes of a CHW 0..1 image: grey values. */
function grey(chw: Float32Array, n: number): Float32Array {
  const g = new Float32Array(n);
  for (let i = 0; i < n; i++) g[i] = (chw[i] + chw[n + i] + chw[2 * n + i]) / 3;
  return g;
}

/** Baseline 1: the image stretched to 32 x 32, grey values (1024-d). */
export async function rawPixelFeatures(dataset: Dataset): Promise<FeatureSet> {
  const rows: Float32Array[] = [];
  for (const img of dataset.images) {
    const p = await decodeDatasetImage(dataset.dir, img.file);
    const unit = toUnitRgb(p, 'max');
    const small = resizeBilinear(unit, p.width, p.height, 3, 32, 32, { x0: 0, y0: 0, x1: p.width, y1: p.height });
    rows.push(grey(small, 32 * 32));
  }
  return { name: 'baseline: raw 32x32 grey pixels', d: 1024, rows };
}

const HIST_BINS = 16;
/** Pixels darker than this (0..1) count as the object: the crops are dark objects on light ground. */
const OBJECT_THRESHOLD = 0.75;

/**
 * Baseline 2: a 16-bin grey histogram plus size and shape numbers (log width, log height, log
 * area, aspect, object fraction, log object area, mean and std of grey, mean grey of the object).
 */
export async function histogramFeatures(dataset: Dataset): Promise<FeatureSet> {
  const rows: Float32Array[] = [];
  for (const img of dataset.images) {
    const p = await decodeDatasetImage(dataset.dir, img.file);
    const n = p.width * p.height;
    const g = grey(toUnitRgb(p, 'max'), n);
    const v = new Float32Array(HIST_BINS + 9);
    let sum = 0;
    let sq = 0;
    let object = 0;
    let objectSum = 0;
    for (const x of g) {
      v[Math.min(HIST_BINS - 1, Math.floor(x * HIST_BINS))] += 1 / n;
      sum += x;
      sq += x * x;
      if (x < OBJECT_THRESHOLD) {
        object++;
        objectSum += x;
      }
    }
    const m = sum / n;
    v.set(
      [
        Math.log(p.width),
        Math.log(p.height),
        Math.log(n),
        Math.max(p.width, p.height) / Math.min(p.width, p.height),
        object / n,
        Math.log(1 + object),
        m,
        Math.sqrt(Math.max(0, sq / n - m * m)),
        object ? objectSum / object : 1,
      ],
      HIST_BINS,
    );
    rows.push(v);
  }
  return { name: 'baseline: grey histogram + size features', d: HIST_BINS + 9, rows };
}
