/**
 * One drawer per sample class. Each returns a plan: the particle's half extents (so the crop
 * can be sized around it, as FlowCam crops are) and a function that draws it centred at a
 * point. Classes differ in what a network sees first (colour, contrast, outline, texture),
 * and each varies within itself in size, elongation, rotation, counts and contrast.
 */
import { createNoise } from './noise.ts';
import type { Rng } from './prng.ts';
import type { Raster, Rgb } from './raster.ts';
import { boxAround, ellipseSdf, flat, paint, polarSdf, taperedSegmentSdf, unionSdf, type Sdf } from './shapes.ts';
import type { SampleClass } from './classes.ts';

/** What a drawer returns. */
export interface ParticlePlan {
  halfWidth: number;
  halfHeight: number;
  draw(raster: Raster, cx: number, cy: number): void;
}

/** Makes one particle of a class from a random source. */
export type ParticleMaker = (rng: Rng) => ParticlePlan;

/** Mix two colours: t=0 gives a, t=1 gives b. */
function mix(a: Rgb, b: Rgb, t: number): Rgb {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

function shadeBy(c: Rgb, f: number): Rgb {
  return [c[0] * f, c[1] * f, c[2] * f];
}

/** Jitter a colour a little, so no two cells of a class share one exact hue. */
function jitter(rng: Rng, c: Rgb, amount = 0.04): Rgb {
  return [c[0] + rng.range(-amount, amount), c[1] + rng.range(-amount, amount), c[2] + rng.range(-amount, amount)];
}

/** Half extents of an ellipse with semi-axes rx, ry rotated by `angle`. */
function ellipseExtents(rx: number, ry: number, angle: number): [number, number] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  return [Math.hypot(rx * c, ry * s), Math.hypot(rx * s, ry * c)];
}

/** Ring of width `w` just inside an outline. */
function innerRing(sdf: Sdf, w: number): Sdf {
  return (x, y) => Math.abs(sdf(x, y) + w / 2) - w / 2;
}

// Pigment palettes: green algae, golden-brown (diatoms, chrysophytes), blue-green.
const CELL_PALETTES: ReadonlyArray<{ inner: Rgb; wall: Rgb }> = [
  { inner: [0.55, 0.66, 0.36], wall: [0.2, 0.28, 0.14] },
  { inner: [0.66, 0.6, 0.36], wall: [0.3, 0.24, 0.12] },
  { inner: [0.48, 0.62, 0.52], wall: [0.16, 0.26, 0.22] },
];

