/**
 * The shim: Label Studio's ML backend protocol, the prediction relay, the plugin and model
 * files, and (with a Label Studio URL) the Community proxy.
 *
 * Why fastify: it validates request bodies against JSON schemas (Ajv) before handlers run,
 * enforces per-route body limits while reading (a 10 MB post is cut off at the limit, not
 * buffered), parses JSON safely (prototype-poisoning checks), logs structured JSON through
 * pino, closes gracefully, and has maintained plugins for the rest (@fastify/static with
 * path-traversal protection, @fastify/cors, @fastify/reply-from for the proxy). Hand-rolled
 * parsing on node:http would have to redo all of that.
 */
import cors from '@fastify/cors';
import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';
import { installJsonErrors } from './http-errors.ts';
import { mlBackendRoutes } from './ml-backend-routes.ts';
import { withDefaults } from './options.ts';
import type { ShimOptions } from './options.ts';
import { openPredictionStore } from './prediction-store.ts';
import { createProxy } from './proxy.ts';
import { createRelayAuthorizer } from './relay-auth.ts';
import { relayRoutes } from './relay-routes.ts';
import { createCounters } from './shim-counters.ts';
import { embeddingFileRoutes } from './embedding-files.ts';
import { registerStaticFiles } from './static-files.ts';
import { capConnections, fastifyServerOptions, serverLimits } from './server-limits.ts';

/** A started shim. */
export interface RunningShim {
  /** Base URL of the ML backend server, e.g. `http://127.0.0.1:9090`. */
  url: string;
  /** Base URL of the Label Studio proxy, when proxy mode is on. */
  proxyUrl?: string;
  /** Stops accepting connections, waits for requests in flight, flushes the store. */
  close(): Promise<void>;
}

/** Thrown when a port cannot be listened on; the message says which and what to do. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

async function listen(app: FastifyInstance, port: number, host: string, what: string, flag: string): Promise<string> {
  try {
    await app.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      const why = code === 'EADDRINUSE' ? 'is already in use (is another shim running?)' : 'needs privileges';
      throw new PortInUseError(
        `cannot start the ${what}: port ${port} on ${host} ${why}. Stop the other program or choose another port with ${flag}.`,
      );
    }
    throw error;
  }
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `http://${shownHost}:${actualPort}`;
}

/**
 * Starts the shim with the given options (the rest from `SHIM_DEFAULTS`).
 * @throws MissingBuildError when the plugin is not built, PortInUseError when a port is taken,
 *   DataDirError / DataDirLockedError when the data dir is unusable or held by another shim.
 */
export async function startShim(partial: Partial<ShimOptions> = {}): Promise<RunningShim> {
  const options = withDefaults(partial);
  const limits = serverLimits(options.serverLimits);
  const app = Fastify({
    logger: { level: options.logLevel },
    // Header/request/keep-alive timeouts against slow clients; the connection cap below.
    ...fastifyServerOptions(limits),
    bodyLimit: options.bodyLimit,
    // Label Studio's payloads are JSON already; a string where a number belongs is a bug to
    // report, not to coerce.
    ajv: { customOptions: { coerceTypes: false } },
  });
  capConnections(app.server, limits.maxConnections);
  installJsonErrors(app);
  // `GET http://evil/ HTTP/1.1` (absolute form) or `OPTIONS *`: not a path of the shim's.
  app.addHook('onRequest', async (request, reply) => {
    if (!request.url.startsWith('/')) {
      await reply.code(400).send({ error: 'the request target must be a path starting with "/" (this is not a proxy)' });
    }
  });
  // Only JSON bodies: without this fastify would hand text/plain posts to handlers as strings.
  app.removeContentTypeParser('text/plain');

  const counters = createCounters();
  let proxy: FastifyInstance | undefined;
  try {
    await registerStaticFiles(app, { pluginDir: options.pluginDir, modelsDir: options.modelsDir, prefix: '' });
  } catch (error) {
    await app.close();
    throw error;
  }
  let store;
  try {
    store = await openPredictionStore(options.dataDir, app.log, options.storeLimits);
  } catch (error) {
    await app.close();
    throw error;
  }

  try {
    const origins = [...options.allowOrigins];
    if (options.labelStudioUrl) origins.push(new URL(options.labelStudioUrl).origin);
    await app.register(cors, {
      origin: origins.length > 0 ? origins : false,
      methods: ['GET', 'HEAD', 'POST', 'OPTIONS'],
      allowedHeaders: ['content-type', 'authorization'],
      maxAge: 600,
    });
    const authorize = options.basicAuth
      ? createRelayAuthorizer({ basicAuth: options.basicAuth, labelStudioUrl: options.labelStudioUrl })
      : undefined;
    await app.register(relayRoutes, { store, counters, authorize });
    await app.register(mlBackendRoutes, { store, counters, basicAuth: options.basicAuth, bodyLimit: options.bodyLimit });
    await app.register(embeddingFileRoutes, { dataDir: options.dataDir, authorize }); // issue 14: pre-computed embeddings

    const url = await listen(app, options.port, options.host, 'ML backend server', '--port');
    let proxyUrl: string | undefined;
    if (options.labelStudioUrl) {
      proxy = await createProxy({
        labelStudioUrl: options.labelStudioUrl,
        isolate: options.isolate,
        pluginDir: options.pluginDir,
        modelsDir: options.modelsDir,
        store,
        counters,
        authorize,
        logger: app.log,
        dataDir: options.dataDir, // issue 14: the proxy serves the embedding parts too
        serverLimits: limits,
      });
      proxyUrl = await listen(proxy, options.proxyPort, options.host, 'Label Studio proxy', '--proxy-port');
      app.log.info({ proxyUrl, labelStudio: options.labelStudioUrl }, 'open Label Studio through the proxy to get the plugin');
    }
    app.log.info({ url, dataDir: options.dataDir }, 'ML backend shim ready: use this URL in Project > Settings > Model');

    let closing: Promise<void> | undefined;
    return {
      url,
      proxyUrl,
      close() {
        closing ??= (async () => {
          await proxy?.close();
          await app.close();
          await store.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await proxy?.close();
    await app.close();
    await store.close();
    throw error;
  }
}
