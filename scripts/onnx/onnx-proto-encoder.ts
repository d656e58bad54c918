/**
 * Encodes an ONNX description (onnx-graph.ts) to ModelProto bytes with the maintained `onnx-proto`
 * package (onnx.proto3 compiled by protobufjs), instead of this project's hand-written field
 * numbers. The converted nsfwjs models use it; the seeded ResNets keep `encodeModel`
 * (onnx-graph.ts) because their committed sha256 values pin its exact byte layout.
 *
 * Measured (models.test / tfjs-to-onnx.test): for the 17 MB MobileNetV2 both encoders decode to the same
 * ModelProto; see the test for the timing comparison.
 */
import onnxProto from 'onnx-proto';
import type { OnnxAttribute, OnnxModel, OnnxTensor, OnnxValueInfo } from './onnx-graph.ts';
import { elemTypeOf, float32LittleEndian } from './onnx-graph.ts';

const { onnx } = onnxProto;

function rawBytes(data: OnnxTensor['data']): Uint8Array {
  if (data instanceof Float32Array) return float32LittleEndian(data);
  if (data instanceof Int32Array) {
    const out = new Uint8Array(data.byteLength);
    const view = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++) view.setInt32(i * 4, data[i], true);
    return out;
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function attribute(a: OnnxAttribute): InstanceType<typeof onnx.AttributeProto> {
  switch (a.type) {
    case 'int':
      return onnx.AttributeProto.create({ name: a.name, type: onnx.AttributeProto.AttributeType.INT, i: a.value });
    case 'ints':
      return onnx.AttributeProto.create({ name: a.name, type: onnx.AttributeProto.AttributeType.INTS, ints: [...a.value] });
    case 'float':
      return onnx.AttributeProto.create({ name: a.name, type: onnx.AttributeProto.AttributeType.FLOAT, f: a.value });
    default: {
      const never: never = a;
      throw new Error(`unknown attribute type in ${JSON.stringify(never)}`);
    }
  }
}

function valueInfo(v: OnnxValueInfo): InstanceType<typeof onnx.ValueInfoProto> {
  const shape = v.shape
    ? { dim: v.shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) }
    : undefined;
  return onnx.ValueInfoProto.create({ name: v.name, type: { tensorType: { elemType: v.elemType, ...(shape ? { shape } : {}) } } });
}

/** ModelProto bytes of `m`, written by onnx-proto. */
export function encodeModelWithOnnxProto(m: OnnxModel): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: m.irVersion,
    producerName: m.producerName,
    producerVersion: m.producerVersion,
    ...(m.docString ? { docString: m.docString } : {}),
    opsetImport: [{ domain: '', version: m.opsetVersion }],
    metadataProps: (m.metadata ?? []).map(({ key, value }) => ({ key, value })),
    graph: {
      name: m.graph.name,
      node: m.graph.nodes.map((n) => ({
        input: [...n.inputs],
        output: [...n.outputs],
        ...(n.name ? { name: n.name } : {}),
        opType: n.opType,
        attribute: (n.attributes ?? []).map(attribute),
      })),
      initializer: m.graph.initializers.map((t) => ({
        name: t.name,
        dims: [...t.dims],
        dataType: elemTypeOf(t.data),
        rawData: rawBytes(t.data),
      })),
      input: m.graph.inputs.map(valueInfo),
      output: m.graph.outputs.map(valueInfo),
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Decodes ModelProto bytes (for tests and tools that inspect a model). */
export function decodeModel(bytes: Uint8Array): InstanceType<typeof onnx.ModelProto> {
  return onnx.ModelProto.decode(bytes);
}
