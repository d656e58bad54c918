import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { Server } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDirs } from './test-fixtures.ts';
import type { TempDirs } from './test-fixtures.ts';

const CLI = resolve(import.meta.dirname, 'cli.ts');
const TSX = resolve(import.meta.dirname, '../../node_modules/.bin/tsx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; `whenReady` is called once it logs that it listens, then it gets SIGTERM. */
function runCli(args: string[], env: NodeJS.ProcessEnv = {}, whenReady?: (url: string) => Promise<void>): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(TSX, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const ready = /"url":"(http:\/\/[^"]+)".*ML backend shim ready/.exec(stdout);
      if (ready && whenReady && !signalled) {
        signalled = true;
        whenReady(ready[1]).then(() => child.kill('SIGTERM'), fail);
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let dirs: TempDirs;
let blocker: Server;
let blockedPort: number;

beforeAll(async () => {
  dirs = await makeTempDirs();
  blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
  const address = blocker.address();
  blockedPort = typeof address === 'object' && address ? address.port : 0;
});
afterAll(async () => {
  await new Promise((r) => blocker.close(r));
  await dirs.cleanup();
});

describe('shim CLI', () => {
  it('prints help listing the options', async () => {
    const run = await runCli(['--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/Usage: npm run shim/);
    expect(run.stdout).toMatch(/--label-studio URL/);
  });

  it('exits 2 with the reason on a bad option', async () => {
    const run = await runCli(['--port', 'ninety']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--port \/ PORT must be a port number/);
  });

  it('exits 1 saying to run npm run build when the plugin is not built', async () => {
    const run = await runCli(['--port', '0', '--plugin-dir', `${dirs.root}/no-build`, '--data-dir', dirs.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the plugin is not built: .*cyto-ml\.js does not exist\. Run `npm run build`/);
    expect(run.stderr).not.toMatch(/\n\s+at /); // one sentence, no stack trace
  });

  it('exits 1 naming the port when it is in use', async () => {
    const run = await runCli(['--port', String(blockedPort), '--plugin-dir', dirs.pluginDir, '--models-dir', dirs.modelsDir, '--data-dir', dirs.dataDir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`port ${blockedPort} on 127\\.0\\.0\\.1 is already in use.*--port`));
  });

  it('logs JSON, serves, and shuts down cleanly on SIGTERM', async () => {
    let health: unknown;
    const run = await runCli(
      ['--port', '0', '--plugin-dir', dirs.pluginDir, '--models-dir', dirs.modelsDir],
      { DATA_DIR: dirs.dataDir },
      async (url) => {
        health = await (await fetch(`${url}/health`)).json();
      },
    );
    expect(health).toMatchObject({ status: 'UP' });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.some((l) => l.msg === 'prediction store opened')).toBe(true);
  });
});
