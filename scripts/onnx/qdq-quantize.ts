/**
 * Post-training static quantization of a generated fp32 ResNet into ONNX "QDQ" form, which
 * onnxruntime (native and WASM) fuses into integer kernels (QLinearConv, QLinearAdd, uint8
 * MaxPool):
 *
 *  - weights: int8, symmetric, per output channel (DequantizeLinear axis 0, zero point 0);
 *  - conv biases: int32 with scale = input scale x weight scale of the channel (the integer
 *    accumulator's own scale, so QLinearConv adds them exactly);
 *  - activations: uint8, per tensor, scale and zero point from calibrated ranges
 *    (QuantizeLinear -> DequantizeLinear around every Conv/Add). uint8 because onnxruntime's
 *    integer GEMM (MLAS, also its WebAssembly SIMD kernel) takes an unsigned left-hand side;
 *    uint8 x int8 is the "U8S8" combination its documentation recommends for CNNs on CPU.
 *  - A ReLU right after a Conv or an Add is folded into the output quantization: its range is
 *    [0, max] with zero point 0, so QuantizeLinear's clamp at 0 *is* the ReLU.
 *  - MaxPool runs on uint8 (same scale and zero point in and out); the final global average
 *    pool and flatten run in float32 on the dequantized last block.
 *  - The network input (pixels in 0..1, `normalise: "unit"`) is quantized with scale 1/255 and
 *    zero point 0: 8-bit images lose nothing there.
 *
 * Determinism: only +, -, *, /, Math.floor/abs/max/min and Math.fround decide the bytes, and
 * the activation ranges come in as data (a committed calibration table), so the output is the
 * same on every machine.
 */
import type { OnnxModel, OnnxNode, OnnxTensor } from './onnx-graph.ts';
import { ONNX_FLOAT } from './onnx-graph.ts';

/** Observed range of one fp32 activation tensor (after rounding for the table). */
export interface ActivationRange {
  min: number;
  max: number;
}

/** fp32 tensor name -> range, for every name `calibrationTensors` lists. */
export type ActivationRanges = Readonly<Record<string, ActivationRange>>;

/** Largest magnitude of an int8 weight: symmetric [-127, 127] (-128 unused, as ORT's tool does). */
const INT8_MAX = 127;
const UINT8_MAX = 255;

