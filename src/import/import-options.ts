/**
 * Command-line options of `npm run import`, parsed with node:util's parseArgs and checked
 * together, so a wrong combination is refused before anything is read or sent.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ImportError } from './import-error.ts';

/** The default model manifest: the repository's models/manifest.json. */
export const DEFAULT_MANIFEST = fileURLToPath(new URL('../../models/manifest.json', import.meta.url));

export const IMPORT_USAGE = `Usage:
  npm run import -- <folder> --label-studio URL --project ID [--token T] [options]
  npm run import -- <folder> --to-folder DIR [options]

Turns a folder of instrument images (FlowCam crops, 8/16-bit TIFF, PNG, JPEG) into Label Studio
tasks. TIFFs (and PNGs a browser decodes inexactly) become 8-bit PNGs, scaled as the plugin
does; each task keeps original_name, original_path, source_sha256 and, when a FlowCam CSV lies
beside the images, the particle's measurements as fc_* fields. Running it again adds only new
images.

Label Studio:
  --label-studio URL       Label Studio's address [LABEL_STUDIO_URL]
  --project ID             project id (the number in /projects/<id>/)
  --token T                API token, Account & Settings > Access Token [LABEL_STUDIO_TOKEN]
  --local-files-root DIR   write images into DIR (the server's LS_LOCAL_FILES_ROOT, as seen from
                           here) and create + sync a local-files storage, instead of uploading;
                           best for large folders [LS_LOCAL_FILES_ROOT]
  --local-files-subdir S   folder under that root (default cyto-ml-import-<project>)

Folder only:
  --to-folder DIR          write DIR/images/... and DIR/tasks.json (and DIR/embeddings with --embed)
  --url-prefix P           image URL prefix in tasks.json (default "images/")
  --image-key K            task data key of the image (default: from the project's config, else "image")

Embeddings (needs onnxruntime-node):
  --embed                  compute embeddings with the plugin's model, for annotators' browsers
  --embed-existing         --embed, also for images imported earlier without it
  --shim URL               the shim to store them on (npm run shim), which serves them to the plugin
  --embeddings-dir DIR     also (or instead) write the part files into DIR/<model>/
  --manifest PATH          model manifest (default models/manifest.json)
  --model ID               model id (default: the manifest's default, as the plugin)
  --threads N              onnxruntime threads (default: all ${availableParallelism()} cores)

  --shard I/N              only the files whose index in the sorted walk is I modulo N (0 <= I < N):
                           one of N workers of a distributed run (src/import/distributed/)
  --batch N                files per batch (default 32)
  --quiet                  no progress bar
  --help`;

/** Parsed and checked options. */
export interface ImportOptions {
  folder: string;
  labelStudio?: { url: string; project: number; token?: string; localFilesRoot?: string; localFilesSubdir: string };
  toFolder?: { dir: string; urlPrefix: string };
  imageKey?: string;
  embed?: { shimUrl?: string; embeddingsDir?: string; manifest: string; modelId?: string; threads: number; existing: boolean };
  batchSize: number;
  quiet: boolean;
  /** `--shard I/N`: this run's share of the folder. */
  shard?: { index: number; count: number };
}

/** Parses `I/N` (0 <= I < N). */
export function parseShard(value: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(value.trim());
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count)) throw new ImportError(`--shard must be I/N with 0 <= I < N (e.g. 0/4), got "${value}"`);
  return { index, count };
}

function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new ImportError(`${flag} must be a positive whole number, got "${value}"`);
  return n;
}

/** Parses argv (without node and script); returns 'help' for --help. */
export function parseImportOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ImportOptions | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'label-studio': { type: 'string' }, project: { type: 'string' }, token: { type: 'string' },
        'local-files-root': { type: 'string' }, 'local-files-subdir': { type: 'string' },
        'to-folder': { type: 'string' }, 'url-prefix': { type: 'string' }, 'image-key': { type: 'string' },
        embed: { type: 'boolean' }, 'embed-existing': { type: 'boolean' }, shim: { type: 'string' }, 'embeddings-dir': { type: 'string' },
        manifest: { type: 'string' }, model: { type: 'string' }, threads: { type: 'string' },
        batch: { type: 'string' }, shard: { type: 'string' }, quiet: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ImportError(`${(error as Error).message}\n\n${IMPORT_USAGE}`);
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length !== 1) {
    throw new ImportError(`give exactly one folder of images (got ${parsed.positionals.length ? parsed.positionals.map((p) => `"${p}"`).join(', ') : 'none'})\n\n${IMPORT_USAGE}`);
  }
  const url = v['label-studio'] ?? env.LABEL_STUDIO_URL;
  if (url && v['to-folder']) throw new ImportError('give either --label-studio or --to-folder, not both');
  if (!url && !v['to-folder']) throw new ImportError(`say where the tasks go: --label-studio URL --project ID, or --to-folder DIR\n\n${IMPORT_USAGE}`);
  const options: ImportOptions = {
    folder: resolve(parsed.positionals[0]),
    batchSize: positiveInt(v.batch, '--batch') ?? 32,
    quiet: v.quiet ?? false,
    ...(v.shard !== undefined ? { shard: parseShard(v.shard) } : {}),
    ...(v['image-key'] ? { imageKey: v['image-key'] } : {}),
  };
  if (url) {
    if (!v.project) throw new ImportError('--project ID is required with --label-studio (the number in the project\'s URL, /projects/<id>/)');
    const project = positiveInt(v.project, '--project')!;
    const token = v.token ?? env.LABEL_STUDIO_TOKEN;
    const localFilesRoot = v['local-files-root'] ?? env.LS_LOCAL_FILES_ROOT;
    options.labelStudio = {
      url, project, ...(token ? { token } : {}),
      ...(localFilesRoot ? { localFilesRoot: resolve(localFilesRoot) } : {}),
      localFilesSubdir: v['local-files-subdir'] ?? `cyto-ml-import-${project}`,
    };
  } else {
    options.toFolder = { dir: resolve(v['to-folder']!), urlPrefix: v['url-prefix'] ?? 'images/' };
  }
  if (v.embed || v['embed-existing']) {
    if (options.toFolder && v.shim) {
      throw new ImportError('--shim needs --label-studio and --project: the plugin finds embeddings by Label Studio project id (with --to-folder the parts go to DIR/embeddings)');
    }
    if (options.labelStudio && !v.shim && !v['embeddings-dir']) {
      throw new ImportError('--embed with --label-studio needs --shim URL (the shim serves the embeddings to the plugin) or --embeddings-dir DIR');
    }
    options.embed = {
      ...(v.shim ? { shimUrl: v.shim } : {}),
      ...(v['embeddings-dir'] ? { embeddingsDir: resolve(v['embeddings-dir']) } : options.toFolder ? { embeddingsDir: resolve(options.toFolder.dir, 'embeddings') } : {}),
      manifest: resolve(v.manifest ?? DEFAULT_MANIFEST),
      ...(v.model ? { modelId: v.model } : {}),
      threads: positiveInt(v.threads, '--threads') ?? availableParallelism(),
      existing: v['embed-existing'] ?? false,
    };
  } else if (v.shim || v['embeddings-dir'] || v.model || v.manifest || v.threads) {
    throw new ImportError('--shim, --embeddings-dir, --model, --manifest and --threads only apply with --embed');
  }
  return options;
}
