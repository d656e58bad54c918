import { describe, expect, it } from 'vitest';
import { pixelsToRgba, thumbnailRgba } from './thumbnail-pixels.ts';

describe('pixelsToRgba', () => {
  it('spreads 8-bit greyscale to opaque RGB', () => {
    const rgba = pixelsToRgba({ width: 2, height: 1, channels: 1, bitDepth: 8, data: new Uint8Array([0, 200]) });
    expect([...rgba]).toEqual([0, 0, 0, 255, 200, 200, 200, 255]);
  });

  it("scales 16-bit by the image's own maximum, so a 12-bit camera image is visible", () => {
    const rgba = pixelsToRgba({ width: 3, height: 1, channels: 1, bitDepth: 16, data: new Uint16Array([0, 2048, 4095]) });
    expect([...rgba]).toEqual([0, 0, 0, 255, 128, 128, 128, 255, 255, 255, 255, 255]);
  });

  it('keeps RGB channels and 8-bit alpha', () => {
    const rgba = pixelsToRgba({ width: 1, height: 1, channels: 4, bitDepth: 8, data: new Uint8Array([10, 20, 30, 40]) });
    expect([...rgba]).toEqual([10, 20, 30, 40]);
  });

  it('averages boxes when scaling down, keeping the aspect ratio', () => {
    // 4 x 2 greyscale: left half 0 and 100, right half 200 → 2 x 1 of box means.
    const t = thumbnailRgba({ width: 4, height: 2, channels: 1, bitDepth: 8, data: new Uint8Array([0, 100, 200, 200, 100, 0, 200, 200]) }, 2);
    expect(t.width).toBe(2);
    expect(t.height).toBe(1);
    expect([...t.rgba]).toEqual([50, 50, 50, 255, 200, 200, 200, 255]);
  });
});
