/**
 * A small typed description of an ONNX model and its encoder to ModelProto bytes.
 *
 * Field numbers are those of onnx/onnx.proto (ModelProto, GraphProto, NodeProto,
 * AttributeProto, TensorProto, ValueInfoProto, TypeProto, TensorShapeProto,
 * OperatorSetIdProto). Tensors are float32, int8, uint8 or int32 (the last three for
 * quantized models: int8 weights, uint8 zero points, int32 biases); attributes are int, ints
 * or float: that is all a convolutional embedding network, fp32 or QDQ int8, needs.
 */
import { ProtoWriter } from './protobuf-writer.ts';

/** TensorProto.DataType.FLOAT */
export const ONNX_FLOAT = 1;
/** TensorProto.DataType.UINT8 */
export const ONNX_UINT8 = 2;
/** TensorProto.DataType.INT8 */
export const ONNX_INT8 = 3;
/** TensorProto.DataType.INT32 */
export const ONNX_INT32 = 6;

/** The element types a tensor or value may have here. */
export type OnnxElemType = typeof ONNX_FLOAT | typeof ONNX_UINT8 | typeof ONNX_INT8 | typeof ONNX_INT32;

/** AttributeProto.AttributeType values used here. */
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;

/** A node attribute (AttributeProto) of one of the three kinds convolutional graphs use. */
export type OnnxAttribute =
  | { name: string; type: 'int'; value: number }
  | { name: string; type: 'ints'; value: readonly number[] }
  | { name: string; type: 'float'; value: number };

export interface OnnxNode {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  attributes?: readonly OnnxAttribute[];
}

/**
 * A constant (graph initializer). `data.length` must equal the product of `dims` (1 for a
 * scalar, `dims: []`). The element type follows the array: Float32Array = FLOAT,
 * Int8Array = INT8, Uint8Array = UINT8, Int32Array = INT32.
 */
export interface OnnxTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array | Int8Array | Uint8Array | Int32Array;
}

/** One dimension of a graph input/output: a fixed size or a symbolic name (dim_param). */
export type OnnxDim = number | string;

export interface OnnxValueInfo {
  name: string;
  elemType: OnnxElemType;
  /** Omitted: shape unknown (e.g. intermediate tensors exposed as outputs for calibration). */
  shape?: readonly OnnxDim[];
}

export interface OnnxGraph {
  name: string;
  nodes: readonly OnnxNode[];
  initializers: readonly OnnxTensor[];
  inputs: readonly OnnxValueInfo[];
  outputs: readonly OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString?: string;
  graph: OnnxGraph;
  /** ModelProto.metadata_props, written in the given order. */
  metadata?: readonly { key: string; value: string }[];
}

/**
 * Float32 values as little-endian bytes (TensorProto.raw_data must be little-endian).
 * On little-endian hosts (all the ones we run on) this is a view, not a copy.
 */
