/**
 * `npm run import` over decompression bombs (issue 19): each bomb is refused with a message
 * naming the problem, the good images beside them are imported, and the process's peak RSS stays
 * bounded. The bombs are made here, in a temp folder (nothing big is committed):
 *
 * - a 452 KB LZW strip that inflates to ~600 MB (geotiff's own decoder aborted V8 on it);
 * - a ~1 MB Deflate strip that inflates to 1 GB (geotiff's took 2.1 GB);
 * - a TIFF with 1,000,000 strips (3 GB in geotiff's bookkeeping);
 * - a PNG whose header says 10,000 x 10,000 (decided from the header, never inflated);
 * - a PNG whose 64 x 64 header comes with IDAT inflating to 256 MB.
 *
 * The import runs in a child process (a V8 fatal error there fails this test instead of killing
 * the test runner), which reports its summary and `process.resourceUsage().maxRSS`.
 */
import { execFileSync } from 'node:child_process';
import { crc32, createDeflate } from 'node:zlib';
import { mkdtemp, rm, writeFile, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode } from 'fast-png';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_IMAGES_DIR } from '../embedding/test-images/load.ts';
import { decodeTiff, MAX_TIFF_BLOCKS } from '../embedding/decode-tiff.ts';
import { lzwDecodeBounded } from '../embedding/tiff-bounded-decoders.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** MSB-first bit writer. */
class Bits {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  write(value: number, width: number): void {
    for (let i = width - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) {
        this.bytes.push(this.acc);
        this.acc = 0;
        this.n = 0;
      }
    }
  }
  get length(): number {
    return this.bytes.length;
  }
  done(): Uint8Array {
    if (this.n > 0) this.bytes.push(this.acc << (8 - this.n));
    return Uint8Array.from(this.bytes);
  }
}

/**
 * A valid TIFF LZW stream of zeros about `size` bytes long: after each clear code, codes 0, 258,
 * 259, … each one zero longer than the last (1 + 2 + … + 3836 ≈ 7.4 MB per 5.6 KB cycle).
 */
function lzwZeroBomb(size: number): { data: Uint8Array; inflated: number } {
  const bits = new Bits();
  let inflated = 0;
  let width = 9;
  bits.write(256, width);
  while (bits.length < size) {
    bits.write(0, width);
    inflated += 1;
    let next = 258;
    for (let code = 258; code < 4094; code++) {
      bits.write(code, width);
      inflated += code - 256;
      next++;
      if (next + 1 >= 1 << width && width < 12) width++;
    }
    bits.write(256, width);
    width = 9;
  }
  bits.write(257, width);
  return { data: bits.done(), inflated };
}

/** zlib stream of `size` zero bytes, made in 1 MB writes. */
async function deflatedZeros(size: number): Promise<Uint8Array> {
  const z = createDeflate({ level: 9 });
  const chunks: Buffer[] = [];
  z.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((resolve) => z.on('end', resolve));
  const mb = Buffer.alloc(1 << 20);
  for (let written = 0; written < size; written += mb.length) {
    if (!z.write(mb)) await new Promise((resolve) => z.once('drain', resolve));
  }
  z.end();
  await ended;
  return new Uint8Array(Buffer.concat(chunks));
}

/** A little-endian greyscale 8-bit TIFF; `strips` offsets/counts tables may repeat one block. */
function greyTiff(width: number, height: number, compression: number, rowsPerStrip: number, block: Uint8Array, stripCount = 1): Uint8Array {
  const entries: Array<[number, number, number, number | number[]]> = []; // tag, type, count, value(s)
  const headerAndIfd = 8 + 2 + 10 * 12 + 4;
  const blockAt = headerAndIfd;
  const tablesAt = blockAt + block.length + (block.length & 1);
  const offsets = stripCount > 1 ? new Array<number>(stripCount).fill(blockAt) : [blockAt];
  const counts = stripCount > 1 ? new Array<number>(stripCount).fill(block.length) : [block.length];
  entries.push([256, 4, 1, width], [257, 4, 1, height], [258, 3, 1, 8], [259, 3, 1, compression], [262, 3, 1, 1]);
  entries.push([273, 4, stripCount, offsets], [277, 3, 1, 1], [278, 4, 1, rowsPerStrip], [279, 4, stripCount, counts], [284, 3, 1, 1]);
  const tableBytes = stripCount > 1 ? 8 * stripCount : 0;
  const out = new Uint8Array(tablesAt + tableBytes);
  const v = new DataView(out.buffer);
  out.set([0x49, 0x49, 42, 0]);
  v.setUint32(4, 8, true);
  v.setUint16(8, entries.length, true);
  let table = tablesAt;
  entries.forEach(([tag, type, count, value], i) => {
    const at = 10 + i * 12;
    v.setUint16(at, tag, true);
    v.setUint16(at + 2, type, true);
    v.setUint32(at + 4, count, true);
    if (Array.isArray(value) && count > 1) {
      v.setUint32(at + 8, table, true);
      for (const x of value) {
        v.setUint32(table, x, true);
        table += 4;
      }
    } else {
      const x = Array.isArray(value) ? value[0] : value;
      if (type === 3) v.setUint16(at + 8, x, true);
      else v.setUint32(at + 8, x, true);
    }
  });
  out.set(block, blockAt);
  return out;
}

