/**
 * Converts a TensorFlow.js MobileNet-style graph model (read by tfjs-graph-reader.ts) into an
 * ONNX description (onnx-graph.ts), from the input up to a chosen feature node.
 *
 * The ops are the ones nsfwjs's MobileNetV2 graphs use, each mapped to plain ONNX:
 *   Placeholder [N,H,W,C]   -> graph input `input`, float32 [batch, 3, H, W] (NCHW, like every
 *                              model of this project; the converted weights are transposed instead
 *                              of the activations, so there is no Transpose at run time)
 *   Mul / Sub with a scalar -> Mul / Sub (the graph's own x*2-1 mapping of 0..1 pixels)
 *   _FusedConv2D            -> Conv (+ Clip(0, 6) when fused_ops has Relu6); weights HWIO -> OIHW
 *   FusedDepthwiseConv2dNative -> Conv with group = C; weights [kh,kw,C,1] -> [C,1,kh,kw]
 *   AddV2                   -> Add
 *   AvgPool over the whole map (VALID, kernel = map size) -> GlobalAveragePool
 *   Squeeze of the two spatial dims -> Flatten (output `embedding`, [batch, C])
 * TensorFlow's SAME padding puts the odd pixel at the end; ONNX `pads` are explicit here,
 * computed from the (fixed) input size, so the graph declares that size.
 *
 * Weights: "float" stores tfjs's dequantised float32 values; "uint8" stores the uint8 codes as
 * shipped with their scale and min (Cast, Mul, Add: a quarter of the bytes, the same values up
 * to float32 rounding; onnxruntime folds these constants when the session is created, so the
 * network itself runs in float32 either way).
 */
import type { OnnxModel, OnnxNode, OnnxTensor } from './onnx-graph.ts';
import { ONNX_FLOAT } from './onnx-graph.ts';
import { attrString, dequantise, type QuantisedWeight, type TfjsAttr, type TfjsGraphModel, type TfjsNode } from './tfjs-graph-reader.ts';

export interface ConversionOptions {
  /** Name of the tfjs node whose output becomes `embedding`. */
  featureNode: string;
  /** Square input size the graph was built for (224 for MobileNetV2). */
  inputSize: number;
  weights: 'float' | 'uint8';
  docString: string;
  /** ModelProto.metadata_props. */
  metadata?: { key: string; value: string }[];
}

/** ONNX tensor name of a tfjs node output (`node:0` and `node` are the same tensor). */
function tensorName(input: string): string {
  return input.replace(/:0$/, '');
}

function ints(a: TfjsAttr | undefined): number[] {
  return (a?.list?.i ?? []).map(Number);
}

/** HWIO (or [kh,kw,C,1] for depthwise) to ONNX's OIHW ([C,1,kh,kw]), any element type. */
function transposeKernel<T extends Float32Array | Uint8Array>(src: T, shape: number[], depthwise: boolean): { data: T; dims: number[] } {
  const [kh, kw, ci, co] = shape;
  const outC = depthwise ? ci * co : co;
  const inC = depthwise ? 1 : ci;
  const data = new (src.constructor as { new (n: number): T })(src.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < ci; i++) {
        for (let o = 0; o < co; o++) {
          const from = ((y * kw + x) * ci + i) * co + o;
          // depthwise: output channel i*co + o reads input channel i (its only input)
          const oc = depthwise ? i * co + o : o;
          const ic = depthwise ? 0 : i;
          data[((oc * inC + ic) * kh + y) * kw + x] = src[from];
        }
      }
    }
  }
  return { data, dims: [outC, inC, kh, kw] };
}

/** TensorFlow SAME padding for one spatial dim: [begin, end], the extra pixel at the end. */
function samePads(size: number, kernel: number, stride: number): { pads: [number, number]; out: number } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const begin = Math.floor(total / 2);
  return { pads: [begin, total - begin], out };
}

