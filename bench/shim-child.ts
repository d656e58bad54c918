/**
 * Runs the shim in its own process for bench/shim.ts (so the load generator does not share its
 * event loop): starts it on port 0 with the given data dir, prints `{"url": ...}` on stdout,
 * and closes it on SIGTERM or when stdin ends.
 */
import { join } from 'node:path';
import type { ShimOptions } from '../src/shim/options.ts';
import { startShim } from '../src/shim/server.ts';
import { ROOT } from './common.ts';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: shim-child.ts DATA_DIR [OPTIONS_JSON]');
// More options (auth, a Label Studio URL for the proxy) for the attack rows, as JSON.
const extra = JSON.parse(process.argv[3] ?? '{}') as Partial<ShimOptions>;
const shim = await startShim({
  port: 0,
  host: '127.0.0.1',
  dataDir,
  pluginDir: join(ROOT, 'dist', 'plugin'),
  modelsDir: join(ROOT, 'models'),
  logLevel: 'silent',
  ...extra,
});
process.stdout.write(`${JSON.stringify({ url: shim.url, proxyUrl: shim.proxyUrl })}\n`);
let closing = false;
const stop = async () => {
  if (closing) return;
  closing = true;
  await shim.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