/** A round or oval unicell: membrane ring, chloroplast texture, granules. */
const roundCell: ParticleMaker = (rng) => {
  const r = rng.range(18, 60);
  const aspect = rng.range(1, 1.4);
  const rx = r;
  const ry = r / aspect;
  const angle = rng.range(0, Math.PI);
  const palette = rng.pick(CELL_PALETTES);
  const inner = jitter(rng, palette.inner);
  const wall = jitter(rng, palette.wall, 0.03);
  const opacity = rng.range(0.55, 0.85);
  const wallWidth = rng.range(1.4, 3.2);
  const wallOpacity = rng.range(0.7, 0.9);
  const texture = createNoise(rng, rng.range(4, 9), 3);
  const granuleCount = Math.round(rng.range(10, 40) * (rx * ry) / 900);
  const granules = Array.from({ length: granuleCount }, () => {
    const a = rng.range(0, 2 * Math.PI);
    const d = Math.sqrt(rng.next()) * 0.78;
    return { u: Math.cos(a) * d, v: Math.sin(a) * d, size: rng.range(0.8, 2.4), alpha: rng.range(0.3, 0.7) };
  });
  const pyrenoid = rng.chance(0.5) ? { u: rng.range(-0.3, 0.3), v: rng.range(-0.3, 0.3), size: r * rng.range(0.12, 0.22) } : null;
  const [hw, hh] = ellipseExtents(rx, ry, angle);
  return {
    halfWidth: hw,
    halfHeight: hh,
    draw(raster, cx, cy) {
      const body = ellipseSdf(cx, cy, rx, ry, angle);
      const box = boxAround(cx, cy, Math.max(rx, ry));
      paint(raster, box, body, (x, y, d) => {
        // Darker towards the rim (the cell is thicker there along the light path).
        const rim = Math.max(0, 1 + d / (0.35 * ry));
        const t = texture.sample(x, y);
        return { color: shadeBy(inner, 1 + 0.16 * t - 0.18 * rim), alpha: opacity * (0.85 + 0.15 * t) };
      });
      const cos = Math.cos(angle);
      const sin = Math.sin(angle);
      for (const g of granules) {
        const gx = cx + (g.u * rx * cos - g.v * ry * sin);
        const gy = cy + (g.u * rx * sin + g.v * ry * cos);
        paint(raster, boxAround(gx, gy, g.size), ellipseSdf(gx, gy, g.size, g.size), flat(wall, g.alpha));
      }
      if (pyrenoid) {
        const px = cx + (pyrenoid.u * rx * cos - pyrenoid.v * ry * sin);
        const py = cy + (pyrenoid.u * rx * sin + pyrenoid.v * ry * cos);
        paint(raster, boxAround(px, py, pyrenoid.size), ellipseSdf(px, py, pyrenoid.size, pyrenoid.size), flat(mix(inner, [0.95, 0.95, 0.85], 0.6), 0.55));
      }
      paint(raster, box, innerRing(body, wallWidth), flat(wall, wallOpacity));
    },
  };
};

/** A round body with radiating spines (Staurastrum-, Micrasterias-, radiolarian-like). */
const spikyCell: ParticleMaker = (rng) => {
  const r = rng.range(13, 36);
  const aspect = rng.range(1, 1.15);
  const angle = rng.range(0, Math.PI);
  const spineCount = rng.int(6, 20);
  const meanLength = r * rng.range(0.7, 1.5);
  const baseWidth = rng.range(1.0, 2.2);
  const phase = rng.range(0, 2 * Math.PI);
  const spines = Array.from({ length: spineCount }, (_, i) => ({
    theta: phase + (2 * Math.PI * i) / spineCount + rng.range(-0.12, 0.12),
    length: meanLength * rng.range(0.8, 1.2),
  }));
  const palette = rng.pick(CELL_PALETTES);
  const inner = shadeBy(jitter(rng, palette.inner), 0.8);
  const wall = jitter(rng, palette.wall, 0.03);
  const spineColor = mix(wall, [0.35, 0.33, 0.28], 0.4);
  const opacity = rng.range(0.7, 0.92);
  const texture = createNoise(rng, rng.range(3, 6), 3);
  const reach = r + meanLength * 1.2;
  return {
    halfWidth: reach,
    halfHeight: reach,
    draw(raster, cx, cy) {
      for (const s of spines) {
        const c = Math.cos(s.theta);
        const sn = Math.sin(s.theta);
        const ax = cx + c * r * 0.8;
        const ay = cy + sn * r * 0.8;
        const bx = cx + c * (r + s.length);
        const by = cy + sn * (r + s.length);
        paint(raster, [Math.min(ax, bx) - 4, Math.min(ay, by) - 4, Math.max(ax, bx) + 4, Math.max(ay, by) + 4],
          taperedSegmentSdf(ax, ay, bx, by, baseWidth, 0.3), flat(spineColor, 0.85));
      }
      const body = ellipseSdf(cx, cy, r, r / aspect, angle);
      const box = boxAround(cx, cy, r);
      paint(raster, box, body, (x, y) => {
        const t = texture.sample(x, y);
        return { color: shadeBy(inner, 1 + 0.22 * t), alpha: opacity };
      });
      paint(raster, box, innerRing(body, 2.2), flat(wall, 0.85));
    },
  };
};

