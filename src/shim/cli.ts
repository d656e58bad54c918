/**
 * `npm run shim -- --port 9090 [--label-studio http://localhost:8080]`: starts the shim,
 * prints start-up problems as one plain sentence (not a stack trace) with a non-zero exit
 * code, and shuts down gracefully on SIGTERM / SIGINT (requests in flight finish, the store
 * is flushed and closed). Options: `--help`, or SHIM_HELP in options.ts.
 */
import { DataDirError, DataDirLockedError } from './data-dir-lock.ts';
import { parseShimArgs, SHIM_HELP, ShimOptionsError } from './options.ts';
import { PortInUseError, startShim } from './server.ts';
import { MissingBuildError } from './static-files.ts';
import { StoreCorruptError } from './store-check.ts';

/** Exit codes: 2 for bad options (as most CLIs), 1 for anything that stopped the start. */
const EXIT_USAGE = 2;
const EXIT_START_FAILED = 1;

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseShimArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof ShimOptionsError)) throw error;
    process.stderr.write(`cyto-ml shim: ${error.message}\n`);
    process.exit(EXIT_USAGE);
  }
  if (parsed.help) {
    process.stdout.write(SHIM_HELP);
    return;
  }

  let shim;
  try {
    shim = await startShim(parsed.options);
  } catch (error) {
    if (error instanceof MissingBuildError || error instanceof PortInUseError || error instanceof DataDirError || error instanceof DataDirLockedError || error instanceof StoreCorruptError) {
      process.stderr.write(`cyto-ml shim: ${error.message}\n`);
    } else {
      // One sentence for people; the stack only when asked for (LOG_LEVEL=debug or trace).
      const detail = ['debug', 'trace'].includes(parsed.options.logLevel) ? (error as Error).stack : (error as Error).message;
      process.stderr.write(`cyto-ml shim: could not start: ${detail ?? String(error)}\n`);
    }
    process.exit(EXIT_START_FAILED);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`cyto-ml shim: ${signal} again, exiting now\n`);
      process.exit(EXIT_START_FAILED);
    }
    stopping = true;
    shim.close().then(
      () => process.exit(0),
      (error: Error) => {
        process.stderr.write(`cyto-ml shim: error while shutting down: ${error.message}\n`);
        process.exit(EXIT_START_FAILED);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
