/**
 * A small typed description of an ONNX model, which the builders (resnet-builder.ts,
 * tfjs-to-onnx.ts, qdq-quantize.ts, rotation-averaging.ts) produce and onnx-proto-encoder.ts
 * turns into ModelProto bytes. Tensors are float32, int8, uint8 or int32 (the last three for
 * quantized models: int8 weights, uint8 zero points, int32 biases); attributes are int, ints
 * or float: that is all a convolutional embedding network, fp32 or QDQ int8, needs.
 */
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