/** A filament of bead- or rod-shaped cells along a gentle curve, with heterocytes and sheath. */
const chain: ParticleMaker = (rng) => {
  const cellLength = rng.range(8, 15);
  const cellWidth = rng.range(6, 11);
  const spacing = cellLength * rng.range(0.92, 1.05);
  // At most ~180 px long so the filament fits the largest crop uncut.
  const count = Math.min(rng.int(5, 13), Math.floor(180 / spacing));
  const total = spacing * count;
  const direction = rng.range(0, Math.PI);
  const bend = rng.range(-1, 1) * 0.6 / total; // curvature: offset = bend * s²
  const palette = CELL_PALETTES[2];
  const inner = jitter(rng, palette.inner);
  const wall = jitter(rng, palette.wall, 0.03);
  const heterocytes = new Set<number>();
  const hCount = rng.int(1, count > 8 ? 2 : 1);
  while (heterocytes.size < hCount) heterocytes.add(rng.int(1, count - 2));
  const dx = Math.cos(direction);
  const dy = Math.sin(direction);
  const cells = Array.from({ length: count }, (_, i) => {
    const s = (i + 0.5) * spacing - total / 2;
    const off = bend * s * s;
    const tangent = Math.atan2(dy + 2 * bend * s * dx, dx - 2 * bend * s * dy);
    const het = heterocytes.has(i);
    return {
      x: s * dx - off * dy,
      y: s * dy + off * dx,
      angle: tangent,
      rx: (cellLength / 2) * (het ? 1.15 : rng.range(0.92, 1.05)),
      ry: (cellWidth / 2) * (het ? 1.2 : rng.range(0.93, 1.05)),
      het,
    };
  });
  let hw = 0;
  let hh = 0;
  for (const c of cells) {
    const [ex, ey] = ellipseExtents(c.rx, c.ry, c.angle);
    hw = Math.max(hw, Math.abs(c.x) + ex + 3);
    hh = Math.max(hh, Math.abs(c.y) + ey + 3);
  }
  const sheathOpacity = rng.range(0.12, 0.3);
  return {
    halfWidth: hw,
    halfHeight: hh,
    draw(raster, cx, cy) {
      const sheath = unionSdf(cells.map((c) => ellipseSdf(cx + c.x, cy + c.y, c.rx + 2.5, c.ry + 2.5, c.angle)));
      const box = [cx - hw, cy - hh, cx + hw, cy + hh] as const;
      paint(raster, box, sheath, flat([0.86, 0.9, 0.88], sheathOpacity));
      for (const c of cells) {
        const body = ellipseSdf(cx + c.x, cy + c.y, c.rx, c.ry, c.angle);
        const cbox = boxAround(cx + c.x, cy + c.y, Math.max(c.rx, c.ry));
        const fill = c.het ? mix(inner, [0.86, 0.86, 0.7], 0.6) : shadeBy(inner, 0.82);
        paint(raster, cbox, body, flat(fill, c.het ? 0.6 : 0.88));
        paint(raster, cbox, innerRing(body, c.het ? 2.2 : 1), flat(wall, c.het ? 0.85 : 0.5));
      }
    },
  };
};

