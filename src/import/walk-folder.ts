/**
 * The folder walk: every regular file under the root, depth first, in a stable (sorted) order
 * so that two runs over the same folder see the same sequence. Hidden files and folders
 * (".DS_Store", ".git") are left out; symbolic links are not followed (a link loop cannot hang
 * the import). CSV files are returned separately: they are particle tables, not images.
 */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** One file found under the root. */
export interface FoundFile {
  /** Absolute path. */
  path: string;
  /** Path relative to the root, with "/" separators (what task data records). */
  relativePath: string;
  /** File name only. */
  name: string;
}

/** What the walk found. */
export interface FolderContents {
  /** Candidate images (every non-CSV file; non-images are reported when read). */
  files: FoundFile[];
  /** CSV files (FlowCam particle tables). */
  csvFiles: FoundFile[];
}

/** Walks `root` (see the module comment). Throws with a clear message when it is not a readable folder. */
export async function walkFolder(root: string, options: { exclude?: string[] } = {}): Promise<FolderContents> {
  const files: FoundFile[] = [];
  const csvFiles: FoundFile[] = [];
  const exclude = new Set(options.exclude ?? []);
  const visit = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (exclude.has(path)) continue;
      if (entry.isDirectory()) {
        await visit(path);
      } else if (entry.isFile()) {
        const found = { path, relativePath: relative(root, path).split(sep).join('/'), name: entry.name };
        (entry.name.toLowerCase().endsWith('.csv') ? csvFiles : files).push(found);
      }
    }
  };
  try {
    await visit(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`the folder ${root} does not exist`);
    if (code === 'ENOTDIR') throw new Error(`${root} is a file, not a folder: give the folder that holds the images`);
    if (code === 'EACCES') throw new Error(`the folder ${root} cannot be read (permission denied)`);
    throw error;
  }
  return { files, csvFiles };
}
