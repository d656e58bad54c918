/**
 * Builds a torchvision-layout ResNet (BasicBlock variant: ResNet18 and smaller) as an ONNX
 * model with seeded, untrained weights and no classifier head (fc = Identity).
 *
 * Layout, exactly torchvision's `resnet18` with fc removed:
 *   conv1 7x7/2 (pad 3) -> ReLU -> maxpool 3x3/2 (pad 1)
 *   -> layer1..layer4: `blocks[i]` BasicBlocks of width `widths[i]`, the first block of
 *      layers 2-4 with stride 2 and a 1x1/2 downsample conv on the identity path
 *   -> global average pool -> flatten -> [N, widths[3]]
 * BatchNorm is folded into each conv's weight and bias (a BN right after a conv is an affine
 * map per output channel), so the graph has only Conv, Relu, Add, MaxPool,
 * GlobalAveragePool and Flatten. Initializer names follow torchvision's state_dict
 * (`layer2.0.downsample.0.weight`, ...; `.bias` holds the folded BN shift) so the weights can
 * be loaded into `torchvision.models.resnet18()` for cross-checking.
 */
import type { OnnxAttribute, OnnxModel, OnnxNode, OnnxTensor } from './onnx-graph.ts';
import { ONNX_FLOAT } from './onnx-graph.ts';
import { SeededUniform, biasBound, heUniformBound } from './seeded-init.ts';

/** ONNX IR version 8 (ONNX 1.10+); understood by every onnxruntime since 1.10. */
export const IR_VERSION = 8;
/** Opset 17: the version torch.onnx and current onnxruntime-web both handle well. */
export const OPSET_VERSION = 17;

export interface ResNetSpec {
  /** Channel widths of layer1..layer4; the embedding size is the last one. */
  widths: readonly [number, number, number, number];
  /** BasicBlocks per stage ([2, 2, 2, 2] is ResNet18). */
  blocks: readonly [number, number, number, number];
  /** PRNG seed (uint32). */
  seed: number;
  /**
   * Factor applied to each block's second conv (weight and bias), i.e. the folded BN's gamma.
   * Why: without trained BN statistics nothing re-normalises activations, and each residual
   * addition x + f(x) with He-scaled f roughly doubles the variance; over 8 blocks the scale
   * (and the share of the identity path) would drift badly. A small factor (like
   * "zero-init residual" but not zero) keeps activations bounded while every block still
   * mixes in its own features, so embeddings of different images stay distinct.
   */
  residualScale: number;
  inputName: string;
  outputName: string;
  /** Free text stored as the model's doc_string. */
  docString?: string;
  /** Extra ModelProto.metadata_props. */
  metadata?: readonly { key: string; value: string }[];
}

/** Accumulates nodes and initializers while the graph is walked in torchvision order. */
class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxTensor[] = [];
  private readonly rng: SeededUniform;

  constructor(seed: number) {
    this.rng = new SeededUniform(seed);
  }

  /** Adds a conv with folded BN; weights drawn first, then bias, from the one PRNG stream. */
  conv(
    name: string,
    input: string,
    inC: number,
    outC: number,
    kernel: number,
    stride: number,
    pad: number,
    scale = 1,
  ): string {
    const fanIn = inC * kernel * kernel;
    const w = this.rng.fillSymmetric(new Float32Array(outC * fanIn), heUniformBound(fanIn) * scale);
    const b = this.rng.fillSymmetric(new Float32Array(outC), biasBound(fanIn) * scale);
    this.initializers.push({ name: `${name}.weight`, dims: [outC, inC, kernel, kernel], data: w });
    this.initializers.push({ name: `${name}.bias`, dims: [outC], data: b });
    const attributes: OnnxAttribute[] = [
      { name: 'kernel_shape', type: 'ints', value: [kernel, kernel] },
      { name: 'pads', type: 'ints', value: [pad, pad, pad, pad] },
      { name: 'strides', type: 'ints', value: [stride, stride] },
    ];
    const out = `${name}.out`;
    this.nodes.push({ opType: 'Conv', name, inputs: [input, `${name}.weight`, `${name}.bias`], outputs: [out], attributes });
    return out;
  }

  relu(name: string, input: string): string {
    const out = `${name}.out`;
    this.nodes.push({ opType: 'Relu', name, inputs: [input], outputs: [out] });
    return out;
  }

  add(name: string, a: string, b: string): string {
    const out = `${name}.out`;
    this.nodes.push({ opType: 'Add', name, inputs: [a, b], outputs: [out] });
    return out;
  }

  maxPool(name: string, input: string): string {
    const out = `${name}.out`;
    this.nodes.push({
      opType: 'MaxPool',
      name,
      inputs: [input],
      outputs: [out],
      attributes: [
        { name: 'kernel_shape', type: 'ints', value: [3, 3] },
        { name: 'pads', type: 'ints', value: [1, 1, 1, 1] },
        { name: 'strides', type: 'ints', value: [2, 2] },
      ],
    });
    return out;
  }
}

/** Builds the model description (weights included). Pure: the same spec gives the same model. */
export function buildResNet(spec: ResNetSpec): OnnxModel {
  const g = new GraphBuilder(spec.seed);
  const [w1] = spec.widths;
  let x = g.conv('conv1', spec.inputName, 3, w1, 7, 2, 3);
  x = g.relu('relu', x);
  x = g.maxPool('maxpool', x);

  let inC = w1;
  for (let stage = 0; stage < 4; stage++) {
    const outC = spec.widths[stage];
    for (let block = 0; block < spec.blocks[stage]; block++) {
      const p = `layer${stage + 1}.${block}`;
      // torchvision: stride 2 in the first block of layers 2-4; downsample when the shape changes.
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const needsDownsample = stride !== 1 || inC !== outC;
      let y = g.conv(`${p}.conv1`, x, inC, outC, 3, stride, 1);
      y = g.relu(`${p}.relu1`, y);
      y = g.conv(`${p}.conv2`, y, outC, outC, 3, 1, 1, spec.residualScale);
      const identity = needsDownsample ? g.conv(`${p}.downsample.0`, x, inC, outC, 1, stride, 0) : x;
      x = g.relu(`${p}.relu2`, g.add(`${p}.add`, y, identity));
      inC = outC;
    }
  }

  const pooled = 'avgpool.out';
  g.nodes.push({ opType: 'GlobalAveragePool', name: 'avgpool', inputs: [x], outputs: [pooled] });
  g.nodes.push({
    opType: 'Flatten',
    name: 'flatten',
    inputs: [pooled],
    outputs: [spec.outputName],
    attributes: [{ name: 'axis', type: 'int', value: 1 }],
  });

  return {
    irVersion: IR_VERSION,
    opsetVersion: OPSET_VERSION,
    producerName: 'label-studio-cyto-ml',
    producerVersion: '1',
    docString: spec.docString,
    metadata: spec.metadata,
    graph: {
      name: 'resnet_embedding',
      nodes: g.nodes,
      initializers: g.initializers,
      // Dynamic batch, height and width: the reference feeds images at their native size.
      inputs: [{ name: spec.inputName, elemType: ONNX_FLOAT, shape: ['batch', 3, 'height', 'width'] }],
      outputs: [{ name: spec.outputName, elemType: ONNX_FLOAT, shape: ['batch', spec.widths[3]] }],
    },
  };
}
