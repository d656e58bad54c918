/**
 * FlowCam particle tables beside the images: VisualSpreadsheet exports one CSV row per particle
 * with a "Particle ID" (older exports: "Id"), often the collage it came from ("Image File";
 * 2.x: "Filename") and its measurements ("Area (ABD)", "Diameter (ESD)", "Length", "Width",
 * "Aspect Ratio", "Circularity", "Intensity", "Sigma Intensity", "Image X", "Image Y", ...).
 * Exported particle crops are named after the particle: `<run>_<particle id>.tif`.
 *
 * A row belongs to an image when (1) a file-name column names that image (only when the name is
 * unique to one row: collage names repeat on every particle of the collage), else (2) the
 * particle id equals the number at the end of the image's name. Measurements become task data
 * fields named `fc_<column in snake case>` ("Area (ABD)" → `fc_area_abd`), numbers as numbers,
 * so Label Studio's Data Manager can show, sort and filter them.
 *
 * Parsed with csv-parse (maintained; quoted fields, BOM, CRLF) rather than by splitting lines.
 */
import { parse } from 'csv-parse/sync';

/** Columns that hold the particle id, lower-cased. */
const ID_COLUMNS = ['particle id', 'particle_id', 'particleid', 'id'];
/** Columns that may hold the particle's own image file name, lower-cased. */
const FILE_COLUMNS = ['image file', 'filename', 'file name', 'image_file', 'original reference id'];

/** The rows of one CSV, indexed for matching images. */
export interface FlowCamTable {
  /** CSV file it came from (for messages). */
  source: string;
  columns: string[];
  rowCount: number;
  byId: Map<string, Record<string, string | number>>;
  byFile: Map<string, Record<string, string | number>>;
}

/** "Area (ABD)" → "fc_area_abd". */
export function fieldName(column: string): string {
  const snake = column.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
  return `fc_${snake || 'column'}`;
}

function value(text: string): string | number {
  const t = text.trim();
  if (t !== '' && /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return t;
}

function stem(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  const dot = base.lastIndexOf('.');
  return (dot > 0 ? base.slice(0, dot) : base).toLowerCase();
}

/**
 * Parses a FlowCam CSV. Returns null when the table has no particle-id column (not a FlowCam
 * particle table: left alone, and said so by the caller). Throws on malformed CSV.
 */
export function parseFlowCamCsv(text: string, source: string): FlowCamTable | null {
  const records = parse(text, { bom: true, relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
  // Some exports put a few lines of run information above the table: the header is the first
  // row that names a particle-id column.
  const headerIndex = records.findIndex((r) => r.some((c) => ID_COLUMNS.includes(c.toLowerCase())));
  if (headerIndex < 0) return null;
  const columns = records[headerIndex];
  const lower = columns.map((c) => c.toLowerCase());
  const idColumn = lower.findIndex((c) => ID_COLUMNS.includes(c));
  const fileColumn = lower.findIndex((c) => FILE_COLUMNS.includes(c));
  const byId = new Map<string, Record<string, string | number>>();
  const fileRows = new Map<string, Array<Record<string, string | number>>>();
  const rows = records.slice(headerIndex + 1);
  for (const row of rows) {
    const fields: Record<string, string | number> = {};
    columns.forEach((column, i) => {
      if (row[i] !== undefined && row[i] !== '') fields[fieldName(column)] = value(row[i]);
    });
    const id = row[idColumn]?.trim();
    if (id) byId.set(String(Number.isFinite(Number(id)) ? Number(id) : id), fields);
    const file = fileColumn >= 0 ? row[fileColumn]?.trim() : '';
    if (file) fileRows.set(stem(file), [...(fileRows.get(stem(file)) ?? []), fields]);
  }
  const byFile = new Map<string, Record<string, string | number>>();
  for (const [name, list] of fileRows) if (list.length === 1) byFile.set(name, list[0]);
  return { source, columns, rowCount: rows.length, byId, byFile };
}

/** The measurements of the particle shown in `imageName`, or undefined when no row matches. */
export function matchParticle(table: FlowCamTable, imageName: string): Record<string, string | number> | undefined {
  const s = stem(imageName);
  const byName = table.byFile.get(s);
  if (byName) return byName;
  const trailing = /(\d+)$/.exec(s);
  return trailing ? table.byId.get(String(Number(trailing[1]))) : undefined;
}
