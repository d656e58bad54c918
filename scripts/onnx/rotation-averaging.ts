/**
 * Wraps an embedding graph so that it embeds each image at four rotations (0, 90, 180, 270
 * degrees) and returns the mean of the four vectors: an embedding that does not change when the
 * particle is rotated by a right angle. Plankton crops come in any orientation; a network trained
 * on upright photos gives a rotated copy of the same particle a different vector.
 *
 * In-graph, so the engine needs no change: Transpose + reversing Slices make the rotated copies,
 * Concat puts them in one batch of 4N, the network runs once, Split + Mean average per image.
 * Costs four times the network's time. Only for square inputs (a 90-degree turn swaps H and W).
 */
import type { OnnxModel, OnnxNode } from './onnx-graph.ts';

const INT32_MIN = -2147483648;

/** The same model, rotation-averaged. Input and output names and shapes are unchanged. */
export function withRotationAveraging(model: OnnxModel, inputName = 'input', outputName = 'embedding'): OnnxModel {
  const g = model.graph;
  const input = g.inputs.find((i) => i.name === inputName);
  if (!input?.shape || input.shape[2] !== input.shape[3]) throw new Error(`rotation averaging needs a square input ${inputName} [N, C, S, S]`);
  const inner = `${inputName}/rotations`;
  const innerOut = `${outputName}/rotations`;
  const rename = (n: OnnxNode): OnnxNode => ({
    ...n,
    inputs: n.inputs.map((i) => (i === inputName ? inner : i)),
    outputs: n.outputs.map((o) => (o === outputName ? innerOut : o)),
  });
  const flip = (from: string, to: string, axes: number[]): OnnxNode[] => [
    { opType: 'Slice', inputs: [from, `rot/starts${axes.length}`, `rot/ends${axes.length}`, `rot/axes${axes.join('')}`, `rot/steps${axes.length}`], outputs: [to] },
  ];
  const pre: OnnxNode[] = [
    // 90°: transpose then reverse the columns; 180°: reverse rows and columns; 270°: transpose then reverse rows.
    { opType: 'Transpose', inputs: [inputName], outputs: ['rot/t'], attributes: [{ name: 'perm', type: 'ints', value: [0, 1, 3, 2] }] },
    ...flip('rot/t', 'rot/90', [3]),
    ...flip(inputName, 'rot/180', [2, 3]),
    ...flip('rot/t', 'rot/270', [2]),
    { opType: 'Concat', inputs: [inputName, 'rot/90', 'rot/180', 'rot/270'], outputs: [inner], attributes: [{ name: 'axis', type: 'int', value: 0 }] },
  ];
  const post: OnnxNode[] = [
    { opType: 'Split', inputs: [innerOut], outputs: ['rot/e0', 'rot/e90', 'rot/e180', 'rot/e270'], attributes: [{ name: 'axis', type: 'int', value: 0 }] },
    { opType: 'Mean', inputs: ['rot/e0', 'rot/e90', 'rot/e180', 'rot/e270'], outputs: [outputName] },
  ];
  const i32 = (values: number[]): Int32Array => Int32Array.from(values);
  return {
    ...model,
    graph: {
      ...g,
      nodes: [...pre, ...g.nodes.map(rename), ...post],
      initializers: [
        { name: 'rot/starts1', dims: [1], data: i32([-1]) },
        { name: 'rot/ends1', dims: [1], data: i32([INT32_MIN]) },
        { name: 'rot/steps1', dims: [1], data: i32([-1]) },
        { name: 'rot/starts2', dims: [2], data: i32([-1, -1]) },
        { name: 'rot/ends2', dims: [2], data: i32([INT32_MIN, INT32_MIN]) },
        { name: 'rot/steps2', dims: [2], data: i32([-1, -1]) },
        { name: 'rot/axes3', dims: [1], data: i32([3]) },
        { name: 'rot/axes2', dims: [1], data: i32([2]) },
        { name: 'rot/axes23', dims: [2], data: i32([2, 3]) },
        ...g.initializers,
      ],
    },
  };
}