/** Builds the ONNX description. @throws naming any op or attribute outside the supported set. */
export function convertTfjsGraph(model: TfjsGraphModel, opts: ConversionOptions): OnnxModel {
  const byName = new Map(model.nodes.map((n) => [n.name, n]));
  const feature = byName.get(opts.featureNode);
  if (!feature) throw new Error(`feature node ${opts.featureNode} is not in the graph`);

  // Nodes needed for the feature node, in topological order (the GraphDef's order is one).
  const needed = new Set<string>();
  const visit = (name: string): void => {
    if (needed.has(name)) return;
    needed.add(name);
    for (const i of byName.get(name)?.input ?? []) visit(tensorName(i));
  };
  visit(feature.name);

  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  const size = new Map<string, number>(); // spatial size (square) of each NCHW tensor
  const scalars = new Map<number, string>();
  const scalar = (value: number): string => {
    let name = scalars.get(value);
    if (!name) {
      name = `const_${value}`;
      scalars.set(value, name);
      initializers.push({ name, dims: [], data: Float32Array.of(value) });
    }
    return name;
  };

  /** A weight as an ONNX tensor name, float or uint8 + DequantizeLinear + Add(min). */
  const weight = (w: QuantisedWeight, layout: 'kernel' | 'depthwise' | 'vector'): string => {
    const name = w.name;
    if (opts.weights === 'float') {
      const values = dequantise(w);
      const t = layout === 'vector' ? { data: values, dims: w.shape } : transposeKernel(values, w.shape, layout === 'depthwise');
      initializers.push({ name, dims: t.dims, data: t.data });
      return name;
    }
    const t = layout === 'vector' ? { data: w.codes, dims: w.shape } : transposeKernel(w.codes, w.shape, layout === 'depthwise');
    initializers.push({ name: `${name}/codes`, dims: t.dims, data: t.data });
    initializers.push({ name: `${name}/scale`, dims: [], data: Float32Array.of(w.scale) });
    initializers.push({ name: `${name}/min`, dims: [], data: Float32Array.of(w.min) });
    // Cast, Mul, Add rather than DequantizeLinear: onnxruntime's constant folding keeps
    // DequantizeLinear nodes (for its QDQ fusions), so they would run on every inference
    // (measured: 41 ms instead of 7 ms per 224² image, onnxruntime-node, 1 thread); these three
    // are folded once when the session is created.
    nodes.push({ opType: 'Cast', inputs: [`${name}/codes`], outputs: [`${name}/float`], attributes: [{ name: 'to', type: 'int', value: ONNX_FLOAT }] });
    nodes.push({ opType: 'Mul', inputs: [`${name}/float`, `${name}/scale`], outputs: [`${name}/scaled`] });
    nodes.push({ opType: 'Add', inputs: [`${name}/scaled`, `${name}/min`], outputs: [name] });
    return name;
  };
  const constValue = (input: string): number => {
    const w = model.weights.get(tensorName(input));
    if (!w || w.codes.length !== 1) throw new Error(`${input}: expected a scalar constant`);
    return Math.fround(w.codes[0] * w.scale + w.min);
  };

  for (const n of model.nodes) {
    if (!needed.has(n.name)) continue;
    const inputs = (n.input ?? []).map(tensorName);
    const out = n.name === feature.name ? 'embedding' : n.name;
    switch (n.op) {
      case 'Const':
        break; // read through model.weights where used
      case 'Placeholder': {
        const dims = n.attr?.shape as unknown as { shape?: { dim?: { size: string }[] } } | undefined;
        const shape = (dims?.shape?.dim ?? []).map((d) => Number(d.size));
        if (shape.length !== 4 || shape[3] !== 3) throw new Error(`input ${n.name}: expected [N,H,W,3], got [${shape.join(',')}]`);
        size.set(n.name, opts.inputSize);
        break;
      }
      case 'Mul':
      case 'Sub': {
        // One operand is a scalar constant, the other the running tensor.
        const constIdx = inputs.findIndex((i) => model.weights.has(i));
        if (constIdx < 0) throw new Error(`${n.name}: ${n.op} of two tensors is not supported`);
        const x = inputs[1 - constIdx];
        const c = scalar(constValue(inputs[constIdx]));
        nodes.push({ opType: n.op, inputs: constIdx === 0 ? [c, onnxIn(x)] : [onnxIn(x), c], outputs: [out], name: n.name });
        size.set(n.name, size.get(x)!);
        break;
      }
      case '_FusedConv2D':
      case 'FusedDepthwiseConv2dNative': {
        const depthwise = n.op === 'FusedDepthwiseConv2dNative';
        const fused = (n.attr?.fused_ops?.list?.s ?? []).map((s) => Buffer.from(s, 'base64').toString('utf8'));
        const relu6 = fused.length === 2 && fused[0] === 'BiasAdd' && fused[1] === 'Relu6';
        if (!(relu6 || (fused.length === 1 && fused[0] === 'BiasAdd'))) {
          throw new Error(`${n.name}: fused_ops [${fused.join(', ')}] not supported (BiasAdd, optionally + Relu6)`);
        }
        if (attrString(n.attr?.data_format) !== 'NHWC') throw new Error(`${n.name}: data_format must be NHWC`);
        if (ints(n.attr?.dilations).some((d) => d !== 1)) throw new Error(`${n.name}: dilations other than 1 not supported`);
        const padding = attrString(n.attr?.padding);
        const [, sh, sw] = ints(n.attr?.strides);
        const w = model.weights.get(inputs[1]);
        const b = model.weights.get(inputs[2]);
        if (!w || !b) throw new Error(`${n.name}: weights ${inputs[1]} / bias ${inputs[2]} not found`);
        const [kh, kw] = w.shape;
        const inSize = size.get(inputs[0]);
        if (inSize === undefined) throw new Error(`${n.name}: input ${inputs[0]} has no known size`);
        let pads = [0, 0, 0, 0];
        let outSize: number;
        if (padding === 'SAME') {
          const ph = samePads(inSize, kh, sh);
          const pw = samePads(inSize, kw, sw);
          pads = [ph.pads[0], pw.pads[0], ph.pads[1], pw.pads[1]];
          outSize = ph.out;
        } else if (padding === 'VALID') {
          outSize = Math.floor((inSize - kh) / sh) + 1;
        } else throw new Error(`${n.name}: padding ${padding} not supported`);
        const wName = weight(w, depthwise ? 'depthwise' : 'kernel');
        const bName = weight(b, 'vector');
        const convOut = relu6 ? `${n.name}/conv` : out;
        nodes.push({
          opType: 'Conv',
          name: n.name,
          inputs: [onnxIn(inputs[0]), wName, bName],
          outputs: [convOut],
          attributes: [
            { name: 'dilations', type: 'ints', value: [1, 1] },
            { name: 'group', type: 'int', value: depthwise ? w.shape[2] : 1 },
            { name: 'kernel_shape', type: 'ints', value: [kh, kw] },
            { name: 'pads', type: 'ints', value: pads },
            { name: 'strides', type: 'ints', value: [sh, sw] },
          ],
        });
        if (relu6) nodes.push({ opType: 'Clip', name: `${n.name}/relu6`, inputs: [convOut, scalar(0), scalar(6)], outputs: [out] });
        size.set(n.name, outSize);
        break;
      }
      case 'AddV2':
        nodes.push({ opType: 'Add', name: n.name, inputs: inputs.map(onnxIn), outputs: [out] });
        size.set(n.name, size.get(inputs[0])!);
        break;
      case 'AvgPool': {
        const k = ints(n.attr?.ksize);
        const s = size.get(inputs[0]);
        if (attrString(n.attr?.padding) !== 'VALID' || k[1] !== s || k[2] !== s) {
          throw new Error(`${n.name}: only an AvgPool over the whole ${s}x${s} map (VALID) is supported, got ksize ${k.join(',')}`);
        }
        nodes.push({ opType: 'GlobalAveragePool', name: n.name, inputs: [onnxIn(inputs[0])], outputs: [out] });
        size.set(n.name, 1);
        break;
      }
      case 'Squeeze': {
        const dims = ints(n.attr?.squeeze_dims);
        if (dims.join(',') !== '1,2') throw new Error(`${n.name}: only squeezing the spatial dims [1, 2] is supported`);
        nodes.push({ opType: 'Flatten', name: n.name, inputs: [onnxIn(inputs[0])], outputs: [out], attributes: [{ name: 'axis', type: 'int', value: 1 }] });
        break;
      }
      default:
        throw new Error(`${n.name}: op ${n.op} is not supported by this converter (see tfjs-to-onnx.ts for the list)`);
    }
  }
  if (feature.op !== 'Squeeze') throw new Error(`feature node ${feature.name} must be the Squeeze of the pooled features`);
  const width = outputChannels(model, byName, feature);

  function onnxIn(name: string): string {
    return byName.get(name)?.op === 'Placeholder' ? 'input' : name;
  }

  return {
    irVersion: 8,
    opsetVersion: 17,
    producerName: 'label-studio-cyto-ml scripts/onnx/tfjs-to-onnx.ts',
    producerVersion: '1',
    docString: opts.docString,
    graph: {
      name: 'embedding',
      nodes,
      initializers,
      inputs: [{ name: 'input', elemType: ONNX_FLOAT, shape: ['batch', 3, opts.inputSize, opts.inputSize] }],
      outputs: [{ name: 'embedding', elemType: ONNX_FLOAT, shape: ['batch', width] }],
    },
    metadata: opts.metadata,
  };
}

/** Channels at the feature node: the output width of the last conv before it. */
function outputChannels(model: TfjsGraphModel, byName: Map<string, TfjsNode>, feature: TfjsNode): number {
  let n: TfjsNode | undefined = feature;
  while (n && n.op !== '_FusedConv2D') n = byName.get(tensorName(n.input?.[0] ?? ''));
  const w = n && model.weights.get(tensorName(n.input![1]));
  if (!w) throw new Error(`cannot find the conv before ${feature.name}`);
  return w.shape[3];
}