export function float32LittleEndian(data: Float32Array): Uint8Array {
  const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return view;
  const out = new Uint8Array(data.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setFloat32(i * 4, data[i], true);
  return out;
}

/** The TensorProto data type of an initializer's array. */
export function elemTypeOf(data: OnnxTensor['data']): OnnxElemType {
  if (data instanceof Float32Array) return ONNX_FLOAT;
  if (data instanceof Int8Array) return ONNX_INT8;
  if (data instanceof Uint8Array) return ONNX_UINT8;
  if (data instanceof Int32Array) return ONNX_INT32;
  throw new Error('unsupported tensor data array');
}

/** Little-endian raw bytes of any supported array (1-byte types are already in order). */
function rawLittleEndian(data: OnnxTensor['data']): Uint8Array {
  if (data instanceof Float32Array) return float32LittleEndian(data);
  if (data instanceof Int32Array) {
    if (new Uint8Array(new Uint16Array([1]).buffer)[0] === 1) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const out = new Uint8Array(data.byteLength);
    const dv = new DataView(out.buffer);
    for (let i = 0; i < data.length; i++) dv.setInt32(i * 4, data[i], true);
    return out;
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function encodeAttribute(a: OnnxAttribute): ProtoWriter {
  const w = new ProtoWriter().string(1, a.name); // name = 1
  switch (a.type) {
    case 'int':
      w.varint(3, a.value); // i = 3
      w.varint(20, ATTR_INT); // type = 20
      break;
    case 'ints':
      w.repeatedVarint(8, a.value); // ints = 8
      w.varint(20, ATTR_INTS);
      break;
    case 'float':
      w.float(2, a.value); // f = 2
      w.varint(20, ATTR_FLOAT);
      break;
    default: {
      const never: never = a;
      throw new Error(`unknown attribute type in ${JSON.stringify(never)}`);
    }
  }
  return w;
}

function encodeNode(n: OnnxNode): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.string(1, i); // input = 1
  for (const o of n.outputs) w.string(2, o); // output = 2
  if (n.name) w.string(3, n.name); // name = 3
  w.string(4, n.opType); // op_type = 4
  for (const a of n.attributes ?? []) w.message(5, encodeAttribute(a)); // attribute = 5
  return w;
}

function encodeTensor(t: OnnxTensor): ProtoWriter {
  const count = t.dims.reduce((p, d) => p * d, 1);
  if (count !== t.data.length) {
    throw new Error(`tensor ${t.name}: dims ${t.dims.join('x')} hold ${count} values, data has ${t.data.length}`);
  }
  return new ProtoWriter()
    .repeatedVarint(1, t.dims) // dims = 1
    .varint(2, elemTypeOf(t.data)) // data_type = 2
    .string(8, t.name) // name = 8
    .bytes(9, rawLittleEndian(t.data)); // raw_data = 9
}

function encodeValueInfo(v: OnnxValueInfo): ProtoWriter {
  // TypeProto.Tensor: elem_type = 1, shape = 2
  const tensorType = new ProtoWriter().varint(1, v.elemType);
  if (v.shape) {
    const shape = new ProtoWriter();
    for (const d of v.shape) {
      // TensorShapeProto.dim = 1; Dimension: dim_value = 1, dim_param = 2
      const dim = typeof d === 'number' ? new ProtoWriter().varint(1, d) : new ProtoWriter().string(2, d);
      shape.message(1, dim);
    }
    tensorType.message(2, shape);
  }
  const type = new ProtoWriter().message(1, tensorType); // TypeProto.tensor_type = 1
  return new ProtoWriter().string(1, v.name).message(2, type); // ValueInfoProto: name = 1, type = 2
}

function encodeGraph(g: OnnxGraph): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n)); // node = 1
  w.string(2, g.name); // name = 2
  for (const t of g.initializers) w.message(5, encodeTensor(t)); // initializer = 5
  for (const i of g.inputs) w.message(11, encodeValueInfo(i)); // input = 11
  for (const o of g.outputs) w.message(12, encodeValueInfo(o)); // output = 12
  return w;
}

/** Encodes a model as ONNX ModelProto bytes. Same description in, same bytes out. */
export function encodeModel(m: OnnxModel): Uint8Array {
  const w = new ProtoWriter()
    .varint(1, m.irVersion) // ir_version = 1
    .string(2, m.producerName) // producer_name = 2
    .string(3, m.producerVersion); // producer_version = 3
  if (m.docString) w.string(6, m.docString); // doc_string = 6
  w.message(7, encodeGraph(m.graph)); // graph = 7
  // opset_import = 8; OperatorSetIdProto: domain = 1 (empty = ai.onnx), version = 2
  w.message(8, new ProtoWriter().string(1, '').varint(2, m.opsetVersion));
  for (const { key, value } of m.metadata ?? []) {
    w.message(14, new ProtoWriter().string(1, key).string(2, value)); // metadata_props = 14
  }
  return w.finish();
}
