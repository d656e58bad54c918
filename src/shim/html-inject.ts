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
import { Transform } from 'node:stream';
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

/** Decoded HTML the tokenizer looks through for the head; past it the page passes untouched. */
export const INJECT_SCAN_LIMIT = 1024 * 1024;

/**
 * A Transform (Buffer in, Buffer out) that injects the tag into the HTML flowing through it.
 * The tokenizer only runs until the tag is in (or {@link INJECT_SCAN_LIMIT} characters went by
 * without a head): from then on bytes pass straight through, so a page of any size costs one
 * copy, and a page of megabytes of text without tags (parse5 collects text runs) costs no more
 * than the limit. Every token the tokenizer finished is emitted as its raw source; on the
 * switch, the input it had not finished is emitted raw from the last finished token's end.
 * `headerNonce`: the CSP nonce from the response headers; else a page script's own nonce.
 */
export function createInjectingStream(tagFor: (nonce?: string) => string, headerNonce?: string): Transform {
  const rewriter = new RewritingStream();
  // eslint-disable-next-line prefer-const -- the handlers above push into it
  let out: Transform;
  let injected = false;
  let passThrough = false;
  let pageNonce = headerNonce;
  // Input not yet emitted: `pending` holds the characters from absolute offset `pendingStart`.
  let pending = '';
  let pendingStart = 0;
  let fed = 0;

  const emitUpTo = (end: number, extra = '') => {
    const raw = pending.slice(0, end - pendingStart);
    pending = pending.slice(end - pendingStart);
    pendingStart = end;
    out.push(Buffer.from(raw + extra, 'latin1'));
  };
  const inject = () => {
    if (injected) return '';
    injected = true;
    return tagFor(pageNonce);
  };
  type Located = { sourceCodeLocation?: { startOffset: number; endOffset: number } | null };
  const on = (token: Located, before = '') => {
    const loc = token.sourceCodeLocation;
    if (!loc) return;
    if (before) emitUpTo(loc.startOffset, before);
    emitUpTo(loc.endOffset);
  };
  rewriter.on('startTag', (tag) => {
    let before = '';
    if (!injected) {
      if (tag.tagName === 'script' && tag.attrs.some((a) => a.name === INJECTED_MARKER)) injected = true; // already there
      else if (tag.tagName === 'script' && pageNonce === undefined) pageNonce = tag.attrs.find((a) => a.name === 'nonce')?.value;
      else if (tag.tagName === 'body') before = inject();
    }
    on(tag, before);
  });
  rewriter.on('endTag', (tag) => on(tag, !injected && ['head', 'body', 'html'].includes(tag.tagName) ? inject() : ''));
  for (const event of ['text', 'comment', 'doctype'] as const) rewriter.on(event, (token: Located) => on(token));

  const switchToPassThrough = () => {
    passThrough = true;
    rewriter.stop();
    if (pending.length > 0) emitUpTo(pendingStart + pending.length);
  };

  out = new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      try {
        if (passThrough) return callback(null, chunk);
        const text = chunk.toString('latin1');
        pending += text;
        fed += text.length;
        rewriter._transformChunk(text);
        if (injected || fed > INJECT_SCAN_LIMIT) switchToPassThrough();
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback) {
      try {
        if (!passThrough) {
          (rewriter as unknown as { lastChunkWritten: boolean }).lastChunkWritten = true;
          rewriter._transformChunk('');
          switchToPassThrough(); // whatever the tokenizer dropped at the end (a torn tag) still goes out
        }
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  return out;
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
