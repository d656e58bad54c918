/**
 * Connection limits of the shim's two HTTP servers, against slow clients (slowloris): a client
 * that sends its headers or body a byte at a time, or opens thousands of idle connections, held
 * them open for good and, past the process's file limit, kept `/health` from answering (issue 19).
 *
 *  - headers must arrive within `headersTimeoutMs`, the whole request within `requestTimeoutMs`
 *    (Node answers 408 and closes; it checks every `checkIntervalMs`);
 *  - an idle keep-alive connection closes after `keepAliveTimeoutMs`;
 *  - at most `maxConnections` at once. Node's own `server.maxConnections` drops the newest
 *    connection, so under a flood `/health` could never get in; here the newest is kept and the
 *    oldest connection with no request being answered (headers still arriving, or idle) is closed
 *    instead (the oldest connection of all when every one is being answered).
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** The limits; see the file comment. */
export interface ServerLimits {
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  checkIntervalMs: number;
}

/**
 * Defaults: Label Studio and browsers send headers in milliseconds; a 64 MiB embedding part at
 * 1 MB/s takes about a minute; 512 connections leave room for LMDB, logs and the upstream under
 * a `ulimit -n` of 1,024.
 */
export const SERVER_LIMITS: Readonly<ServerLimits> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
  checkIntervalMs: 1_000,
});

/** Fastify constructor options that apply the timeouts. */
export function fastifyServerOptions(limits: ServerLimits) {
  return {
    http: {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: limits.checkIntervalMs,
    },
    // Fastify sets these on the server after creating it (its defaults: no request timeout, 72 s).
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
  };
}

/** Applies the connection cap to a created (not necessarily listening) server. */
export function capConnections(server: Server, maxConnections: number): void {
  // Insertion order is age order: the first entry is the oldest connection.
  const open = new Map<Socket, { answering: number }>();
  server.on('connection', (socket: Socket) => {
    open.set(socket, { answering: 0 });
    socket.once('close', () => open.delete(socket));
    if (open.size <= maxConnections) return;
    let victim: Socket | undefined;
    for (const [s, state] of open) {
      if (s === socket) continue;
      if (state.answering === 0) { victim = s; break; }
      victim ??= s;
    }
    victim?.destroy();
  });
  server.on('request', (request, response) => {
    const state = open.get(request.socket);
    if (!state) return;
    state.answering += 1;
    response.once('close', () => { state.answering -= 1; });
  });
}

/** Fills unset limits with {@link SERVER_LIMITS}. */
export function serverLimits(partial: Partial<ServerLimits> = {}): ServerLimits {
  return { ...SERVER_LIMITS, ...partial };
}