/** A PNG with the given header and raw zlib stream as its only IDAT. */
function pngWithIdat(width: number, height: number, zlib: Uint8Array): Uint8Array {
  const good = encode({ width: 1, height: 1, data: new Uint8Array(3), channels: 3, depth: 8 });
  // Signature + IHDR (25 bytes) of a real PNG, with the size patched (the CRC is not checked by fast-png's header read; fix it anyway).
  const head = good.slice(0, 33);
  new DataView(head.buffer).setUint32(16, width);
  new DataView(head.buffer).setUint32(20, height);
  new DataView(head.buffer).setUint32(29, crc32(head.subarray(12, 29)));
  const chunk = (type: string, data: Uint8Array): Uint8Array => {
    const c = new Uint8Array(12 + data.length);
    const v = new DataView(c.buffer);
    v.setUint32(0, data.length);
    c.set([...type].map((ch) => ch.charCodeAt(0)), 4);
    c.set(data, 8);
    v.setUint32(8 + data.length, crc32(c.subarray(4, 8 + data.length)));
    return c;
  };
  const parts = [head, chunk('IDAT', zlib), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

describe('bounded TIFF decoding', () => {
  it('the bounded LZW decoder reads the test bomb as far as its bound, and a real LZW TIFF as geotiff did', async () => {
    const bomb = lzwZeroBomb(20_000);
    expect(bomb.inflated).toBeGreaterThan(20_000_000);
    expect(() => lzwDecodeBounded(bomb.data, 64 * 64)).toThrow(/LZW block decodes to more than the 4096 bytes/);
    // Exactly its size: the whole stream decodes (the encoder above is a valid LZW encoder).
    const all = lzwDecodeBounded(bomb.data, bomb.inflated);
    expect(all.length).toBe(bomb.inflated);
    expect(all.every((b) => b === 0)).toBe(true);
  });

  it('refuses more than MAX_TIFF_BLOCKS strips from the directory', async () => {
    const tiff = greyTiff(1, MAX_TIFF_BLOCKS + 1, 1, 1, new Uint8Array([7]), MAX_TIFF_BLOCKS + 1);
    await expect(decodeTiff(tiff.buffer as ArrayBuffer)).rejects.toMatchObject({ code: 'too-large', message: expect.stringMatching(/65537 strips; the limit is 65536/) });
    // The same layout under the limit decodes.
    const ok = greyTiff(1, 1000, 1, 1, new Uint8Array([7]), 1000);
    const pixels = await decodeTiff(ok.buffer as ArrayBuffer);
    expect([pixels.width, pixels.height, pixels.data[999]]).toEqual([1, 1000, 7]);
  });
});

describe('npm run import over decompression bombs', () => {
  it('refuses each bomb with a message, imports the good images, and stays under 400 MB RSS', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'cyto-bombs-'));
    const out = await mkdtemp(join(tmpdir(), 'cyto-bombs-out-'));
    dirs.push(folder, out);
    const lzw = lzwZeroBomb(452 * 1024);
    expect(lzw.inflated).toBeGreaterThan(500_000_000);
    await writeFile(join(folder, 'lzw-bomb.tif'), greyTiff(64, 64, 5, 64, lzw.data));
    const deflate = await deflatedZeros(1 << 30);
    expect(deflate.length).toBeLessThan(1.1 * 2 ** 20);
    await writeFile(join(folder, 'deflate-bomb.tif'), greyTiff(64, 64, 8, 64, deflate));
    await writeFile(join(folder, 'million-strips.tif'), greyTiff(1, 1_000_000, 1, 1, new Uint8Array([1]), 1_000_000));
    await writeFile(join(folder, 'huge-header.png'), pngWithIdat(10_000, 10_000, await deflatedZeros(1 << 20)));
    await writeFile(join(folder, 'idat-bomb.png'), pngWithIdat(64, 64, await deflatedZeros(256 << 20)));
    await copyFile(join(TEST_IMAGES_DIR, 'rgb-lzw.tif'), join(folder, 'good.tif'));
    await writeFile(join(folder, 'good.png'), encode({ width: 8, height: 8, data: new Uint8Array(192).map((_, i) => i), channels: 3, depth: 8 }));

    const script = join(out, 'run.mts');
    await writeFile(script, `
      import { folderDestination } from ${JSON.stringify(join(REPO, 'src/import/destinations.ts'))};
      import { runImport } from ${JSON.stringify(join(REPO, 'src/import/run-import.ts'))};
      const summary = await runImport({ folder: process.argv[2], destination: await folderDestination(process.argv[3], 'images/', 'image'), quiet: true, batchSize: 2 });
      console.log(JSON.stringify({ summary, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
    `);
    const stdout = execFileSync(join(REPO, 'node_modules/.bin/tsx'), [script, folder, join(out, 'tasks')], { encoding: 'utf8', timeout: 120_000, cwd: REPO });
    const { summary, maxRssMB } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { summary: { created: number; skipped: Record<string, Array<{ path: string; detail: string }>> }; maxRssMB: number };
    console.log(`import over 5 bombs + 2 good images: peak RSS ${maxRssMB.toFixed(0)} MB`);
    expect(summary.created).toBe(2);
    const refused = new Map(summary.skipped.unreadable.map((s) => [s.path, s.detail]));
    expect([...refused.keys()].sort()).toEqual(['deflate-bomb.tif', 'huge-header.png', 'idat-bomb.png', 'lzw-bomb.tif', 'million-strips.tif']);
    expect(refused.get('lzw-bomb.tif')).toMatch(/LZW block decodes to more than the 4096 bytes/);
    expect(refused.get('deflate-bomb.tif')).toMatch(/Deflate block decodes to more than the 4096 bytes/);
    expect(refused.get('million-strips.tif')).toMatch(/1000000 strips; the limit is 65536/);
    expect(refused.get('huge-header.png')).toMatch(/10000 x 10000 pixels \(100\.0 megapixels\); the limit is 50 megapixels/);
    expect(refused.get('idat-bomb.png')).toMatch(/inflates to more than the \d+ bytes a 64 x 64 image needs/);
    expect(maxRssMB).toBeLessThan(400);
  }, 180_000);
});
