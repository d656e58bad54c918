import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeImage } from './decode-image.ts';
import { ImageError } from './image-errors.ts';
import { imageToTensor } from './image-to-tensor.ts';
import { loadTestImage } from './test-images/load.ts';

async function codeOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    return { code: (e as ImageError).code, message: (e as ImageError).message };
  }
  throw new Error('expected an ImageError');
}

/** A PNG header (signature + IHDR) claiming `width` x `height`; no pixel data. */
function pngHeader(width: number, height: number): ArrayBuffer {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  const v = new DataView(b.buffer);
  v.setUint32(16, width);
  v.setUint32(20, height);
  b.set([8, 6, 0, 0, 0], 24); // 8-bit RGBA
  return b.buffer;
}

/**
 * A fake browser: createImageBitmap gives a bitmap of the stored size (or the resize size),
 * OffscreenCanvas returns RGBA where every sample is 200. Records the calls.
 */
function stubBrowser(size: { width: number; height: number }) {
  const calls: { source: unknown; options: ImageBitmapOptions | undefined }[] = [];
  const closed: number[] = [];
  let id = 0;
  const makeBitmap = (width: number, height: number) => {
    const me = ++id;
    return { width, height, close: () => closed.push(me) };
  };
  vi.stubGlobal('createImageBitmap', async (source: unknown, options?: ImageBitmapOptions) => {
    calls.push({ source, options });
    if (options?.resizeWidth) return makeBitmap(options.resizeWidth, options.resizeHeight ?? 0);
    return makeBitmap(size.width, size.height);
  });
  vi.stubGlobal(
    'OffscreenCanvas',
    class {
      constructor(
        public width: number,
        public height: number,
      ) {}
      getContext() {
        return {
          drawImage: () => undefined,
          getImageData: (_x: number, _y: number, w: number, h: number) => ({
            data: new Uint8ClampedArray(w * h * 4).fill(200),
          }),
        };
      }
    },
  );
  return { calls, closed };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('decodeImage: dispatch', () => {
  it('TIFF → geotiff, from an ArrayBuffer or a Blob', async () => {
    for (const input of [loadTestImage('rgb-lzw-predictor.tif'), new Blob([loadTestImage('rgb-lzw-predictor.tif')])]) {
      const d = await decodeImage(input);
      expect([d.format, d.width, d.height, d.channels, d.sourceWidth, d.sourceHeight]).toEqual(['tiff', 40, 30, 3, 40, 30]);
    }
  });

  it('PNG → the browser path; sizes from the decoded bitmap', async () => {
    const { calls, closed } = stubBrowser({ width: 7, height: 5 });
    const d = await decodeImage(loadTestImage('tiny-rgba.png'));
    expect([d.format, d.width, d.height, d.channels, d.bitDepth]).toEqual(['png', 7, 5, 4, 8]);
    expect(calls).toHaveLength(1);
    expect(calls[0].source).toBeInstanceOf(Blob);
    expect(calls[0].options).toMatchObject({ premultiplyAlpha: 'none', colorSpaceConversion: 'none' });
    expect(closed).toEqual([1]);
  });

  it('maxSide downscales during decode with resizeQuality "high", keeping the source size', async () => {
    const { calls, closed } = stubBrowser({ width: 3000, height: 1500 });
    const d = await decodeImage(pngHeader(3000, 1500), { maxSide: 1024 });
    expect([d.width, d.height, d.sourceWidth, d.sourceHeight]).toEqual([1024, 512, 3000, 1500]);
    expect(calls[1].options).toMatchObject({ resizeWidth: 1024, resizeHeight: 512, resizeQuality: 'high' });
    expect(closed.sort()).toEqual([1, 2]);
  });

  it('the browser failing to decode → decode-failed', async () => {
    vi.stubGlobal('createImageBitmap', async () => {
      throw new DOMException('The source image could not be decoded.', 'InvalidStateError');
    });
    vi.stubGlobal('OffscreenCanvas', class {});
    const e = await codeOf(decodeImage(loadTestImage('tiny.jpg')));
    expect(e.code).toBe('decode-failed');
    expect(e.message).toMatch(/JPEG.*could not be decoded/);
  });

  it('no createImageBitmap (Node) → unsupported for browser formats, naming the need', async () => {
    const e = await codeOf(decodeImage(loadTestImage('tiny.gif')));
    expect(e.code).toBe('unsupported');
    expect(e.message).toMatch(/createImageBitmap/);
  });
});

describe('decodeImage: bad input', () => {
  it('HTML (a login page served instead of the image) → not-an-image, quoting it', async () => {
    const html = new TextEncoder().encode('<!DOCTYPE html><html><head><title>Login</title>').buffer;
    const e = await codeOf(decodeImage(html));
    expect(e.code).toBe('not-an-image');
    expect(e.message).toMatch(/<!DOCTYPE html>/);
    expect(e.message).toMatch(/PNG, JPEG, GIF, WEBP, BMP, TIFF/);
  });

  it('random bytes → not-an-image, with a hex preview', async () => {
    const e = await codeOf(decodeImage(Uint8Array.of(0, 1, 2, 3, 254, 255, 0, 9, 9).buffer));
    expect(e).toMatchObject({ code: 'not-an-image' });
    expect(e.message).toMatch(/00 01 02 03 fe ff 00 09/);
  });

  it('empty file (ArrayBuffer or Blob) → zero-size', async () => {
    expect((await codeOf(decodeImage(new ArrayBuffer(0)))).code).toBe('zero-size');
    expect((await codeOf(decodeImage(new Blob([])))).code).toBe('zero-size');
  });

  it('0 x 0 PNG → zero-size before decoding', async () => {
    const { calls } = stubBrowser({ width: 0, height: 0 });
    expect((await codeOf(decodeImage(pngHeader(0, 5)))).code).toBe('zero-size');
    expect(calls).toHaveLength(0);
  });

  it('10,000 x 10,000 PNG → too-large from the header, the browser never asked', async () => {
    const { calls } = stubBrowser({ width: 10000, height: 10000 });
    const e = await codeOf(decodeImage(pngHeader(10000, 10000), { maxSide: 1024 }));
    expect(e.code).toBe('too-large');
    expect(e.message).toMatch(/10000 x 10000 pixels \(100\.0 megapixels\); the limit is 50 megapixels/);
    expect(calls).toHaveLength(0);
  });

  it('10,000 x 10,000 TIFF → too-large', async () => {
    expect((await codeOf(decodeImage(loadTestImage('huge-10000.tif')))).code).toBe('too-large');
  });

  it('truncated TIFF → truncated; PNG cut inside its header → truncated', async () => {
    expect((await codeOf(decodeImage(loadTestImage('truncated-lzw.tif')))).code).toBe('truncated');
    expect((await codeOf(decodeImage(loadTestImage('tiny-rgba.png').slice(0, 20)))).code).toBe('truncated');
  });

  it('ImageError serialises to plain data for postMessage', async () => {
    try {
      await decodeImage(new ArrayBuffer(0));
    } catch (e) {
      const data = (e as ImageError).toData();
      expect(structuredClone(data)).toEqual({ code: 'zero-size', message: expect.stringMatching(/empty/) });
    }
  });
});

describe('imageToTensor', () => {
  it('native: FlowCam-like RGB TIFF at its own size', async () => {
    const t = await imageToTensor(loadTestImage('rgb-lzw-predictor.tif'), {
      resize: 'native',
      normalise: 'unit',
      highBitDepth: 'max',
    });
    expect([t.format, t.width, t.height, t.sourceWidth, t.sourceHeight, t.data.length]).toEqual([
      'tiff',
      40,
      30,
      40,
      30,
      3 * 40 * 30,
    ]);
  });

  it('crop 224 + imagenet: 16-bit greyscale', async () => {
    const t = await imageToTensor(loadTestImage('grey16-raw.tif'), {
      resize: { size: 224, fit: 'crop' },
      normalise: 'imagenet',
      highBitDepth: 'max',
    });
    expect([t.width, t.height, t.data.length, t.sourceWidth]).toEqual([224, 224, 3 * 224 * 224, 64]);
    expect(t.data.every(Number.isFinite)).toBe(true);
  });

  it('native asks the browser path to downscale to NATIVE_MAX_SIDE; fixed sizes do not', async () => {
    const { calls } = stubBrowser({ width: 2048, height: 1024 });
    const spec = { normalise: 'unit', highBitDepth: 'max' } as const;
    const native = await imageToTensor(pngHeader(2048, 1024), { ...spec, resize: 'native' });
    expect([native.width, native.height, native.sourceWidth]).toEqual([1024, 512, 2048]);
    expect(calls[1].options).toMatchObject({ resizeWidth: 1024, resizeHeight: 512 });
    calls.length = 0;
    const fixed = await imageToTensor(pngHeader(2048, 1024), { ...spec, resize: { size: 32, fit: 'stretch' } });
    expect([fixed.width, fixed.height]).toEqual([32, 32]);
    expect(calls).toHaveLength(1);
    // Every sample was 200 with alpha 200/255 over white.
    const a = 200 / 255;
    expect(fixed.data[0]).toBeCloseTo((200 * a + 255 * (1 - a)) / 255, 5);
  });
});
