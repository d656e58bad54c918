import { describe, expect, it } from 'vitest';
import { decodeEmbeddingPart, encodeEmbeddingPart, EmbeddingFileError } from './embedding-file.ts';

const key = (i: number) => i.toString(16).padStart(64, '0');

describe('embedding part files', () => {
  it('round-trips keys, sizes and vectors exactly', () => {
    const items = [0, 1, 2].map((i) => ({ imageKey: key(i), vector: Float32Array.from({ length: 5 }, (_, j) => i * 10 + j + 0.125), width: 128, height: 64 + i }));
    const bytes = encodeEmbeddingPart('resnet18-seeded', 5, items);
    const part = decodeEmbeddingPart(bytes.buffer.slice(0) as ArrayBuffer);
    expect(part.header.imageKeys).toEqual(items.map((i) => i.imageKey));
    expect(part.header.sizes).toEqual([[128, 64], [128, 65], [128, 66]]);
    expect(part.vectors.map((v) => Array.from(v))).toEqual(items.map((i) => Array.from(i.vector)));
    // Also from an unaligned view (a part inside a larger buffer).
    const shifted = new Uint8Array(bytes.length + 1);
    shifted.set(bytes, 1);
    expect(Array.from(decodeEmbeddingPart(shifted.subarray(1)).vectors[2])).toEqual(Array.from(items[2].vector));
    // And from a Node Buffer (readFile), whose slice() is a view, not a copy.
    expect(Array.from(decodeEmbeddingPart(Buffer.from(bytes)).vectors[1])).toEqual(Array.from(items[1].vector));
  });

  it('refuses what is not a part, naming the problem', () => {
    expect(() => decodeEmbeddingPart(new TextEncoder().encode('<html>not found</html>'))).toThrow(/not an embedding part/);
    const good = encodeEmbeddingPart('m', 2, [{ imageKey: key(1), vector: new Float32Array(2), width: 1, height: 1 }]);
    expect(() => decodeEmbeddingPart(good.subarray(0, good.length - 4))).toThrow(/header says 8/);
    expect(() => encodeEmbeddingPart('m', 2, [{ imageKey: 'ABC', vector: new Float32Array(2), width: 1, height: 1 }])).toThrow(EmbeddingFileError);
    expect(() => encodeEmbeddingPart('m', 3, [{ imageKey: key(1), vector: new Float32Array(2), width: 1, height: 1 }])).toThrow(/expected 3/);
  });
});
