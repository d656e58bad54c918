/**
 * The nsfwjs@4.2.1 files the MobileNetV2 1.4 conversion reads, fetched once at set-up from the
 * npm registry into `.cache/nsfwjs-4.2.1/` (gitignored) and never at run time.
 *
 * Why not a devDependency: installed, nsfwjs is 116 MB and pulls in @tensorflow/tfjs (its peer,
 * another ~200 MB with -layers and -data) for three model files of 5.7 MB. `npm pack` fetches
 * the package's tarball through npm itself (its registry, proxy, cache and auth settings, so it
 * works wherever `npm ci` did, and offline once npm's cache holds it); the tarball is checked
 * against the integrity pinned here (the registry's own `dist.integrity` for 4.2.1: the
 * manifest's sha256 values are for exactly these weights), and only package.json, the licence
 * and `dist/models/mobilenet_v2_mid/` are extracted.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { extract } from 'tar';

/** The nsfwjs version the manifest's hashes were made from. */
export const NSFWJS_VERSION = '4.2.1';
/** `npm view nsfwjs@4.2.1 dist.integrity`: the tarball's sha512. */
export const NSFWJS_INTEGRITY = 'sha512-8ixL8Uk7+9Ir67yUxwtbLFZv6NgmsXsgP2oX5zNxmyTIXUfNdj6FLLVS+YI0pYlMEOExLp69ocfQznzTU9ATGw==';
/** The bundled model converted (a folder under the package's `dist/models/`). */
export const NSFWJS_MODEL = 'mobilenet_v2_mid';

const SPEC = `nsfwjs@${NSFWJS_VERSION}`;
const CACHE_ROOT = fileURLToPath(new URL('../../.cache/', import.meta.url));
const PACKAGE_DIR = join(CACHE_ROOT, `nsfwjs-${NSFWJS_VERSION}`);
/** Written last: a folder without it is an interrupted extraction, not a cache. */
const COMPLETE = '.complete';

/** What is kept from the tarball (paths inside it: npm tarballs put everything under `package/`). */
const KEEP = [/^package\/package\.json$/, /^package\/LICENSE/i, new RegExp(`^package/dist/models/${NSFWJS_MODEL}/`)];

/**
 * Runs npm. Under `npm run` npm_execpath is npm's own CLI script, run with this node (no shell,
 * no PATH lookup); elsewhere `npm` from the PATH (npm.cmd needs a shell on Windows).
 */
function runNpm(args: string[]): { status: number | null; stdout: string; stderr: string; error?: Error } {
  const execPath = process.env.npm_execpath;
  const viaNode = execPath !== undefined && /\.[cm]?js$/.test(execPath);
  const result = viaNode
    ? spawnSync(process.execPath, [execPath, ...args], { encoding: 'utf8' })
    : spawnSync('npm', args, { encoding: 'utf8', shell: process.platform === 'win32' });
  return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '', error: result.error };
}

/** With --json, npm reports a failure as `{"error": {"code", "summary"}}` on stdout. */
function npmErrorSummary(stdout: string): string | undefined {
  try {
    const { error } = JSON.parse(stdout) as { error?: { code?: string; summary?: string } };
    return error ? [error.code, error.summary].filter(Boolean).join(': ') : undefined;
  } catch {
    return undefined;
  }
}

function integrityOf(bytes: Buffer): string {
  return `sha512-${createHash('sha512').update(bytes).digest('base64')}`;
}

/** Fetches and extracts the package into PACKAGE_DIR. @throws with what to do when it cannot. */
function fetchPackage(): void {
  mkdirSync(CACHE_ROOT, { recursive: true });
  const work = mkdtempSync(join(CACHE_ROOT, 'nsfwjs-fetch-'));
  try {
    console.log(`make-models: fetching ${SPEC} from the npm registry (once; its MobileNetV2 1.4 weights are converted to ONNX here)`);
    // --prefer-offline: a tarball already in npm's cache is not asked for again.
    const packed = runNpm(['pack', SPEC, '--pack-destination', work, '--json', '--prefer-offline', '--loglevel=error']);
    if (packed.status !== 0) {
      const why = packed.error?.message ?? npmErrorSummary(packed.stdout) ?? packed.stderr.trim().split('\n').find((l) => /FetchError|code/.test(l));
      throw new Error(
        `make-models: could not fetch ${SPEC} from the npm registry (${why || `npm exited with ${packed.status}`}). ` +
          'The MobileNetV2 1.4 models (mobilenet-v2-1.4-nsfwjs*) are converted from its weights once, at set-up: ' +
          'reach the registry npm is configured for (the one `npm ci` used) and run `npm run models` again.',
      );
    }
    const [{ filename }] = JSON.parse(packed.stdout) as Array<{ filename: string }>;
    // npm names scoped tarballs differently across versions; the unscoped name is stable, but take what it says.
    const tarball = join(work, filename.replace(/^.*[\\/]/, ''));
    const got = integrityOf(readFileSync(tarball));
    if (got !== NSFWJS_INTEGRITY) {
      throw new Error(`make-models: ${SPEC} from the registry has integrity ${got}, expected ${NSFWJS_INTEGRITY}; not used`);
    }
    const out = join(work, 'package');
    mkdirSync(out);
    extract({ file: tarball, cwd: out, sync: true, strip: 1, filter: (path) => KEEP.some((re) => re.test(path)) });
    if (!existsSync(join(out, 'dist', 'models', NSFWJS_MODEL, 'model.min.js'))) {
      throw new Error(`make-models: ${SPEC}'s tarball has no dist/models/${NSFWJS_MODEL}/model.min.js`);
    }
    writeFileSync(join(out, COMPLETE), `${NSFWJS_INTEGRITY}\n`);
    rmSync(PACKAGE_DIR, { recursive: true, force: true });
    renameSync(out, PACKAGE_DIR);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The folder holding nsfwjs's package.json and `dist/models/<model>/`, fetched first if needed. */
export function nsfwjsPackageDir(): string {
  const marker = join(PACKAGE_DIR, COMPLETE);
  if (!existsSync(marker) || readFileSync(marker, 'utf8').trim() !== NSFWJS_INTEGRITY) fetchPackage();
  return PACKAGE_DIR;
}

/** The directory of an nsfwjs bundled model, e.g. `mobilenet_v2_mid`. */
export function nsfwjsModelDir(model: string = NSFWJS_MODEL): string {
  return join(nsfwjsPackageDir(), 'dist', 'models', model);
}
