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
import { PassThrough, pipeline, Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import replyFrom from '@fastify/reply-from';
import Fastify from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { charsetOf, createInjectingStream, cspScriptNonce, isUtf16, pluginScriptTag } from './html-inject.ts';
import { installJsonErrors } from './http-errors.ts';
import type { PredictionStore } from './prediction-store.ts';
import type { RelayAuthorizer } from './relay-auth.ts';
import { relayRoutes } from './relay-routes.ts';
import { embeddingFileRoutes } from './embedding-files.ts';
import type { ShimCounters } from './shim-counters.ts';
import { registerStaticFiles } from './static-files.ts';
import { capConnections, fastifyServerOptions, serverLimits } from './server-limits.ts';
import type { ServerLimits } from './server-limits.ts';

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
  /** Relay writers' check when auth is on. */
  authorize?: RelayAuthorizer;
  logger: FastifyBaseLogger;
  /** The shim's data folder (embedding parts, issue 14); absent: no embedding routes on the proxy. */
  dataDir?: string;
  /** Timeouts and the connection cap of the proxy's HTTP server (server.ts `serverLimits`). */
  serverLimits?: Partial<ServerLimits>;
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

/**
 * True when the shim can rewrite this response's body: HTML, in an encoding it can decode,
 * in an ASCII-compatible charset.
 */
function rewritable(headers: IncomingHttpHeaders): boolean {
  const encoding = encodingOf(headers);
  return isHtml(headers) && (encoding === 'identity' || encoding in DECODERS) && !isUtf16(charsetOf(String(headers['content-type'])));
}

interface Rewrite {
  encoding: string;
  nonce?: string;
}

/** `X-Forwarded-For` with the client appended (the standard proxy chain). */
function forwardedFor(existing: string | string[] | undefined, client: string | undefined): string {
  const before = Array.isArray(existing) ? existing.join(', ') : existing;
  return [before, client ?? 'unknown'].filter(Boolean).join(', ');
}

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not the message, so a
 * proxy drops them from what it passes on. `Trailer` above all: Node refuses to send it on an
 * answer that cannot carry trailers (to HEAD, to an HTTP/1.0 client, or with a length) and
 * throws outside any handler, which ended the process (issue 19).
 */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'http2-settings'];

/** A copy of upstream answer headers without the hop-by-hop ones (and those `Connection` names). */
export function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const named = String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim()).filter(Boolean);
  const out: IncomingHttpHeaders = { ...headers };
  for (const name of [...HOP_BY_HOP, ...named]) delete out[name];
  return out;
}

/** True when a request comes from a page of another origin than the proxy's own (a cross-site write). */
function crossOrigin(request: AnyRequest): boolean {
  if (request.headers['sec-fetch-site'] === 'cross-site') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false; // not a browser, or a same-origin GET: curl, the tools
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true; // `Origin: null` (sandboxed frames, file://): never this proxy's own page
  }
}

/** Largest decoded size of a compressed HTML page (a decompression bomb stops here). */
export const MAX_DECODED_HTML = 64 * 1024 * 1024;

/** Counts bytes through it and fails past `limit`. */
function sizeGuard(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      if (seen > limit) callback(new Error(`the page decompresses to more than ${limit / 1024 / 1024} MiB (a decompression bomb?)`));
      else callback(null, chunk);
    },
  });
}

/** Clears what was set for the upstream answer and answers 502 JSON, unless already sent. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- reply-from hands replies of any raw server type
type AnyReply = FastifyReply<any, any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyRequest = FastifyRequest<any, any, any>;

function badGateway(reply: AnyReply, message: string): void {
  if (reply.sent || reply.raw.headersSent) {
    (reply.raw as { destroy(): void }).destroy();
    return;
  }
  for (const name of Object.keys(reply.getHeaders())) reply.removeHeader(name);
  void reply.code(502).type('application/json').header('cache-control', 'no-store').send({ error: message });
}

/**
 * Sends an HTML answer through the decoder (if compressed) and the injecting stream. The
 * status line waits for the first output bytes, so a body that fails at once (corrupt
 * gzip, an upstream that closes before sending anything) gets a 502 for this request only;
 * a failure later ends this one response early. Nothing is ever thrown out of here.
 */
function sendInjected(request: AnyRequest, reply: AnyReply, source: Readable, rewrite: Rewrite, origin: string): void {
  const stages: Transform[] = [];
  const decoder = DECODERS[rewrite.encoding];
  if (decoder) stages.push(decoder(), sizeGuard(MAX_DECODED_HTML));
  stages.push(createInjectingStream((nonce) => pluginScriptTag(PROXY_PREFIX, nonce), rewrite.nonce));
  const output = new PassThrough();
  let started = false;
  pipeline([source, ...stages, output], (error) => {
    if (!error) return;
    request.log.warn({ err: error }, 'could not read an HTML page from Label Studio');
    if (!started) {
      started = true;
      badGateway(reply, `could not read the page from Label Studio at ${origin}: ${error.message}`);
    } else {
      // The status line is out: end this one response early (the client sees it cut).
      (reply.raw as { destroy(): void }).destroy();
    }
  });
  output.once('readable', () => {
    if (started) return;
    started = true;
    void reply.send(output);
  });
}

