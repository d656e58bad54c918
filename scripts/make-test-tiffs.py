#!/usr/bin/python3
"""Make the small TIFFs that the image-decoding tests read (src/embedding/test-images/).

Run with Debian's interpreter, which has PIL (with libtiff) and numpy:
    /usr/bin/python3 scripts/make-test-tiffs.py

Seeded, so the output is the same on every run (byte-identical for a given PIL/libtiff).
Besides the TIFFs it writes `expected.json`: for each file its size, mode, compression and
predictor as PIL reads them back, a few pixel values at fixed coordinates, the sum of all
samples and (for 16-bit) the maximum, so the TypeScript tests check real values decoded by
geotiff against an independent decoder (libtiff via PIL).
"""
import json
import os

import numpy as np
from PIL import Image

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'embedding', 'test-images')
rng = np.random.default_rng(20240611)


def smooth_rgb(w, h):
    """A gradient plus noise: compresses well and makes the horizontal predictor matter."""
    y, x = np.mgrid[0:h, 0:w]
    r = (x * 255 // max(w - 1, 1))
    g = (y * 255 // max(h - 1, 1))
    b = ((x + y) * 7) % 256
    img = np.stack([r, g, b], axis=-1).astype(np.int32)
    img += rng.integers(-6, 7, size=img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


def samples_at(arr, points):
    return [{'x': x, 'y': y, 'v': np.atleast_1d(arr[y, x]).astype(int).tolist()} for x, y in points]


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}

    def save(name, img, **kw):
        path = os.path.join(OUT, name)
        img.save(path, **kw)
        back = Image.open(path)
        arr = np.asarray(back)
        h, w = arr.shape[:2]
        points = [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w // 2, h // 2), (w // 3, (2 * h) // 3)]
        entry = {
            'width': w,
            'height': h,
            'mode': back.mode,
            'compression': back.tag_v2.get(259),
            'predictor': back.tag_v2.get(317, 1),
            'channels': 1 if arr.ndim == 2 else arr.shape[2],
            'sum': int(arr.astype(np.int64).sum()),
            'max': int(arr.max()),
            'samples': samples_at(arr, points),
        }
        expected[name] = entry
        return path

    rgb = smooth_rgb(40, 30)
    im = Image.fromarray(rgb, 'RGB')
    # tiffinfo={317: 2} asks libtiff for the horizontal predictor; checked below via the tag.
    save('rgb-lzw-predictor.tif', im, compression='tiff_lzw', tiffinfo={317: 2})
    save('rgb-lzw.tif', im, compression='tiff_lzw')
    save('rgb-deflate.tif', im, compression='tiff_adobe_deflate')
    save('rgb-packbits.tif', im, compression='packbits')
    save('rgb-raw.tif', im)

    rgba = np.concatenate([smooth_rgb(20, 16), np.zeros((16, 20, 1), np.uint8)], axis=-1)
    # Alpha: left half opaque, right half transparent, one column half-transparent.
    rgba[:, :8, 3] = 255
    rgba[:, 8, 3] = 128
    rgba[:, 9:, 3] = 0
    save('rgba-lzw.tif', Image.fromarray(rgba, 'RGBA'), compression='tiff_lzw')

    grey = smooth_rgb(33, 21)[:, :, 0]
    save('grey-deflate.tif', Image.fromarray(grey, 'L'), compression='tiff_adobe_deflate')

    # Flow-cytometer-like 16-bit greyscale: values only in about 600..1020, uncompressed strips.
    y, x = np.mgrid[0:64, 0:64]
    g16 = 600 + ((x + y) * 420 // 126) + rng.integers(-3, 4, size=(64, 64))
    g16 = np.clip(g16, 600, 1020).astype(np.uint16)
    g16[32, 32] = 1020  # make sure the max is exactly 1020
    im16 = Image.frombytes('I;16', (64, 64), g16.astype('<u2').tobytes())
    save('grey16-raw.tif', im16)

    # The same values big-endian ("MM" byte order).
    save('grey16-be.tif', Image.frombytes('I;16B', (64, 64), g16.astype('>u2').tobytes()))

    # Palette (photometric 3): expectations are for the RGB it expands to.
    pal = Image.fromarray(smooth_rgb(10, 6), 'RGB').convert('P', palette=Image.ADAPTIVE, colors=16)
    save('palette.tif', pal, compression='packbits')
    rgb_of_pal = np.asarray(pal.convert('RGB')).astype(np.int64)
    expected['palette.tif']['rgbSum'] = int(rgb_of_pal.sum())
    expected['palette.tif']['rgbSamples'] = samples_at(rgb_of_pal, [(0, 0), (9, 5), (4, 3)])

    # Bilevel (1 bit per sample): a real TIFF we refuse as unsupported.
    save('bilevel.tif', Image.fromarray(smooth_rgb(16, 4)[:, :, 0] > 128))

    # Multi-page: page 0 is 12x10 RGB, page 1 is bigger; decoders must use page 0.
    p0 = Image.fromarray(smooth_rgb(12, 10), 'RGB')
    p1 = Image.fromarray(smooth_rgb(50, 40), 'RGB')
    save('multipage.tif', p0, save_all=True, append_images=[p1], compression='tiff_lzw')

    # Truncated: a valid LZW TIFF cut in half (PIL writes the IFD after the strips, so the
    # first half holds the header and part of the strip data but not the directory).
    big = Image.fromarray(smooth_rgb(64, 48), 'RGB')
    full = os.path.join(OUT, 'truncated-source.tmp.tif')
    big.save(full, compression='tiff_lzw', tiffinfo={317: 2})
    with open(full, 'rb') as f:
        data = f.read()
    os.remove(full)
    with open(os.path.join(OUT, 'truncated-lzw.tif'), 'wb') as f:
        f.write(data[: len(data) // 2])
    expected['truncated-lzw.tif'] = {'fullBytes': len(data), 'keptBytes': len(data) // 2}

    # Zero-size: a hand-written little-endian TIFF whose IFD says 0 x 0 (PIL refuses to write one).
    save_zero_size(os.path.join(OUT, 'zero-size.tif'))

    # Huge: a header-only TIFF claiming 10000 x 10000 RGB; no pixel data is stored, so a decoder
    # that reads rasters before checking the size would allocate 300 MB (and then fail).
    save_header_only(os.path.join(OUT, 'huge-10000.tif'), 10000, 10000)
    # Directory intact, strip data missing: the other way a file can be cut short.
    save_header_only(os.path.join(OUT, 'strips-missing.tif'), 100, 80)

    expected['resize'] = resize_references(rgb)
    save_browser_formats(expected)

    assert expected['rgb-lzw-predictor.tif']['predictor'] == 2, 'PIL did not write the predictor tag'
    assert expected['rgb-lzw-predictor.tif']['compression'] == 5

    with open(os.path.join(OUT, 'expected.json'), 'w') as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write('\n')


def save_browser_formats(expected):
    """Tiny PNG/JPEG/GIF/BMP/WebP files (odd, non-square sizes) for header parsing and for the
    browser decode test. The PNG is RGBA with varied alpha; its exact pixels are stored."""
    rgba = np.concatenate([smooth_rgb(7, 5), np.zeros((5, 7, 1), np.uint8)], axis=-1)
    rgba[:, :, 3] = np.array([255, 255, 200, 128, 64, 1, 0], np.uint8)[None, :]
    Image.fromarray(rgba, 'RGBA').save(os.path.join(OUT, 'tiny-rgba.png'))
    rgb = Image.fromarray(smooth_rgb(9, 6), 'RGB')
    # A 2 KB APP1 segment before the frame header, so the JPEG size reader must walk markers.
    rgb.save(os.path.join(OUT, 'tiny.jpg'), quality=90, exif=b'Exif\x00\x00' + bytes(2000))
    Image.fromarray(smooth_rgb(8, 4), 'RGB').convert('P').save(os.path.join(OUT, 'tiny.gif'))
    Image.fromarray(smooth_rgb(6, 3), 'RGB').save(os.path.join(OUT, 'tiny.bmp'))
    Image.fromarray(smooth_rgb(5, 4), 'RGB').save(os.path.join(OUT, 'tiny-lossy.webp'), quality=80)
    Image.fromarray(smooth_rgb(11, 3), 'RGB').save(os.path.join(OUT, 'tiny-lossless.webp'), lossless=True)
    expected['browser'] = {
        'tiny-rgba.png': {'width': 7, 'height': 5, 'rgba': rgba.reshape(-1).astype(int).tolist()},
        'tiny.jpg': {'width': 9, 'height': 6},
        'tiny.gif': {'width': 8, 'height': 4},
        'tiny.bmp': {'width': 6, 'height': 3},
        'tiny-lossy.webp': {'width': 5, 'height': 4},
        'tiny-lossless.webp': {'width': 11, 'height': 3},
    }


def resize_references(rgb):
    """PIL's BILINEAR resize of the 40x30 RGB image in 0..1 floats (mode "F", one band at a
    time), for the TypeScript resampler to match: stretch down, stretch up, centred crop (as a
    source box) and an aspect-changing downscale. Sums and a few values per case."""
    h, w = rgb.shape[:2]
    side = min(w, h)
    cases = {
        'stretch-16': ((16, 16), None),
        'stretch-64': ((64, 64), None),
        'crop-24': ((24, 24), ((w - side) / 2, (h - side) / 2, (w + side) / 2, (h + side) / 2)),
        'down-13x7': ((13, 7), None),
    }
    out = {}
    for name, (size, box) in cases.items():
        planes = []
        for c in range(3):
            band = Image.fromarray(rgb[:, :, c].astype(np.float32) / np.float32(255), 'F')
            planes.append(np.asarray(band.resize(size, Image.BILINEAR, box=box), dtype=np.float64))
        chw = np.stack(planes)
        ow, oh = size
        pts = [(0, 0, 0), (1, ow - 1, 0), (2, 0, oh - 1), (0, ow // 2, oh // 2), (1, ow - 1, oh - 1)]
        out[name] = {
            'width': ow,
            'height': oh,
            'box': list(box) if box else None,
            'sum': float(chw.sum()),
            'samples': [{'c': c, 'x': x, 'y': y, 'v': float(chw[c, y, x])} for c, x, y in pts],
        }
    return out


def ifd(entries, next_offset=0):
    """Little-endian IFD bytes from (tag, type, count, value) entries (values fit in 4 bytes)."""
    import struct
    out = struct.pack('<H', len(entries))
    for tag, typ, count, value in sorted(entries):
        if typ == 3 and count == 1:
            out += struct.pack('<HHIHH', tag, typ, count, value, 0)
        else:
            out += struct.pack('<HHII', tag, typ, count, value)
    return out + struct.pack('<I', next_offset)


def save_zero_size(path):
    import struct
    entries = [(256, 4, 1, 0), (257, 4, 1, 0), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, 0), (279, 4, 1, 0)]
    with open(path, 'wb') as f:
        f.write(b'II' + struct.pack('<HI', 42, 8) + ifd(entries))


def save_header_only(path, w, h):
    import struct
    # BitsPerSample for 3 samples needs 6 bytes: stored after the IFD.
    n = 10
    ifd_size = 2 + n * 12 + 4
    bps_offset = 8 + ifd_size
    entries = [(256, 4, 1, w), (257, 4, 1, h), (258, 3, 3, bps_offset), (259, 3, 1, 1),
               (262, 3, 1, 2), (273, 4, 1, bps_offset + 6), (277, 3, 1, 3), (278, 4, 1, h),
               (279, 4, 1, w * h * 3), (284, 3, 1, 1)]
    assert len(entries) == n
    with open(path, 'wb') as f:
        f.write(b'II' + struct.pack('<HI', 42, 8) + ifd(entries) + struct.pack('<HHH', 8, 8, 8))


if __name__ == '__main__':
    main()
