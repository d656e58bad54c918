/**
 * The shim's options: one public type, frozen defaults, and the command line / environment
 * parser (`node:util` parseArgs). A flag wins over its environment variable, which wins over
 * the default. Every option and variable is listed in {@link SHIM_HELP}.
 */
import { parseArgs } from 'node:util';
import type { ServerLimits } from './server-limits.ts';

/** Log levels pino accepts. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Everything `startShim` needs. */
export interface ShimOptions {
  /** Port of the ML backend server (0 picks a free one). */
  port: number;
  /** Interface to listen on, for both servers. */
  host: string;
  /** Label Studio's URL. Adds its origin to the CORS list and, when set, turns on proxy mode. */
  labelStudioUrl?: string;
  /** Port of the Label Studio proxy (proxy mode only; 0 picks a free one). */
  proxyPort: number;
  /** Extra origins allowed to call the shim from a browser (CORS). */
  allowOrigins: string[];
  /** Add COOP/COEP headers on the proxy so WASM can use threads. */
  isolate: boolean;
  /** Folder with the built plugin (`cyto-ml.js` and its wasm). */
  pluginDir: string;
  /** Folder with `manifest.json` and the `.onnx` models. */
  modelsDir: string;
  /** Folder for the prediction store. */
  dataDir: string;
  /** Largest request body on the protocol endpoints, in bytes. */
  bodyLimit: number;
  /** Basic auth for the protocol endpoints; both set or neither. */
  basicAuth?: { user: string; pass: string };
  /** pino log level. */
  logLevel: LogLevel;
  /** Store bounds (defaults: STORE_LIMITS in prediction-store.ts); for tests and embedders. */
  storeLimits?: { versionsPerTask?: number; predictionsPerProject?: number; totalBytes?: number };
  /** Timeouts and connection cap of both servers (defaults: SERVER_LIMITS in server-limits.ts); for tests and embedders. */
  serverLimits?: Partial<ServerLimits>;
}

/** Defaults for every option that has one. */
export const SHIM_DEFAULTS = Object.freeze({
  port: 9090,
  host: '127.0.0.1',
  proxyPort: 8081,
  allowOrigins: Object.freeze([] as string[]),
  isolate: false,
  pluginDir: 'dist/plugin',
  modelsDir: 'models',
  dataDir: '.shim-data',
  bodyLimit: 8 * 1024 * 1024,
  logLevel: 'info' as LogLevel,
});

/** Thrown for a bad flag or variable; the message says which and what is valid. */
export class ShimOptionsError extends Error {
  override name = 'ShimOptionsError';
}

/** `--help` text: every flag and environment variable. */
export const SHIM_HELP = `Usage: npm run shim -- [options]

Label Studio ML backend shim for cyto-ml: answers Label Studio's ML backend protocol with the
predictions annotators' browsers computed, serves the plugin and models, and (with
--label-studio) proxies Label Studio with the plugin injected, for Label Studio Community.

Options (environment variable in brackets; a flag wins over its variable):
  --port N             ML backend port [PORT] (default ${SHIM_DEFAULTS.port})
  --host ADDR          interface to listen on [HOST] (default ${SHIM_DEFAULTS.host};
                       use 0.0.0.0 in a container or when Label Studio runs elsewhere)
  --label-studio URL   Label Studio's URL, e.g. http://localhost:8080 [LABEL_STUDIO_URL].
                       Allows its origin (CORS) and starts the proxy on --proxy-port
  --proxy-port N       port of the Label Studio proxy [PROXY_PORT] (default ${SHIM_DEFAULTS.proxyPort})
  --allow-origin URL   another origin allowed to call the shim from a browser; repeatable
                       [CORS_ORIGINS, comma-separated]
  --isolate            proxy adds Cross-Origin-Opener-Policy: same-origin and
                       Cross-Origin-Embedder-Policy: credentialless (WASM threads; may break
                       third-party embeds and OAuth popups) [CROSS_ORIGIN_ISOLATE=1]
  --plugin-dir DIR     built plugin folder [PLUGIN_DIR] (default ${SHIM_DEFAULTS.pluginDir})
  --models-dir DIR     models folder [MODELS_DIR] (default ${SHIM_DEFAULTS.modelsDir})
  --data-dir DIR       prediction store folder [DATA_DIR] (default ${SHIM_DEFAULTS.dataDir})
  --body-limit BYTES   largest body on the protocol endpoints [BODY_LIMIT] (default ${SHIM_DEFAULTS.bodyLimit})
  --log-level LEVEL    ${LOG_LEVELS.join(', ')} [LOG_LEVEL] (default ${SHIM_DEFAULTS.logLevel})
  -h, --help           show this help

Environment only:
  BASIC_AUTH_USER, BASIC_AUTH_PASS   require HTTP basic auth on the ML backend endpoints
                       (/, /health, /setup, /predict, /webhook, /metrics); enter the same
                       pair in Label Studio's model settings. Set both or neither.

ML backend URL for Label Studio (Project > Settings > Model): http://<host>:<port>
Proxy (Community): open http://<host>:<proxy-port>/ instead of Label Studio's own URL.
`;

