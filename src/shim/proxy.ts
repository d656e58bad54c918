/**
 * Proxy mode, for Label Studio Community (which has no plugin field): a second server, on its
 * own port, that passes every request to Label Studio and injects the plugin's `<script>` into
 * its HTML pages. A separate port rather than the shim's own: Label Studio owns `/`, `/health`
 * and `/api/...`, which the ML backend protocol also uses.
 *
 * The shim's own files live under {@link PROXY_PREFIX}, a path Label Studio does not use:
 * `/cyto-ml/plugin/`, `/cyto-ml/models/` and `/cyto-ml/api/predictions`. Everything else,
 * Label Studio's own `/api/predictions/` included, goes to Label Studio.
 *
 * Passed unchanged: method, path, query, body (streamed, any size), cookies, and the `Host`
 * header (so Django's CSRF origin check sees the origin the browser sees). Changed: HTML
 * bodies (tag injected; upstream asked for identity encoding, gzip/br/deflate decoded if it
 * compressed anyway; Content-Length recomputed), `Location` headers that point at Label
 * Studio's own origin (made relative, so redirects stay on the proxy), and, with `isolate`,
 * COOP/COEP headers on every response.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import replyFrom from '@fastify/reply-from';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { injectScriptTag, pluginScriptTag } from './html-inject.ts';
import { installJsonErrors } from './http-errors.ts';
import type { PredictionStore } from './prediction-store.ts';
import { relayRoutes } from './relay-routes.ts';
import { embeddingFileRoutes } from './embedding-files.ts';
import type { ShimCounters } from './shim-counters.ts';
import { registerStaticFiles } from './static-files.ts';

/** URL prefix of the shim's files and relay on the proxy. */
export const PROXY_PREFIX = '/cyto-ml';

/** Headers that make a page cross-origin isolated (WASM threads need it). */
export const ISOLATION_HEADERS = Object.freeze({
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'credentialless',
});

/** Options of {@link createProxy}. */
export interface ProxyOptions {
  labelStudioUrl: string;
  isolate: boolean;
  pluginDir: string;
  modelsDir: string;
  store: PredictionStore;
  counters: ShimCounters;
  logger: FastifyBaseLogger;
  /** The shim's data folder (embedding parts, issue 14); absent: no embedding routes on the proxy. */
  dataDir?: string;
}

const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  br: createBrotliDecompress,
  deflate: createInflate,
};

function isHtml(headers: IncomingHttpHeaders): boolean {
  return /^\s*text\/html\b/i.test(String(headers['content-type'] ?? ''));
}

function encodingOf(headers: IncomingHttpHeaders): string {
  return String(headers['content-encoding'] ?? 'identity').trim().toLowerCase();
}

/** True when the shim can rewrite this response's body (HTML in an encoding it can decode). */
function rewritable(headers: IncomingHttpHeaders): boolean {
  const encoding = encodingOf(headers);
  return isHtml(headers) && (encoding === 'identity' || encoding in DECODERS);
}

async function readBody(stream: Readable, encoding: string): Promise<string> {
  const decoder = DECODERS[encoding];
  const source: AsyncIterable<Buffer> = decoder ? stream.pipe(decoder()) : stream;
  const chunks: Buffer[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** `http://ls:8080/user/login/?next=/` becomes `/user/login/?next=/` when `ls:8080` is upstream. */
export function relativeLocation(location: string, upstreamOrigin: string): string {
  try {
    const url = new URL(location);
    return url.origin === upstreamOrigin ? `${url.pathname}${url.search}${url.hash}` : location;
  } catch {
    return location; // already relative
  }
}

/** Builds the proxy server (not listening yet). */
export async function createProxy(options: ProxyOptions): Promise<FastifyInstance> {
  const upstream = new URL(options.labelStudioUrl);
  const app = Fastify({ loggerInstance: options.logger.child({ component: 'proxy' }) });
  const tag = pluginScriptTag(PROXY_PREFIX);

  if (options.isolate) {
    app.addHook('onSend', async (_request, reply, payload) => {
      for (const [name, value] of Object.entries(ISOLATION_HEADERS)) reply.header(name, value);
      return payload;
    });
  }

  // The shim's own routes, with JSON errors; fastify's text/plain parser removed so a
  // non-JSON post is a 415, not a string the validator has to reject.
  await app.register(async (own) => {
    installJsonErrors(own);
    own.removeContentTypeParser('text/plain');
    await own.register(relayRoutes, { prefix: PROXY_PREFIX, store: options.store, counters: options.counters });
    await registerStaticFiles(own, { pluginDir: options.pluginDir, modelsDir: options.modelsDir, prefix: PROXY_PREFIX });
    if (options.dataDir) await own.register(embeddingFileRoutes, { prefix: PROXY_PREFIX, dataDir: options.dataDir }); // issue 14
  });

  // Everything else: to Label Studio, bodies streamed through untouched.
  await app.register(async (pass) => {
    pass.removeAllContentTypeParsers();
    pass.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    await pass.register(replyFrom, {
      base: upstream.origin,
      undici: { headersTimeout: 10 * 60_000, bodyTimeout: 5 * 60_000 },
    });

    // Requests whose HTML answer gets the tag, with the upstream body's content encoding.
    const rewrite = new WeakMap<object, string>();
    pass.all('/*', (request, reply) => {
      return reply.from(request.url, {
        rewriteRequestHeaders: (req, headers) => {
          const out: IncomingHttpHeaders = { ...headers, host: req.headers.host };
          // Page loads: ask for an uncompressed page so it can be edited without decoding.
          if (/text\/html/i.test(req.headers.accept ?? '')) out['accept-encoding'] = 'identity';
          return out;
        },
        rewriteHeaders: (headers) => {
          const out: IncomingHttpHeaders = { ...headers };
          if (typeof out.location === 'string') out.location = relativeLocation(out.location, upstream.origin);
          if (rewritable(headers) && request.method !== 'HEAD') {
            rewrite.set(request, encodingOf(headers));
            delete out['content-length'];
            delete out['content-encoding'];
          }
          return out;
        },
        onResponse: (req, rep, res) => {
          const encoding = rewrite.get(req);
          if (encoding === undefined) {
            void rep.send(res.stream);
            return;
          }
          readBody(res.stream, encoding).then(
            (html) => rep.send(injectScriptTag(html, tag)),
            (error: Error) => {
              req.log.error({ err: error }, 'could not read an HTML page from Label Studio');
              void rep.code(502).send({ error: `could not read the page from Label Studio: ${error.message}` });
            },
          );
        },
        onError: (rep, { error }) => {
          // 504 when Label Studio was too slow, 502 for everything else it failed at.
          const status = (error as { statusCode?: number }).statusCode === 504 ? 504 : 502;
          void rep
            .code(status)
            .type('application/json')
            .send({ error: `Label Studio at ${upstream.origin} did not answer: ${error.message}. Is it running?` });
        },
      });
    });
  });

  return app;
}