/** Round half away from zero; exact for the doubles involved. */
function roundHalfAway(v: number): number {
  return v < 0 ? -Math.floor(-v + 0.5) : Math.floor(v + 0.5);
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

interface Consumers {
  byTensor: Map<string, OnnxNode[]>;
}

function consumersOf(nodes: readonly OnnxNode[]): Consumers {
  const byTensor = new Map<string, OnnxNode[]>();
  for (const n of nodes) {
    for (const i of n.inputs) {
      const list = byTensor.get(i) ?? [];
      list.push(n);
      byTensor.set(i, list);
    }
  }
  return { byTensor };
}

/** The Relu that alone consumes `tensor`, if any (then it folds into the producer's output). */
function foldableRelu(c: Consumers, tensor: string): OnnxNode | undefined {
  const list = c.byTensor.get(tensor) ?? [];
  return list.length === 1 && list[0].opType === 'Relu' ? list[0] : undefined;
}

/**
 * The fp32 tensors whose ranges the quantizer needs: each Conv's output, or the output of the
 * Relu that follows it; each Add's Relu output (or the Add's own output without one).
 */
export function calibrationTensors(model: OnnxModel): string[] {
  const c = consumersOf(model.graph.nodes);
  const names: string[] = [];
  for (const n of model.graph.nodes) {
    if (n.opType !== 'Conv' && n.opType !== 'Add') continue;
    const relu = foldableRelu(c, n.outputs[0]);
    names.push(relu ? relu.outputs[0] : n.outputs[0]);
  }
  return names;
}

/** The same model with `names` also exposed as graph outputs (float32, shape unspecified). */
export function withIntermediateOutputs(model: OnnxModel, names: readonly string[]): OnnxModel {
  return {
    ...model,
    graph: {
      ...model.graph,
      outputs: [...model.graph.outputs, ...names.map((name) => ({ name, elemType: ONNX_FLOAT as typeof ONNX_FLOAT }))],
    },
  };
}

/** uint8 activation parameters: scale (float32 value) and zero point. */
interface ActParams {
  scale: number;
  zeroPoint: number;
  /** Initializer names holding them. */
  scaleName: string;
  zeroPointName: string;
}

/** Asymmetric uint8 parameters covering [min, max] (always including 0, so 0 is exact). */
export function uint8Params(range: ActivationRange): { scale: number; zeroPoint: number } {
  const lo = Math.min(range.min, 0);
  const hi = Math.max(range.max, 0);
  if (!(hi > lo)) throw new Error(`empty activation range [${range.min}, ${range.max}]`);
  const scale = Math.fround((hi - lo) / UINT8_MAX);
  const zeroPoint = clamp(roundHalfAway(-lo / scale), 0, UINT8_MAX);
  return { scale, zeroPoint };
}

/**
 * Symmetric per-output-channel int8 quantization of a conv weight [outC, ...]: scale_c =
 * max|w_c| / 127 (as float32), q = round(w / scale_c) clamped to [-127, 127].
 */
export function quantizeWeightPerChannel(w: Float32Array, outC: number): { q: Int8Array; scales: Float32Array } {
  const per = w.length / outC;
  const q = new Int8Array(w.length);
  const scales = new Float32Array(outC);
  for (let c = 0; c < outC; c++) {
    let absMax = 0;
    for (let i = c * per; i < (c + 1) * per; i++) absMax = Math.max(absMax, Math.abs(w[i]));
    const s = absMax > 0 ? Math.fround(absMax / INT8_MAX) : 1;
    scales[c] = s;
    for (let i = c * per; i < (c + 1) * per; i++) q[i] = clamp(roundHalfAway(w[i] / s), -INT8_MAX, INT8_MAX);
  }
  return { q, scales };
}

/**
 * Rewrites an fp32 model from `buildResNet` (Conv, Relu, Add, MaxPool, GlobalAveragePool,
 * Flatten) into QDQ form with the given activation ranges. Pure and deterministic.
 */
export function quantizeQdq(
  model: OnnxModel,
  ranges: ActivationRanges,
  options: { docString?: string; metadata?: readonly { key: string; value: string }[] } = {},
): OnnxModel {
  const { graph } = model;
  const weights = new Map(graph.initializers.map((t) => [t.name, t]));
  const c = consumersOf(graph.nodes);
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  /** fp32 tensor name -> its uint8 form (`<name>.q`) and parameters. */
  const quantized = new Map<string, ActParams & { q: string }>();
  const folded = new Set<OnnxNode>();

  const scalarF32 = (name: string, v: number): string => {
    initializers.push({ name, dims: [], data: Float32Array.of(v) });
    return name;
  };
  const scalarU8 = (name: string, v: number): string => {
    initializers.push({ name, dims: [], data: Uint8Array.of(v) });
    return name;
  };

  /** QuantizeLinear of float `src` into the uint8 form of `target` (a tensor of the fp32 graph). */
  const quantize = (src: string, target: string, params: { scale: number; zeroPoint: number } | ActParams): void => {
    const p: ActParams =
      'scaleName' in params
        ? params
        : { ...params, scaleName: scalarF32(`${target}.scale`, params.scale), zeroPointName: scalarU8(`${target}.zero_point`, params.zeroPoint) };
    const q = `${target}.q`;
    nodes.push({ opType: 'QuantizeLinear', name: `${target}.quantize`, inputs: [src, p.scaleName, p.zeroPointName], outputs: [q] });
    quantized.set(target, { ...p, q });
  };

  /** A DequantizeLinear of `tensor` for one consumer (each consumer gets its own, as ORT's tool writes). */
  const dequantize = (tensor: string, consumer: string): string => {
    const p = quantized.get(tensor);
    if (!p) return tensor; // never quantized: stays float
    const out = `${tensor}.dq.${consumer}`;
    nodes.push({ opType: 'DequantizeLinear', name: `${tensor}.dequantize.${consumer}`, inputs: [p.q, p.scaleName, p.zeroPointName], outputs: [out] });
    return out;
  };

  /** Quantizes the output of a Conv/Add, folding a following Relu into the range. */
  const quantizeOutput = (n: OnnxNode): void => {
    const out = n.outputs[0];
    const relu = foldableRelu(c, out);
    const target = relu ? relu.outputs[0] : out;
    const range = ranges[target];
    if (!range) throw new Error(`quantizeQdq: no calibrated range for ${target}`);
    if (relu) folded.add(relu);
    quantize(out, target, uint8Params(relu ? { min: 0, max: range.max } : range));
  };

  const [input] = graph.inputs;
  // Pixels k/255: scale 1/255, zero point 0 represents them exactly (to float32 rounding).
  quantize(input.name, input.name, { scale: Math.fround(1 / 255), zeroPoint: 0 });

  for (const n of graph.nodes) {
    if (folded.has(n)) continue;
    switch (n.opType) {
      case 'Conv': {
        const [x, wName, bName] = n.inputs;
        const w = weights.get(wName);
        const b = weights.get(bName);
        const xp = quantized.get(x);
        if (!w || !b || !(w.data instanceof Float32Array) || !(b.data instanceof Float32Array) || !xp) {
          throw new Error(`quantizeQdq: conv ${n.name} needs a quantized input and float weight and bias initializers`);
        }
        const outC = w.dims[0];
        const { q, scales } = quantizeWeightPerChannel(w.data, outC);
        const zeros8 = new Int8Array(outC);
        initializers.push({ name: `${wName}_quantized`, dims: w.dims, data: q });
        initializers.push({ name: `${wName}_scale`, dims: [outC], data: scales });
        initializers.push({ name: `${wName}_zero_point`, dims: [outC], data: zeros8 });
        // Bias in the accumulator's units: scale x_scale * w_scale[c] (float32 product), zero point 0.
        const bScales = new Float32Array(outC);
        const bq = new Int32Array(outC);
        for (let k = 0; k < outC; k++) {
          bScales[k] = Math.fround(xp.scale * scales[k]);
          bq[k] = roundHalfAway(b.data[k] / bScales[k]);
        }
        initializers.push({ name: `${bName}_quantized`, dims: [outC], data: bq });
        initializers.push({ name: `${bName}_scale`, dims: [outC], data: bScales });
        initializers.push({ name: `${bName}_zero_point`, dims: [outC], data: new Int32Array(outC) });
        const axis0 = [{ name: 'axis', type: 'int' as const, value: 0 }];
        nodes.push({
          opType: 'DequantizeLinear', name: `${wName}.dequantize`,
          inputs: [`${wName}_quantized`, `${wName}_scale`, `${wName}_zero_point`], outputs: [`${wName}.dq`], attributes: axis0,
        });
        nodes.push({
          opType: 'DequantizeLinear', name: `${bName}.dequantize`,
          inputs: [`${bName}_quantized`, `${bName}_scale`, `${bName}_zero_point`], outputs: [`${bName}.dq`], attributes: axis0,
        });
        nodes.push({ ...n, inputs: [dequantize(x, n.name!), `${wName}.dq`, `${bName}.dq`] });
        quantizeOutput(n);
        break;
      }
      case 'Add': {
        nodes.push({ ...n, inputs: n.inputs.map((i) => dequantize(i, n.name!)) });
        quantizeOutput(n);
        break;
      }
      case 'MaxPool': {
        const xp = quantized.get(n.inputs[0]);
        if (!xp) throw new Error(`quantizeQdq: MaxPool ${n.name} input is not quantized`);
        nodes.push({ ...n, inputs: [dequantize(n.inputs[0], n.name!)] });
        // Order-preserving: same parameters in and out, so ORT runs it on uint8 directly.
        quantize(n.outputs[0], n.outputs[0], xp);
        break;
      }
      case 'Relu':
        throw new Error(`quantizeQdq: Relu ${n.name} does not follow a Conv or Add alone`);
      default:
        // GlobalAveragePool, Flatten: float32 on dequantized input.
        nodes.push({ ...n, inputs: n.inputs.map((i) => dequantize(i, n.name ?? n.opType)) });
    }
  }

  return {
    ...model,
    docString: options.docString ?? model.docString,
    metadata: options.metadata ?? model.metadata,
    graph: { ...graph, nodes, initializers },
  };
}