/** Small round cells packed in a translucent mucilage halo (Microcystis-, Volvox-like). */
const colony: ParticleMaker = (rng) => {
  const halo = rng.range(28, 72);
  const stretch = rng.range(1, 1.3);
  const angle = rng.range(0, Math.PI);
  const wobble = Array.from({ length: 4 }, (_, k) => ({ k: k + 2, a: rng.range(0, 0.06), p: rng.range(0, 2 * Math.PI) }));
  const hollow = rng.chance(0.3); // Volvox-like spheres have cells only near the surface
  const cellRadius = rng.range(2.8, 6);
  const target = Math.round(((halo * halo) / (cellRadius * cellRadius)) * rng.range(0.18, 0.32));
  const cells: Array<{ x: number; y: number; r: number }> = [];
  for (let tries = 0; tries < target * 30 && cells.length < target; tries++) {
    const a = rng.range(0, 2 * Math.PI);
    const d = hollow ? rng.range(0.62, 0.8) : Math.sqrt(rng.next()) * 0.78;
    const x = Math.cos(a) * d * halo * stretch;
    const y = Math.sin(a) * d * halo;
    const r = cellRadius * rng.range(0.85, 1.15);
    if (cells.every((c) => Math.hypot(c.x - x, c.y - y) > (c.r + r) * 0.95)) cells.push({ x, y, r });
  }
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const palette = rng.pick(CELL_PALETTES);
  const inner = shadeBy(jitter(rng, palette.inner), 0.9);
  const wall = jitter(rng, palette.wall, 0.03);
  const haloColor = jitter(rng, [0.88, 0.9, 0.92], 0.02);
  const haloOpacity = rng.range(0.25, 0.45);
  const [hw, hh] = ellipseExtents(halo * stretch * 1.1, halo * 1.1, angle);
  return {
    halfWidth: hw,
    halfHeight: hh,
    draw(raster, cx, cy) {
      const outline = polarSdf(cx, cy, (theta) => {
        // Ellipse radius in direction theta, then a gentle lumpiness.
        const t = theta - angle;
        const base = (halo * stretch * halo) / Math.hypot(halo * Math.cos(t), halo * stretch * Math.sin(t));
        return base * (1 + wobble.reduce((s, w) => s + w.a * Math.cos(w.k * theta + w.p), 0));
      });
      const box = [cx - hw - 2, cy - hh - 2, cx + hw + 2, cy + hh + 2] as const;
      paint(raster, box, outline, flat(haloColor, haloOpacity));
      paint(raster, box, innerRing(outline, 1.5), flat(shadeBy(haloColor, 0.75), 0.35));
      for (const c of cells) {
        const x = cx + c.x * cos - c.y * sin;
        const y = cy + c.x * sin + c.y * cos;
        const body = ellipseSdf(x, y, c.r, c.r);
        paint(raster, boxAround(x, y, c.r), body, (_x, _y, d) => ({ color: shadeBy(inner, 1 + 0.25 * Math.min(0, d / c.r + 0.5)), alpha: 0.85 }));
        paint(raster, boxAround(x, y, c.r), innerRing(body, 1), flat(wall, 0.6));
      }
    },
  };
};

