/**
 * The progress line: images done of total, images per second, time left (cli-progress, which
 * redraws in place on a terminal and prints plain lines, at most every few seconds, when the
 * output is a file or a CI log).
 */
import { SingleBar } from 'cli-progress';

/** Progress reporting as the import uses it. */
export interface Progress {
  tick(n: number): void;
  stop(): void;
}

/** A bar on stderr (stdout stays for the summary), or nothing when `quiet`. */
export function createProgress(total: number, quiet: boolean): Progress {
  if (quiet || total === 0) return { tick: () => undefined, stop: () => undefined };
  const started = Date.now();
  let done = 0;
  const bar = new SingleBar({
    format: ' {bar} {value}/{total} images | {rate} images/s | {eta_formatted} left',
    stream: process.stderr,
    noTTYOutput: true,
    notTTYSchedule: 5000,
    etaBuffer: 50,
    hideCursor: true,
  });
  bar.start(total, 0, { rate: '0.0' });
  return {
    tick(n) {
      done += n;
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(1) : '0.0' });
    },
    stop() {
      bar.stop();
    },
  };
}
