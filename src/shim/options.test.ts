import { describe, expect, it } from 'vitest';
import { parseShimArgs, SHIM_DEFAULTS, SHIM_HELP, ShimOptionsError } from './options.ts';

function options(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const parsed = parseShimArgs(argv, env);
  if (parsed.help) throw new Error('unexpected help');
  return parsed.options;
}

describe('shim options', () => {
  it('has defaults for everything but Label Studio and basic auth', () => {
    const o = options([]);
    expect(o).toMatchObject({ port: 9090, host: '127.0.0.1', proxyPort: 8081, isolate: false, pluginDir: 'dist/plugin', modelsDir: 'models', dataDir: '.shim-data', logLevel: 'info' });
    expect(o.labelStudioUrl).toBeUndefined();
    expect(o.basicAuth).toBeUndefined();
    expect(o.bodyLimit).toBe(SHIM_DEFAULTS.bodyLimit);
  });

  it('reads flags, repeatable origins, and trims a trailing slash from Label Studio\'s URL', () => {
    const o = options([
      '--port', '9191', '--host', '0.0.0.0', '--label-studio', 'http://localhost:8080/', '--proxy-port', '8082',
      '--allow-origin', 'https://a.example', '--allow-origin', 'http://b.example:3000/path', '--isolate',
      '--plugin-dir', 'p', '--models-dir', 'm', '--data-dir', 'd', '--body-limit', '1000', '--log-level', 'debug',
    ]);
    expect(o).toMatchObject({
      port: 9191, host: '0.0.0.0', labelStudioUrl: 'http://localhost:8080', proxyPort: 8082,
      allowOrigins: ['https://a.example', 'http://b.example:3000'], isolate: true,
      pluginDir: 'p', modelsDir: 'm', dataDir: 'd', bodyLimit: 1000, logLevel: 'debug',
    });
  });

  it('reads environment variables, and flags win over them', () => {
    const env = {
      PORT: '9300', LABEL_STUDIO_URL: 'http://label-studio:8080', PROXY_PORT: '8090', CORS_ORIGINS: 'https://a.example, https://b.example',
      CROSS_ORIGIN_ISOLATE: '1', PLUGIN_DIR: '/app/dist/plugin', MODELS_DIR: '/app/models', DATA_DIR: '/data', BODY_LIMIT: '5',
      LOG_LEVEL: 'warn', BASIC_AUTH_USER: 'u', BASIC_AUTH_PASS: 'p', HOST: '0.0.0.0',
    };
    expect(options([], env)).toMatchObject({
      port: 9300, labelStudioUrl: 'http://label-studio:8080', proxyPort: 8090, allowOrigins: ['https://a.example', 'https://b.example'],
      isolate: true, pluginDir: '/app/dist/plugin', modelsDir: '/app/models', dataDir: '/data', bodyLimit: 5, logLevel: 'warn',
      basicAuth: { user: 'u', pass: 'p' }, host: '0.0.0.0',
    });
    expect(options(['--port', '1234'], env).port).toBe(1234);
    expect(options(['--allow-origin', 'https://c.example'], env).allowOrigins).toEqual(['https://c.example']);
  });

  it('asks for help', () => {
    expect(parseShimArgs(['--help'], {})).toEqual({ help: true });
    expect(parseShimArgs(['-h'], {})).toEqual({ help: true });
  });

  it('documents every flag and variable in --help', () => {
    for (const word of ['--port', '--host', '--label-studio', '--proxy-port', '--allow-origin', '--isolate', '--plugin-dir', '--models-dir',
      '--data-dir', '--body-limit', '--log-level', 'PORT', 'HOST', 'LABEL_STUDIO_URL', 'PROXY_PORT', 'CORS_ORIGINS', 'CROSS_ORIGIN_ISOLATE',
      'PLUGIN_DIR', 'MODELS_DIR', 'DATA_DIR', 'BODY_LIMIT', 'LOG_LEVEL', 'BASIC_AUTH_USER', 'BASIC_AUTH_PASS']) {
      expect(SHIM_HELP, word).toContain(word);
    }
  });

  it('rejects bad values with messages that name the option and the valid values', () => {
    const cases: Array<[string[], NodeJS.ProcessEnv, RegExp]> = [
      [['--port', 'abc'], {}, /--port \/ PORT must be a port number from 0 to 65535, got "abc"/],
      [['--port', '70000'], {}, /port number/],
      [[], { PROXY_PORT: '-1' }, /--proxy-port \/ PROXY_PORT/],
      [['--label-studio', 'localhost:8080'], {}, /must be an http:\/\/ or https:\/\/ URL/],
      [['--label-studio', 'not a url'], {}, /must be a URL such as/],
      [['--allow-origin', 'ftp://x'], {}, /--allow-origin/],
      [['--log-level', 'loud'], {}, /log level must be one of fatal, error, warn, info, debug, trace, silent/],
      [['--body-limit', '0'], {}, /positive number of bytes/],
      [['--nonsense'], {}, /Unknown option '--nonsense'.*--help/],
      [['stray'], {}, /--help/],
      [[], { BASIC_AUTH_USER: 'only-user' }, /set both BASIC_AUTH_USER and BASIC_AUTH_PASS/],
      [[], { CROSS_ORIGIN_ISOLATE: 'yes' }, /CROSS_ORIGIN_ISOLATE must be 1, 0, true or false/],
    ];
    for (const [argv, env, message] of cases) {
      expect(() => parseShimArgs(argv, env), argv.join(' ') || JSON.stringify(env)).toThrow(ShimOptionsError);
      expect(() => parseShimArgs(argv, env)).toThrow(message);
    }
  });
});
