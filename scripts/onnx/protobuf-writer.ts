/**
 * A minimal protobuf (proto2 wire format) encoder: just what writing an ONNX model needs.
 *
 * Wire types used: 0 (varint) and 2 (length-delimited). ONNX's float attributes use wire
 * type 5 (fixed32), so that is here too; fixed64 is not needed.
 *
 * Why chunks instead of one growing buffer: an ONNX file nests the weights three levels deep
 * (ModelProto > GraphProto > TensorProto.raw_data) and every level needs its length up front.
 * A writer keeps a list of byte chunks and its total length, so a sub-message is appended to
 * its parent by reference; the 45 MB of weights are copied exactly once, in `finish()`.
 */

/** Protobuf wire types (the low 3 bits of a field's tag). */
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;

const TEXT = new TextEncoder();

/** Encodes an unsigned or signed integer as a protobuf varint (int64 semantics for negatives). */
export function encodeVarint(value: number | bigint): Uint8Array {
  let v = typeof value === 'bigint' ? value : BigInt(value);
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`varint: ${value} is not a safe integer`);
  }
  // Negative int64 values are written as their 64-bit two's complement (always 10 bytes),
  // which is what protobuf does for int64/int32 fields.
  if (v < 0n) v = BigInt.asUintN(64, v);
  if (v >= 1n << 64n) throw new RangeError(`varint: ${value} does not fit in 64 bits`);
  const bytes: number[] = [];
  // Small values (the vast majority: tags, lengths, dims) take the number path.
  if (v <= 0x7fffffffn) {
    let n = Number(v);
    while (n > 0x7f) {
      bytes.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    bytes.push(n);
    return Uint8Array.from(bytes);
  }
  while (v > 0x7fn) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return Uint8Array.from(bytes);
}

/** Builds one protobuf message. Fields are written in call order. */
export class ProtoWriter {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  /** Total encoded length in bytes so far. */
  get byteLength(): number {
    return this.length;
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.length += chunk.byteLength;
  }

  private tag(field: number, wireType: number): void {
    if (!Number.isInteger(field) || field < 1 || field > 0x1fffffff) {
      throw new RangeError(`protobuf: bad field number ${field}`);
    }
    this.push(encodeVarint(field * 8 + wireType));
  }

  /** Writes an int32/int64/enum/bool field as a varint. */
  varint(field: number, value: number | bigint): this {
    this.tag(field, WIRE_VARINT);
    this.push(encodeVarint(value));
    return this;
  }

  /** Writes a `float` field (fixed32, little-endian IEEE 754). */
  float(field: number, value: number): this {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  /** Writes a `bytes` field. The array is kept by reference until `finish()`: do not mutate it. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.push(encodeVarint(value.byteLength));
    this.push(value);
    return this;
  }

  /** Writes a `string` field as UTF-8. */
  string(field: number, value: string): this {
    return this.bytes(field, TEXT.encode(value));
  }

  /** Writes an embedded message field. `sub` is appended by reference: do not reuse it. */
  message(field: number, sub: ProtoWriter): this {
    this.tag(field, WIRE_LENGTH_DELIMITED);
    this.push(encodeVarint(sub.length));
    for (const c of sub.chunks) this.push(c);
    return this;
  }

  /**
   * Writes a `repeated int64` field unpacked (one tag per value): onnx.proto is proto2 and does
   * not mark `dims`/`ints` as packed, so this is the encoding the onnx library itself emits.
   */
  repeatedVarint(field: number, values: readonly (number | bigint)[]): this {
    for (const v of values) this.varint(field, v);
    return this;
  }

  /** Concatenates everything written into one buffer. */
  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return out;
  }
}
