/**
 * Puts the plugin's `<script>` into Label Studio's HTML pages (proxy mode), as a stream: the
 * page flows through parse5's HTML tokenizer (parse5-html-rewriting-stream) and goes out as it
 * comes in, so a page of any size starts arriving at once and is never held whole.
 *
 * A tokenizer, not a string search: `</head>` inside a `<script>` string or a comment is not
 * the head's end. The tag goes before the real `</head>`, or before `<body>`, `</body>` or
 * `</html>` when the head has no end tag, once; a page that already carries it is left alone,
 * and so are fragments with none of these tags (HTML snippets fetched by scripts).
 *
 * Bytes are kept: the body is decoded as latin-1 (one character per byte) and encoded back
 * the same way, so every byte the rewriter does not touch leaves exactly as it came, whatever
 * ASCII-compatible charset the page uses (UTF-8, windows-1252, ISO-8859-x, ...). Tags are
 * ASCII, so the tokenizer needs nothing more. UTF-16 pages are passed through untouched.
 *
 * Content-Security-Policy: when the page's policy names a script nonce, the tag carries it
 * (so `script-src 'nonce-…' 'strict-dynamic'` pages run the plugin instead of refusing it).
 */
import { compose, Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { RewritingStream } from 'parse5-html-rewriting-stream';

/** Attribute that marks our tag, so it is never injected twice. */
export const INJECTED_MARKER = 'data-cyto-ml-plugin';

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/**
 * The plugin's script tag. `base` is the URL prefix of the shim's files on this origin
 * (`/cyto-ml` on the proxy): the plugin loads `<base>/plugin/cyto-ml.js`, reads the manifest
 * at `<base>/models/manifest.json` and relays predictions to `<base>/api/predictions`.
 * `nonce`: the page's CSP script nonce, if any.
 */
export function pluginScriptTag(base: string, nonce?: string): string {
  const nonceAttribute = nonce ? ` nonce="${escapeAttribute(nonce)}"` : '';
  return (
    `<script src="${base}/plugin/cyto-ml.js" data-host="community" data-shim-url="${base}" ` +
    `data-manifest-url="${base}/models/manifest.json" ${INJECTED_MARKER}${nonceAttribute} defer></script>`
  );
}

/**
 * The script nonce a Content-Security-Policy header grants (`script-src-elem`, else
 * `script-src`, else `default-src`), if any. Several policies (comma-joined or repeated
 * headers) all apply, so any nonce found is the page's.
 */
export function cspScriptNonce(policies: string | string[] | undefined): string | undefined {
  const text = Array.isArray(policies) ? policies.join(',') : policies ?? '';
  for (const directive of ['script-src-elem', 'script-src', 'default-src']) {
    const match = new RegExp(`(?:^|[;,])\\s*${directive}\\s[^;,]*'nonce-([A-Za-z0-9+/=_-]+)'`, 'i').exec(text);
    if (match) return match[1];
  }
  return undefined;
}

/** The charset a Content-Type names, lower case, if any. */
export function charsetOf(contentType: string | undefined): string | undefined {
  return /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1]?.toLowerCase();
}

/** True when bytes in this charset are not ASCII-compatible (the rewriter must not touch them). */
export function isUtf16(charset: string | undefined): boolean {
  return charset !== undefined && /^utf-?16/.test(charset);
}

/**
 * A Transform (Buffer in, Buffer out) that injects `tag` into the HTML flowing through it.
 * `nonce`: a nonce to add when the header had none but the page's own scripts carry one.
 */
export function createInjectingStream(tagFor: (nonce?: string) => string, headerNonce?: string): Transform {
  // Typed as Transform for callers; it is a Duplex (compose) that behaves as one.
  const rewriter = new RewritingStream();
  let done = false;
  let pageNonce = headerNonce;
  const inject = () => {
    if (done) return;
    done = true;
    rewriter.emitRaw(tagFor(pageNonce));
  };
  rewriter.on('startTag', (tag, raw) => {
    if (!done) {
      if (tag.tagName === 'script' && tag.attrs.some((a) => a.name === INJECTED_MARKER)) done = true; // already there
      else if (tag.tagName === 'script' && pageNonce === undefined) pageNonce = tag.attrs.find((a) => a.name === 'nonce')?.value;
      else if (tag.tagName === 'body') inject();
    }
    rewriter.emitRaw(raw);
  });
  rewriter.on('endTag', (tag, raw) => {
    if (!done && (tag.tagName === 'head' || tag.tagName === 'body' || tag.tagName === 'html')) inject();
    rewriter.emitRaw(raw);
  });

  // latin-1 strings in and out (see the file comment); the rewriter takes and gives strings.
  const decode = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      callback(null, chunk.toString('latin1'));
    },
  });
  const encode = new Transform({
    decodeStrings: false,
    transform(chunk: string | Buffer, _encoding, callback: TransformCallback) {
      callback(null, typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    },
  });
  return compose(decode, rewriter, encode) as unknown as Transform;
}

/** Returns `html` with `tag` injected (whole-string form of {@link createInjectingStream}, for tests and small pages). */
export async function injectScriptTag(html: string, tag: string): Promise<string> {
  const stream = createInjectingStream(() => tag);
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const finished = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  stream.end(Buffer.from(html, 'latin1'));
  await finished;
  return Buffer.concat(chunks).toString('latin1');
}
