/**
 * A QLinear (int8) ONNX graph rewritten to compute in float32 while keeping its int8 weights:
 * each QLinearConv becomes Cast + Mul (its int8 weights times their scales) → Conv with a float
 * bias (and a Clip where the file fused a ReLU6), each QLinearAdd an Add,
 * QLinearGlobalAveragePool a GlobalAveragePool; the input QuantizeLinear and the output
 * DequantizeLinear go, and a DequantizeLinear of stored weights (an int8 tail's) becomes Cast +
 * Mul too. The download stays the int8 size: ORT folds Cast and Mul of constants into float
 * initializers when the session loads.
 *
 * Why: measured 2026-12-05 on the 2-core VM, Chromium, ORT web WASM, 1 thread, ImageNet
 * MobileNetV2 1.0 at 224 px: the int8 graph 59.6 ms an image, this rewrite 35.5 ms (ORT web's
 * QLinear kernels are slower than its float ones), and its vectors, free of the activations'
 * 8-bit rounding, are better on ndsb-dev (leave-one-out 1-NN 78.5 % against 77.7 %; learner at 5
 * labels per class 73.7 % against 71.3 %; bench/quality.ts measures both in the same run).
 *
 * What the rewrite reproduces exactly: the weights (the same int8 values and per-channel scales)
 * and the biases (int32 × input scale × weight scale, as QLinearConv defines them). What it
 * drops on purpose: the rounding of every activation to 8 bits. A fused activation shows as an
 * output zero point of 0 (uint8 range [0, 255 × scale]); the float graph clips there, at the
 * file's own range (≤ 6, the ReLU6 it came from), so no activation grows past what the int8
 * graph could hold.
 *
 * Written here because no npm package converts QLinear graphs to float (onnxruntime's Python
 * tools quantize, not the reverse); the graph surgery is on onnx-proto's ModelProto.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type ModelProto = InstanceType<typeof onnx.ModelProto>;
type TensorProto = onnxProto.onnx.ITensorProto;
type NodeProto = onnxProto.onnx.INodeProto;

const DT = onnx.TensorProto.DataType;
/** Opset 13: Unsqueeze with its axes as an input, and what the grafted in-situ tail uses. */
const OPSET = 13;