/** `http://ls:8080/user/login/?next=/` becomes `/user/login/?next=/` when `ls:8080` is upstream. */
export function relativeLocation(location: string, upstreamOrigin: string): string {
  try {
    const url = new URL(location);
    if (url.origin !== upstreamOrigin) return location;
    // `http://ls//evil.example/x` has the path `//evil.example/x`, which as a relative
    // Location is protocol-relative: off-site. One leading slash keeps it on the proxy.
    const path = `/${url.pathname.replace(/^[/\\]+/, '')}`;
    return `${path}${url.search}${url.hash}`;
  } catch {
    return location; // already relative
  }
}

/** Builds the proxy server (not listening yet). */
export async function createProxy(options: ProxyOptions): Promise<FastifyInstance> {
  const upstream = new URL(options.labelStudioUrl);
  const limits = serverLimits(options.serverLimits);
  const app = Fastify({ loggerInstance: options.logger.child({ component: 'proxy' }), ...fastifyServerOptions(limits) });
  capConnections(app.server, limits.maxConnections);
  // `GET http://evil/ HTTP/1.1` (absolute form) and `OPTIONS *`: a client error, not a path to pass on.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/')) {
      await reply.code(400).type('application/json').send({ error: 'the request target must be a path starting with "/" (this is not a forward proxy)' });
    }
  });

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
    // The shim's routes on the proxy are for the proxy's own pages (same origin): it answers their
    // CORS preflights itself, granting nothing, instead of passing them to Label Studio (whose
    // `*` a browser would take as leave to post), and refuses writes from another origin.
    own.options(`${PROXY_PREFIX}/*`, async (_request, reply) => reply.code(204).header('vary', 'Origin').header('cache-control', 'no-store').send());
    own.addHook('onRequest', async (request, reply) => {
      if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return;
      if (crossOrigin(request)) {
        await reply.code(403).send({ error: 'cross-origin writes are refused: post from a page served by this proxy' });
      }
    });
    await own.register(relayRoutes, { prefix: PROXY_PREFIX, store: options.store, counters: options.counters, authorize: options.authorize });
    await registerStaticFiles(own, { pluginDir: options.pluginDir, modelsDir: options.modelsDir, prefix: PROXY_PREFIX });
    if (options.dataDir) await own.register(embeddingFileRoutes, { prefix: PROXY_PREFIX, dataDir: options.dataDir, authorize: options.authorize }); // issue 14
  });

  // Everything else: to Label Studio, bodies streamed through untouched.
  await app.register(async (pass) => {
    pass.removeAllContentTypeParsers();
    pass.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
    await pass.register(replyFrom, {
      base: upstream.origin,
      undici: { headersTimeout: 10 * 60_000, bodyTimeout: 5 * 60_000 },
    });

    // Requests whose HTML answer gets the tag, with the upstream body's encoding and CSP nonce.
    const rewrite = new WeakMap<object, Rewrite>();
    pass.all('/*', (request, reply) => {
      return reply.from(request.url, {
        // No retries on the client's behalf: reply-from's default retried a 503 up to 10 times,
        // each after the upstream's Retry-After (3600 became 3.6 s each). The 503 and its
        // Retry-After go to the client at once; its own retry policy decides.
        retryDelay: () => null,
        rewriteRequestHeaders: (req, headers) => {
          const out: IncomingHttpHeaders = { ...headers, host: req.headers.host };
          // Page loads: ask for an uncompressed page so it can be edited without decoding.
          if (/text\/html/i.test(req.headers.accept ?? '')) out['accept-encoding'] = 'identity';
          // Node already answered `100 Continue` to the client; undici refuses the header.
          delete out.expect;
          out['x-forwarded-for'] = forwardedFor(req.headers['x-forwarded-for'], req.socket.remoteAddress);
          out['x-forwarded-proto'] = req.headers['x-forwarded-proto'] ?? req.protocol;
          out['x-forwarded-host'] = req.headers['x-forwarded-host'] ?? req.headers.host;
          return out;
        },
        rewriteHeaders: (headers) => {
          const out = withoutHopByHop(headers);
          if (typeof out.location === 'string') out.location = relativeLocation(out.location, upstream.origin);
          if (rewritable(headers)) {
            // HEAD gets the headers GET gets (no length: the page is streamed, edited).
            if (request.method !== 'HEAD') {
              rewrite.set(request, { encoding: encodingOf(headers), nonce: cspScriptNonce(headers['content-security-policy']) });
            }
            delete out['content-length'];
            delete out['content-encoding'];
          }
          return out;
        },
        onResponse: (req, rep, res) => {
          const plan = rewrite.get(req);
          if (plan === undefined) {
            void rep.send(res.stream);
            return;
          }
          sendInjected(req, rep, res.stream as Readable, plan, upstream.origin);
        },
        onError: (rep, { error }) => {
          // 504 when Label Studio was too slow, 502 for everything else it failed at.
          const status = (error as { statusCode?: number }).statusCode === 504 ? 504 : 502;
          if (status === 502) {
            badGateway(rep, `Label Studio at ${upstream.origin} did not answer: ${error.message}. Is it running?`);
            return;
          }
          void rep
            .code(status)
            .type('application/json')
            .send({ error: `Label Studio at ${upstream.origin} did not answer in time: ${error.message}` });
        },
      });
    });
  });

  return app;
}