function parsePort(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) {
    throw new ShimOptionsError(`${what} must be a port number from 0 to 65535, got "${text}"`);
  }
  return n;
}

function parseOrigin(text: string, what: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ShimOptionsError(`${what} must be a URL such as http://localhost:8080, got "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ShimOptionsError(`${what} must be an http:// or https:// URL, got "${text}"`);
  }
  return url.origin;
}

/** Result of {@link parseShimArgs}: options, or a request for the help text. */
export type ParsedShimArgs = { help: true } | { help: false; options: ShimOptions };

/**
 * Parses command-line flags and environment variables into options.
 * @throws ShimOptionsError naming the bad flag or variable and the valid values.
 */
export function parseShimArgs(argv: string[], env: NodeJS.ProcessEnv): ParsedShimArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'label-studio': { type: 'string' },
        'proxy-port': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        isolate: { type: 'boolean' },
        'plugin-dir': { type: 'string' },
        'models-dir': { type: 'string' },
        'data-dir': { type: 'string' },
        'body-limit': { type: 'string' },
        'log-level': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    throw new ShimOptionsError(`${(error as Error).message}. Run with --help for the list of options.`);
  }
  if (values.help) return { help: true };

  const pick = (flag: string | undefined, variable: string): string | undefined =>
    flag ?? (env[variable] !== undefined && env[variable] !== '' ? env[variable] : undefined);

  const port = pick(values.port, 'PORT');
  const proxyPort = pick(values['proxy-port'], 'PROXY_PORT');
  const labelStudio = pick(values['label-studio'], 'LABEL_STUDIO_URL');
  const bodyLimit = pick(values['body-limit'], 'BODY_LIMIT');
  const logLevel = pick(values['log-level'], 'LOG_LEVEL') ?? SHIM_DEFAULTS.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ShimOptionsError(`log level must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}"`);
  }
  if (bodyLimit !== undefined && !/^[1-9]\d*$/.test(bodyLimit)) {
    throw new ShimOptionsError(`--body-limit / BODY_LIMIT must be a positive number of bytes, got "${bodyLimit}"`);
  }

  const originTexts = values['allow-origin'] ?? (env.CORS_ORIGINS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const user = env.BASIC_AUTH_USER ?? '';
  const pass = env.BASIC_AUTH_PASS ?? '';
  if ((user === '') !== (pass === '')) {
    throw new ShimOptionsError('set both BASIC_AUTH_USER and BASIC_AUTH_PASS, or neither');
  }
  const isolateEnv = env.CROSS_ORIGIN_ISOLATE ?? '';
  if (!['', '0', '1', 'false', 'true'].includes(isolateEnv)) {
    throw new ShimOptionsError(`CROSS_ORIGIN_ISOLATE must be 1, 0, true or false; got "${isolateEnv}"`);
  }

  const options: ShimOptions = {
    port: port === undefined ? SHIM_DEFAULTS.port : parsePort(port, '--port / PORT'),
    host: pick(values.host, 'HOST') ?? SHIM_DEFAULTS.host,
    proxyPort: proxyPort === undefined ? SHIM_DEFAULTS.proxyPort : parsePort(proxyPort, '--proxy-port / PROXY_PORT'),
    allowOrigins: originTexts.map((o) => parseOrigin(o, '--allow-origin / CORS_ORIGINS')),
    isolate: values.isolate ?? (isolateEnv === '1' || isolateEnv === 'true'),
    pluginDir: pick(values['plugin-dir'], 'PLUGIN_DIR') ?? SHIM_DEFAULTS.pluginDir,
    modelsDir: pick(values['models-dir'], 'MODELS_DIR') ?? SHIM_DEFAULTS.modelsDir,
    dataDir: pick(values['data-dir'], 'DATA_DIR') ?? SHIM_DEFAULTS.dataDir,
    bodyLimit: bodyLimit === undefined ? SHIM_DEFAULTS.bodyLimit : Number(bodyLimit),
    logLevel: logLevel as LogLevel,
  };
  if (labelStudio !== undefined) {
    parseOrigin(labelStudio, '--label-studio / LABEL_STUDIO_URL');
    options.labelStudioUrl = labelStudio.replace(/\/+$/, '');
  }
  if (user !== '') options.basicAuth = { user, pass };
  return { help: false, options };
}

/** Fills unset fields of a partial options object with {@link SHIM_DEFAULTS}. */
export function withDefaults(partial: Partial<ShimOptions>): ShimOptions {
  return { ...SHIM_DEFAULTS, allowOrigins: [...SHIM_DEFAULTS.allowOrigins], ...partial };
}
