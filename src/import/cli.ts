/**
 * `npm run import -- <folder> …`: see `IMPORT_USAGE` in import-options.ts and README.md beside
 * this file. Exit status 0 on success (also when some files were skipped: the summary lists
 * them), 1 on an error that stopped the import, 2 on bad options.
 */
import { stat } from 'node:fs/promises';
import { folderDestination, localFilesDestination, uploadDestination, type Destination } from './destinations.ts';
import { IMPORT_USAGE, parseImportOptions, type ImportOptions } from './import-options.ts';
import { ImportError } from './import-error.ts';
import { LabelStudioApi } from './label-studio-api.ts';
import { NodeEmbedder } from './node-embedder.ts';
import { formatSummary, runImport, type ImportSummary } from './run-import.ts';

/** Runs the command for parsed options; returns the summary. */
export async function importCommand(options: ImportOptions): Promise<ImportSummary> {
  const info = await stat(options.folder).catch(() => undefined);
  if (!info) throw new ImportError(`the folder ${options.folder} does not exist`);
  if (!info.isDirectory()) throw new ImportError(`${options.folder} is a file, not a folder: give the folder that holds the images`);

  let destination: Destination;
  if (options.labelStudio) {
    const ls = options.labelStudio;
    const api = new LabelStudioApi(ls.url, ls.token);
    destination = ls.localFilesRoot
      ? await localFilesDestination(api, ls.project, ls.localFilesRoot, ls.localFilesSubdir)
      : await uploadDestination(api, ls.project);
  } else {
    destination = await folderDestination(options.toFolder!.dir, options.toFolder!.urlPrefix, options.imageKey ?? 'image');
  }
  // Load the model before the first file is touched: a missing runtime or model fails at once.
  const embedder = options.embed ? await NodeEmbedder.create(options.embed.manifest, options.embed.modelId, options.embed.threads) : undefined;
  try {
    return await runImport({
      folder: options.folder,
      destination,
      batchSize: options.batchSize,
      quiet: options.quiet,
      ...(options.shard ? { shard: options.shard } : {}),
      embedExisting: options.embed?.existing ?? false,
      ...(embedder ? {
        embedder,
        embeddingTargets: {
          ...(options.embed?.embeddingsDir ? { dir: options.embed.embeddingsDir } : {}),
          ...(options.embed?.shimUrl ? { shim: { url: options.embed.shimUrl, project: destination.projectKey, ...(options.labelStudio?.token ? { token: options.labelStudio.token } : {}) } } : {}),
        },
      } : {}),
    });
  } finally {
    await embedder?.release();
  }
}

async function main(): Promise<number> {
  let options;
  try {
    options = parseImportOptions(process.argv.slice(2));
  } catch (error) {
    console.error(`import: ${(error as Error).message}`);
    return 2;
  }
  if (options === 'help') {
    console.log(IMPORT_USAGE);
    return 0;
  }
  try {
    console.log(formatSummary(await importCommand(options)));
    return 0;
  } catch (error) {
    if (error instanceof ImportError) console.error(`import: ${error.message}`);
    else console.error('import failed:', error);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  process.exitCode = await main();
}