/** Amorphous dark flocs: lumpy outlines, uneven density, loose fragments around. */
const detritus: ParticleMaker = (rng) => {
  const lumps = rng.chance(0.35) ? rng.int(2, 4) : 1;
  const size = rng.range(22, 66);
  const stretch = rng.range(1, 1.8);
  const angle = rng.range(0, Math.PI);
  const blobs = Array.from({ length: lumps }, (_, i) => ({
    x: i === 0 ? 0 : rng.range(-0.7, 0.7) * size * stretch,
    y: i === 0 ? 0 : rng.range(-0.5, 0.5) * size,
    r: i === 0 ? size * 0.6 : size * rng.range(0.25, 0.45),
    harmonics: Array.from({ length: 7 }, (_, k) => ({ k: k + 2, a: rng.range(0, 0.3) / (k + 2) ** 0.9, p: rng.range(0, 2 * Math.PI) })),
  }));
  const fragments = Array.from({ length: rng.int(2, 9) }, () => ({
    x: rng.range(-1, 1) * size * stretch * 0.95,
    y: rng.range(-1, 1) * size * 0.85,
    r: rng.range(1.5, 6),
    lumps: Array.from({ length: 3 }, (_, k) => ({ k: k + 2, a: rng.range(0, 0.15), p: rng.range(0, 2 * Math.PI) })),
  }));
  // Browns and grey-browns of decaying organic matter and mineral flocs.
  const color = jitter(rng, rng.pick<Rgb>([[0.3, 0.22, 0.13], [0.34, 0.28, 0.2], [0.24, 0.21, 0.18], [0.38, 0.3, 0.18]]), 0.03);
  const density = rng.range(0.75, 0.95);
  const texture = createNoise(rng, rng.range(4, 10), 4);
  // Fine-grained porosity: flocs are loose aggregates, not solid sheets with big holes.
  const holes = createNoise(rng, rng.range(1.8, 3.5), 2);
  // Ragged outlines: radius noise sampled around a circle, so it closes on itself.
  const ragged = createNoise(rng, 1, 3);
  const raggedness = rng.range(0.06, 0.16);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const [hw, hh] = ellipseExtents(size * stretch * 1.15, size * 1.05, angle);
  return {
    halfWidth: hw,
    halfHeight: hh,
    draw(raster, cx, cy) {
      const place = (u: number, v: number): [number, number] => [cx + u * cos - v * sin, cy + u * sin + v * cos];
      const shapes: Sdf[] = blobs.map((b, i) => {
        const [bx, by] = place(b.x, b.y);
        return polarSdf(bx, by, (theta) => {
          const t = theta - angle;
          const ellipse = (b.r * stretch) / Math.hypot(Math.cos(t), stretch * Math.sin(t));
          const lump =
            b.harmonics.reduce((s, h) => s + h.a * Math.cos(h.k * theta + h.p), 0) +
            raggedness * ragged.sample(3 * Math.cos(theta) + 10 * i, 3 * Math.sin(theta));
          return Math.max(b.r * 0.3, ellipse * (1 + lump));
        });
      });
      const body = unionSdf(shapes);
      const box = [cx - hw - 4, cy - hh - 4, cx + hw + 4, cy + hh + 4] as const;
      paint(raster, box, body, (x, y, d) => {
        const t = texture.sample(x, y);
        const pore = Math.max(0, holes.sample(x, y));
        // Dense core, looser fringe: opacity falls over the outer ~6 px, and more pores there.
        const fringe = Math.min(1, Math.max(0, 1 + d / 6));
        const alpha = density * (0.9 + 0.1 * t) * (1 - (0.25 + 0.5 * fringe) * pore) * (1 - 0.35 * fringe);
        return { color: shadeBy(color, 1 + 0.25 * t), alpha };
      });
      for (const f of fragments) {
        const [fx, fy] = place(f.x, f.y);
        const outline = polarSdf(fx, fy, (th) => f.r * (1 + f.lumps.reduce((s, l) => s + l.a * Math.cos(l.k * th + l.p), 0)));
        paint(raster, boxAround(fx, fy, f.r * 1.8), outline, flat(color, density * 0.9));
      }
    },
  };
};

/** An air bubble: a bright centre inside a thick dark ring, perfectly round, colourless. */
const bubble: ParticleMaker = (rng) => {
  const r = rng.range(12, 52);
  const ringDark = rng.range(0.06, 0.22);
  const centre = rng.range(0.93, 1);
  const ringStart = rng.range(0.5, 0.72);
  return {
    halfWidth: r * 1.08,
    halfHeight: r * 1.08,
    draw(raster, cx, cy) {
      // Faint bright diffraction halo just outside the edge.
      paint(raster, boxAround(cx, cy, r * 1.1), (x, y) => Math.abs(Math.hypot(x - cx, y - cy) - r * 1.04) - r * 0.04, flat([0.93, 0.93, 0.93], 0.35));
      paint(raster, boxAround(cx, cy, r), ellipseSdf(cx, cy, r, r), (x, y) => {
        const t = Math.hypot(x - cx, y - cy) / r;
        let lum: number;
        if (t < ringStart) lum = centre - (centre - 0.8) * (t / ringStart) ** 2;
        else if (t < 0.88) lum = 0.8 + (ringDark - 0.8) * ((t - ringStart) / (0.88 - ringStart)) ** 0.7;
        else lum = ringDark + (0.35 - ringDark) * ((t - 0.88) / 0.12);
        return { color: [lum, lum, lum], alpha: 0.95 };
      });
    },
  };
};

/** The drawer for each class. */
export const PARTICLE_MAKERS: Readonly<Record<SampleClass, ParticleMaker>> = Object.freeze({
  'round-cell': roundCell,
  'spiky-cell': spikyCell,
  chain,
  colony,
  detritus,
  bubble,
});
