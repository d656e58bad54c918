/**
 * Playwright global setup: start the real Label Studio 1.12 Community server of
 * ../shared/label-studio (no Docker, no PyPI) for the specs that need it, once per run, through
 * the same starter as the shim's real-server tests (src/shim/testing/real-label-studio.ts):
 * setup.sh (idempotent; about 80 s on a fresh machine), then start.sh on a free port with a fresh
 * data folder, local-files serving and throw-away admin credentials. The specs read them from the
 * environment (workers inherit what global setup puts in process.env) through
 * `realLabelStudio()` in ./label-studio.ts. Where ../shared/label-studio is absent, nothing starts
 * and those specs skip, saying why.
 */
import { freePort, realLabelStudioUnavailable, startRealLabelStudio } from '../../src/shim/testing/real-label-studio.ts';
import { LS_ENV } from './paths.ts';

export default async function globalSetup(): Promise<(() => Promise<void>) | undefined> {
  const unavailable = realLabelStudioUnavailable();
  if (unavailable) {
    process.env[LS_ENV.absent] = unavailable;
    console.warn(unavailable);
    return undefined;
  }
  const started = Date.now();
  const ls = await startRealLabelStudio(await freePort(), { localFiles: true });
  console.log(`Label Studio 1.12 at ${ls.url} (data ${ls.dataDir}), ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.env[LS_ENV.url] = ls.url;
  process.env[LS_ENV.email] = ls.email;
  process.env[LS_ENV.password] = ls.password;
  process.env[LS_ENV.token] = ls.token;
  process.env[LS_ENV.filesRoot] = ls.localFilesRoot;
  return () => ls.stop();
}
