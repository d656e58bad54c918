/**
 * Deterministic weight initialisation for the generated models.
 *
 * Why not Math.random or a Box-Muller normal: the generated files are pinned by SHA-256 in
 * models/manifest.json, so every machine and JS engine must produce the same bits. The PRNG
 * below uses only 32-bit integer operations, and the init uses only +, -, *, / and Math.sqrt,
 * which IEEE 754 and ECMAScript define exactly (correctly rounded); Math.log/exp/cos are
 * implementation-approximated and may differ between engines. Each value is rounded once, by
 * Math.fround, when it is stored into the Float32Array.
 */

/** mulberry32: a tiny 32-bit-state PRNG, good enough for weights, exact on every engine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A source of uniform doubles in [0, 1), each built from one 32-bit draw (exact: u / 2^32). */
export class SeededUniform {
  private readonly next: () => number;

  constructor(seed: number) {
    this.next = mulberry32(seed);
  }

  /** Uniform in [0, 1). */
  unit(): number {
    return this.next() / 4294967296;
  }

  /** Fills `out` with U(-bound, bound), rounded to float32. */
  fillSymmetric(out: Float32Array, bound: number): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = (this.unit() * 2 - 1) * bound;
    return out;
  }
}

/**
 * He (Kaiming) uniform bound for a ReLU network: a = sqrt(6 / fan_in), so Var = a^2/3 = 2/fan_in
 * and activations keep their scale from layer to layer.
 */
export function heUniformBound(fanIn: number): number {
  return Math.sqrt(6 / fanIn);
}

/** PyTorch's default conv bias bound, 1/sqrt(fan_in): small offsets that break ReLU symmetry. */
export function biasBound(fanIn: number): number {
  return 1 / Math.sqrt(fanIn);
}
