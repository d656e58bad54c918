/**
 * Encodes an ONNX description (onnx-graph.ts) to ModelProto bytes, and decodes them, with the
 * maintained `onnx-proto` package (onnx.proto3 compiled by protobufjs): every generated model
 * (seeded ResNets, their int8 variant, the converted nsfwjs MobileNetV2) is written here.
 *
 * Same description in, same bytes out (protobufjs's generated encoder writes a message's fields
 * in one fixed order), so the manifest's sha256 values stay valid from one run to the next. Repeated int64 fields (dims,
 * ints) are written packed, as proto3 does; onnxruntime and the onnx library read both forms.
 */
import onnxProto from 'onnx-proto';
import type { OnnxAttribute, OnnxElemType, OnnxModel, OnnxTensor, OnnxValueInfo } from './onnx-graph.ts';
import { ONNX_FLOAT, ONNX_INT32, ONNX_INT8, ONNX_UINT8 } from './onnx-graph.ts';

const { onnx } = onnxProto;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The TensorProto data type of an initializer's array. */
function elemTypeOf(data: OnnxTensor['data']): OnnxElemType {
  if (data instanceof Float32Array) return ONNX_FLOAT;
  if (data instanceof Int8Array) return ONNX_INT8;
  if (data instanceof Uint8Array) return ONNX_UINT8;
  if (data instanceof Int32Array) return ONNX_INT32;
  throw new Error('unsupported tensor data array');
}

/**
 * TensorProto.raw_data must be little-endian. On little-endian hosts (all the ones we run on)
 * this is a view of the array, not a copy: the 45 MB of ResNet18 weights are copied once, by
 * protobufjs. 1-byte types are in order on any host.
 */
function rawLittleEndian(data: OnnxTensor['data']): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN_HOST || data.BYTES_PER_ELEMENT === 1) return view;
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    if (data instanceof Float32Array) dv.setFloat32(i * 4, data[i], true);
    else dv.setInt32(i * 4, data[i], true);
  }
  return out;
}

function tensor(t: OnnxTensor): InstanceType<typeof onnx.TensorProto> {
  const count = t.dims.reduce((p, d) => p * d, 1);
  if (count !== t.data.length) {
    throw new Error(`tensor ${t.name}: dims ${t.dims.join('x')} hold ${count} values, data has ${t.data.length}`);
  }
  return onnx.TensorProto.create({ name: t.name, dims: [...t.dims], dataType: elemTypeOf(t.data), rawData: rawLittleEndian(t.data) });
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

/** ModelProto bytes of `m`. */
export function encodeModel(m: OnnxModel): Uint8Array {
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
      initializer: m.graph.initializers.map(tensor),
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
