import { describe, expect, it } from 'vitest';
import { createInjectingStream, cspScriptNonce, INJECT_SCAN_LIMIT, pluginScriptTag } from './html-inject.ts';

const TAG = pluginScriptTag('/cyto-ml');

/** Streams `input` through the injector in chunks of `size` bytes. */
async function streamed(input: Buffer, size: number, nonce?: string): Promise<Buffer> {
  const stream = createInjectingStream((n) => pluginScriptTag('/cyto-ml', n), nonce);
  const out: Buffer[] = [];
  stream.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  for (let i = 0; i < input.length; i += size) stream.write(input.subarray(i, i + size));
  stream.end();
  await done;
  return Buffer.concat(out);
}

const PAGES: Record<string, Buffer> = {
  'Label Studio-like page': Buffer.from('<!DOCTYPE html>\r\n<html lang="en">\r\n<head>\r\n<meta charset="utf-8">\r\n<title>Label Studio</title>\r\n<script nonce="abc">window.APP_SETTINGS = {"a": "</div>"};</script>\r\n</head>\r\n<body><div id="app">é ✓</div></body>\r\n</html>\r\n'),
  'head end in a script string and a comment': Buffer.from('<html><head><script>var s = "</head>";</script><!-- </head> --><style>p::after{content:"</head>"}</style></head><body></body></html>'),
  'latin-1 bytes and a torn tag at the end': Buffer.concat([Buffer.from('<html><head><title>'), Buffer.from([0xe9, 0xff, 0x80]), Buffer.from('</title></head><body><p>x</p><di')]),
  'no head end': Buffer.from('<html><body><p>x</p></body></html>'),
  'fragment': Buffer.from('<div class="partial">no head or body</div>'),
};

describe('streamed injection', () => {
  for (const [name, page] of Object.entries(PAGES)) {
    it(`${name}: same bytes in any chunking, plus the tag at most once`, async () => {
      const whole = await streamed(page, page.length);
      for (const size of [1, 3, 7, 64]) expect((await streamed(page, size)).equals(whole), `chunks of ${size}`).toBe(true);
      const text = whole.toString('latin1');
      expect(text.split('data-cyto-ml-plugin').length - 1).toBeLessThanOrEqual(1);
      // Taking the tag out gives the input back, byte for byte.
      const without = text.replace(/<script src="\/cyto-ml\/plugin\/cyto-ml\.js"[^>]*><\/script>/, '');
      expect(Buffer.from(without, 'latin1').equals(page)).toBe(true);
    });
  }

  it('puts the tag right before the real </head>, with a page script\'s nonce when the header has none', async () => {
    const out = (await streamed(PAGES['Label Studio-like page'], 5)).toString('utf8');
    expect(out).toContain(`</script>\r\n${pluginScriptTag('/cyto-ml', 'abc')}</head>`);
    const tricky = (await streamed(PAGES['head end in a script string and a comment'], 4)).toString();
    expect(tricky).toContain(`</style>${TAG}</head>`);
  });

  it('stops looking after the scan limit: a page without tags passes whole and untouched', async () => {
    const big = Buffer.alloc(INJECT_SCAN_LIMIT * 3, 0x20);
    const out = await streamed(big, 64 * 1024);
    expect(out.equals(big)).toBe(true);
  });

  it('reads the script nonce of a CSP header', () => {
    expect(cspScriptNonce("default-src 'self'; script-src 'nonce-AbC+/=' 'strict-dynamic'")).toBe('AbC+/=');
    expect(cspScriptNonce(["img-src *", "default-src 'nonce-x1'"])).toBe('x1');
    expect(cspScriptNonce("style-src 'nonce-s'")).toBeUndefined();
    expect(cspScriptNonce(undefined)).toBeUndefined();
  });
});
