/**
 * The data of one Label Studio task made by the import. Besides the image URL it keeps where
 * the image came from and a content hash, which is what makes a second run add only new images.
 */

/** Task data keys the import writes (besides the image key and FlowCam `fc_*` fields). */
export const TASK_FIELDS = {
  originalName: 'original_name',
  originalPath: 'original_path',
  /** SHA-256 of the source file: the duplicate check across runs. */
  sourceSha256: 'source_sha256',
} as const;

/** Builds the data object of one task. */
export function taskData(input: {
  imageKey: string;
  imageUrl: string;
  originalName: string;
  originalPath: string;
  sourceSha256: string;
  measurements?: Record<string, string | number>;
}): Record<string, string | number> {
  return {
    ...(input.measurements ?? {}),
    [input.imageKey]: input.imageUrl,
    [TASK_FIELDS.originalName]: input.originalName,
    [TASK_FIELDS.originalPath]: input.originalPath,
    [TASK_FIELDS.sourceSha256]: input.sourceSha256,
  };
}

/** The source hashes already in a project's tasks (from their data). */
export function existingHashes(tasks: ReadonlyArray<{ data?: Record<string, unknown> }>): Set<string> {
  const hashes = new Set<string>();
  for (const task of tasks) {
    const hash = task.data?.[TASK_FIELDS.sourceSha256];
    if (typeof hash === 'string') hashes.add(hash);
  }
  return hashes;
}

/** The image key of a label config: the `$name` of its first `<Image value="$name">`, else "image". */
export function imageKeyOfConfig(labelConfig: string | undefined): string {
  const match = labelConfig ? /<Image\b[^>]*\bvalue\s*=\s*"\$([A-Za-z_][\w]*)"/.exec(labelConfig) : null;
  return match ? match[1] : 'image';
}
