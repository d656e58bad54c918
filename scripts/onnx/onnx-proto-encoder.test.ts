import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { ONNX_FLOAT, type OnnxModel } from './onnx-graph.ts';
import { decodeModel, encodeModel } from './onnx-proto-encoder.ts';

const ONE_THREAD = { intraOpNumThreads: 1, interOpNumThreads: 1 };

function model(graph: Partial<OnnxModel['graph']> & Pick<OnnxModel['graph'], 'nodes' | 'inputs' | 'outputs'>): OnnxModel {
  return {
    irVersion: 8,
    opsetVersion: 17,
    producerName: 'test',
    producerVersion: '0',
    graph: { name: 'g', initializers: [], ...graph },
  };
}

describe('encodeModel, run by onnxruntime-node', () => {
  it('a one-node Relu model gives relu of the input, with dynamic dims', async () => {
    const bytes = encodeModel(
      model({
        nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
        inputs: [{ name: 'x', elemType: ONNX_FLOAT, shape: ['n', 3] }],
        outputs: [{ name: 'y', elemType: ONNX_FLOAT, shape: ['n', 3] }],
      }),
    );
    const s = await ort.InferenceSession.create(bytes, ONE_THREAD);
    expect(s.inputNames).toEqual(['x']);
    expect(s.outputNames).toEqual(['y']);
    const x = new ort.Tensor('float32', Float32Array.from([-1, 0, 2.5, -3, 4, -0.5]), [2, 3]);
    const { y } = await s.run({ x });
    expect(y.dims).toEqual([2, 3]);
    expect(Array.from(y.data as Float32Array)).toEqual([0, 0, 2.5, 0, 4, 0]);
  });

  it('encodes initializers and ints/int attributes (Conv with stride and pads, Flatten)', async () => {
    // 1x1 conv, 2 input channels -> 1 output: y = 2*c0 - c1 + 0.5, stride 2, no padding.
    const bytes = encodeModel(
      model({
        nodes: [
          {
            opType: 'Conv',
            inputs: ['x', 'w', 'b'],
            outputs: ['c'],
            attributes: [
              { name: 'kernel_shape', type: 'ints', value: [1, 1] },
              { name: 'strides', type: 'ints', value: [2, 2] },
              { name: 'pads', type: 'ints', value: [0, 0, 0, 0] },
            ],
          },
          { opType: 'Flatten', inputs: ['c'], outputs: ['y'], attributes: [{ name: 'axis', type: 'int', value: 1 }] },
        ],
        initializers: [
          { name: 'w', dims: [1, 2, 1, 1], data: Float32Array.from([2, -1]) },
          { name: 'b', dims: [1], data: Float32Array.from([0.5]) },
        ],
        inputs: [{ name: 'x', elemType: ONNX_FLOAT, shape: [1, 2, 'h', 'w'] }],
        outputs: [{ name: 'y', elemType: ONNX_FLOAT, shape: [1, 'k'] }],
      }),
    );
    const s = await ort.InferenceSession.create(bytes, ONE_THREAD);
    // Channel 0 = 0..15, channel 1 = 1 everywhere, 4x4; stride 2 keeps (0,0),(0,2),(2,0),(2,2).
    const data = new Float32Array(32);
    for (let i = 0; i < 16; i++) {
      data[i] = i;
      data[16 + i] = 1;
    }
    const { y } = await s.run({ x: new ort.Tensor('float32', data, [1, 2, 4, 4]) });
    expect(y.dims).toEqual([1, 4]);
    expect(Array.from(y.data as Float32Array)).toEqual([0, 2, 8, 10].map((v) => 2 * v - 1 + 0.5));
  });

  it('encodes a float attribute (LeakyRelu alpha)', async () => {
    const bytes = encodeModel(
      model({
        nodes: [{ opType: 'LeakyRelu', inputs: ['x'], outputs: ['y'], attributes: [{ name: 'alpha', type: 'float', value: 0.25 }] }],
        inputs: [{ name: 'x', elemType: ONNX_FLOAT, shape: [2] }],
        outputs: [{ name: 'y', elemType: ONNX_FLOAT, shape: [2] }],
      }),
    );
    const s = await ort.InferenceSession.create(bytes, ONE_THREAD);
    const { y } = await s.run({ x: new ort.Tensor('float32', Float32Array.from([-4, 3]), [2]) });
    expect(Array.from(y.data as Float32Array)).toEqual([-1, 3]);
  });

  it('rejects a tensor whose data does not match its dims', () => {
    expect(() =>
      encodeModel(
        model({
          nodes: [],
          initializers: [{ name: 'w', dims: [2, 2], data: new Float32Array(3) }],
          inputs: [],
          outputs: [],
        }),
      ),
    ).toThrow(/dims 2x2 hold 4 values, data has 3/);
  });
});

describe('encodeModel, read back', () => {
  it('is deterministic and keeps metadata, doc string and opset', () => {
    const description: OnnxModel = {
      ...model({
        nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'], name: 'relu' }],
        inputs: [{ name: 'x', elemType: ONNX_FLOAT, shape: [1] }],
        outputs: [{ name: 'y', elemType: ONNX_FLOAT, shape: [1] }],
      }),
      docString: 'doc',
      metadata: [{ key: 'b', value: '2' }, { key: 'a', value: '1' }],
    };
    const bytes = encodeModel(description);
    expect(Buffer.from(encodeModel(description)).equals(Buffer.from(bytes))).toBe(true);
    const back = decodeModel(bytes);
    expect(back.docString).toBe('doc');
    expect(back.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(back.metadataProps.map((p) => [p.key, p.value])).toEqual([['b', '2'], ['a', '1']]);
    expect(back.graph?.node?.[0]?.name).toBe('relu');
  });
});