/** A tensor's values as numbers (float, int8/uint8/int32 raw or typed fields). */
export function tensorValues(t: TensorProto): number[] {
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : undefined;
  if (raw) {
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    switch (t.dataType) {
      case DT.FLOAT: return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getFloat32(i * 4, true));
      case DT.INT32: return Array.from({ length: raw.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
      case DT.INT8: return Array.from({ length: raw.byteLength }, (_, i) => view.getInt8(i));
      case DT.UINT8: return Array.from(raw);
      case DT.INT64: return Array.from({ length: raw.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
      default: throw new Error(`tensor ${t.name}: raw data type ${t.dataType} not handled`);
    }
  }
  if (t.dataType === DT.FLOAT) return [...(t.floatData ?? [])];
  if (t.dataType === DT.INT64) return (t.int64Data ?? []).map((v) => Number(v));
  return [...(t.int32Data ?? [])];
}

function floatTensor(name: string, values: readonly number[], dims: number[]): TensorProto {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return onnx.TensorProto.create({ name, dims, dataType: DT.FLOAT, rawData: bytes });
}

function axisOf(n: NodeProto): number {
  const axis = (n.attribute ?? []).find((a) => a.name === 'axis');
  return axis ? Number(axis.i) : 1;
}

function node(name: string, opType: string, input: string[], output: string[], attribute: NodeProto['attribute'] = []): NodeProto {
  return onnx.NodeProto.create({ name, opType, input, output, attribute });
}

/**
 * The float-compute form of a QLinear model (bytes in, bytes out). Input and output names stay;
 * the output's float tensor is what the int8 graph dequantised at its end.
 * @throws when the graph holds a quantized operator this rewrite does not know.
 */
export function toFloatCompute(bytes: Uint8Array): Uint8Array {
  const model: ModelProto = onnx.ModelProto.decode(bytes);
  const graph = model.graph!;
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const value = (name: string): number[] => {
    const t = inits.get(name);
    if (!t) throw new Error(`initializer ${name} not found`);
    return tensorValues(t);
  };
  const inputName = graph.input?.[0]?.name ?? 'input';
  const outputName = graph.output?.[0]?.name ?? 'embedding';
  /** Quantized tensor name → the float tensor standing for it. */
  const floatOf = new Map<string, string>();
  const f = (q: string): string => floatOf.get(q) ?? q;
  const added: TensorProto[] = [];
  const nodes: NodeProto[] = [];
  /**
   * Float weights from stored int8 ones as Cast → Mul by the per-output-channel scale, not as a
   * DequantizeLinear: ORT keeps a DequantizeLinear in front of a Conv at run time (it reads it
   * as a quantized graph) and dequantizes the weights on every run (onnxruntime-node, 1 thread:
   * 14.7 ms an image instead of 5.6), while Cast and Mul of constants are folded into float
   * initializers when the session loads. Same values: the zero points are checked to be 0.
   */
  const dequantizeWeights = (name: string, w: string, scale: string, zero: string | undefined, axis = 0): string => {
    if (zero && value(zero).some((z) => z !== 0)) throw new Error(`weights ${w}: non-zero zero points are not handled`);
    const dims = (inits.get(w)?.dims ?? []).map(Number);
    const scales = value(scale);
    const shape = scales.length === 1 ? [] : dims.map((d, i) => (i === axis ? d : 1));
    const cast = `${w}/cast`;
    const out = `${w}/float`;
    added.push(floatTensor(`${w}/scale`, scales, shape));
    nodes.push(node(`${name}/cast`, 'Cast', [w], [cast], [onnx.AttributeProto.create({ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DT.FLOAT })]));
    nodes.push(node(`${name}/scale`, 'Mul', [cast, `${w}/scale`], [out]));
    return out;
  };
  for (const n of graph.node ?? []) {
    const [out] = n.output ?? [];
    const input = n.input ?? [];
    switch (n.opType) {
      case 'QuantizeLinear':
        if (input[0] !== inputName) throw new Error(`QuantizeLinear of ${input[0]} inside the graph: not handled`);
        floatOf.set(out, inputName);
        break;
      case 'QLinearConv': {
        const [x, xScale, , w, wScale, wZero, yScale, yZero, b] = input;
        const ws = value(wScale);
        const xs = value(xScale)[0];
        const bias = b ? value(b).map((v, c) => v * xs * ws[ws.length === 1 ? 0 : c]) : undefined;
        const weights = dequantizeWeights(`${n.name}/weights`, w, wScale, wZero);
        const convInputs = [f(x), weights];
        if (bias) {
          added.push(floatTensor(`${b}/float`, bias, [bias.length]));
          convInputs.push(`${b}/float`);
        }
        const fused = value(yZero)[0] === 0;
        const conv = fused ? `${out}/float/conv` : `${out}/float`;
        nodes.push(node(`${n.name}/float`, 'Conv', convInputs, [conv], n.attribute ?? []));
        if (fused) {
          const cap = Math.min(6, value(yScale)[0] * 255);
          added.push(floatTensor(`${out}/clip_min`, [0], []), floatTensor(`${out}/clip_max`, [cap], []));
          nodes.push(node(`${n.name}/clip`, 'Clip', [conv, `${out}/clip_min`, `${out}/clip_max`], [`${out}/float`]));
        }
        floatOf.set(out, `${out}/float`);
        break;
      }
      case 'QLinearAdd':
        nodes.push(node(`${n.name}/float`, 'Add', [f(input[0]), f(input[3])], [`${out}/float`]));
        floatOf.set(out, `${out}/float`);
        break;
      case 'QLinearGlobalAveragePool':
        nodes.push(node(`${n.name}/float`, 'GlobalAveragePool', [f(input[0])], [`${out}/float`]));
        floatOf.set(out, `${out}/float`);
        break;
      case 'DequantizeLinear':
        // Of stored weights (an int8 tail's): kept, ORT folds it at load. Of an activation: the
        // float tensor already stands for it (an Identity where it is the graph's output).
        if (inits.has(input[0])) floatOf.set(out, dequantizeWeights(n.name ?? out, input[0], input[1], input[2], axisOf(n)));
        else if (out === outputName) nodes.push(node(`${n.name}/identity`, 'Identity', [f(input[0])], [outputName]));
        else floatOf.set(out, f(input[0]));
        break;
      case 'Unsqueeze': {
        // Opset 13 takes the axes as an input instead of an attribute.
        const axes = (n.attribute ?? []).find((a) => a.name === 'axes');
        if (!axes) { nodes.push(n); break; }
        const name = `${out}/axes`;
        added.push(onnx.TensorProto.create({ name, dims: [axes.ints!.length], dataType: DT.INT64, int64Data: axes.ints }));
        nodes.push(node(n.name ?? out, 'Unsqueeze', [f(input[0]), name], [out]));
        break;
      }
      default:
        if (/^QLinear|Quantize/.test(n.opType ?? '')) throw new Error(`${n.opType} (${n.name}): not handled by toFloatCompute`);
        n.input = input.map(f);
        nodes.push(n);
    }
  }
  const used = new Set(nodes.flatMap((n) => n.input ?? []));
  graph.node = nodes;
  graph.initializer = [...(graph.initializer ?? []), ...added].filter((t) => used.has(t.name ?? ''));
  graph.valueInfo = [];
  model.opsetImport = [onnx.OperatorSetIdProto.create({ domain: '', version: OPSET })];
  return onnx.ModelProto.encode(model).finish();
}
