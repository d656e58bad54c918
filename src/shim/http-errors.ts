/**
 * Every error the shim itself answers is JSON, `{"error": "..."}`, with a message that says
 * what was wrong and what is accepted, instead of fastify's generic `{"statusCode", "error":
 * "Bad Request", "message"}`. Wrong methods get 405 with `Allow`, not 404.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';

/** The message for an error fastify or a plugin raised while handling a request. */
export function errorMessage(error: FastifyError, request: FastifyRequest, bodyLimit: number | undefined): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return `content type "${request.headers['content-type'] ?? '(none)'}" is not accepted here: send a JSON body with Content-Type: application/json`;
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return `request body is too large: this endpoint accepts at most ${bodyLimit ?? 'its limit of'} bytes`;
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return `${error.message} (send a JSON body)`;
    default:
      break;
  }
  if (error.validation) return `invalid request: ${error.message}`;
  // @fastify/static refuses folders and paths that would leave its root (`..`, encoded or not).
  if (error.statusCode === 403) return `forbidden path ${request.url.split('?')[0]}: not a file inside the plugin or models folder`;
  if (error.name === 'SyntaxError') return `malformed JSON body: ${error.message}`;
  return error.message;
}

/**
 * Installs the JSON error handler, and a not-found handler that answers 405 with `Allow` when
 * the path exists under other methods. Call before registering routes: it records them.
 */
export function installJsonErrors(app: FastifyInstance): void {
  const routes: Array<{ url: string; methods: string[] }> = [];
  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push({ url: route.url, methods });
  });

  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    const status = error.statusCode && error.statusCode >= 400 ? error.statusCode : 500;
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    const limit = request.routeOptions.bodyLimit;
    // A 500's own text (ENOSPC, file paths, stack details) is for the log, not the client.
    const message = status >= 500 && !error.statusCode ? `internal error (request ${request.id}); the shim's log has the details` : errorMessage(error, request, limit);
    return reply.code(status).type('application/json').send({ error: message });
  });

  app.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?')[0];
    const allowed = new Set<string>();
    for (const r of routes) {
      const matches = r.url.endsWith('*') ? path.startsWith(r.url.slice(0, -1)) : r.url === path;
      if (matches) r.methods.forEach((m) => allowed.add(m));
    }
    allowed.delete('OPTIONS');
    if (allowed.size > 0 && !allowed.has(request.method)) {
      const allow = [...allowed].sort().join(', ');
      return reply.code(405).header('allow', allow).send({ error: `method ${request.method} is not allowed on ${path}; use ${allow}` });
    }
    return reply.code(404).send({ error: `no such path: ${request.method} ${path}` });
  });
}
