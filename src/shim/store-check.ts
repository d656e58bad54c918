/**
 * Checks the LMDB file of the prediction store before it is opened. LMDB maps the file and
 * trusts it: a truncated file ended the shim with SIGBUS, zeroed meta pages or a 1-byte file
 * with SIGSEGV, random bytes gave silent empty answers (issue 19). Reading the two meta pages
 * (LMDB's `MDB_meta`, 64-bit layout: magic, version, the page size in the free DB's `md_pad`,
 * the main DB's root page, the last page used) and comparing them with the file's size catches
 * those before any mapping, in microseconds, whatever the store's size.
 *
 * What it does not catch: a data page corrupted inside a file whose meta pages are sound.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** LMDB's magic number, little-endian at the start of each meta. */
const MDB_MAGIC = 0xbeefc0de;
/** Data versions lmdb-js writes (2) or LMDB 0.9 wrote (1). */
const VERSIONS = new Set([1, 2]);
/**
 * Page header before the meta: pgno, pad, flags, lower/upper (16 bytes, LMDB 0.9, version 1);
 * lmdb-js's LMDB 1.0 (version 2) adds the page's txnid (24 bytes).
 */
const PAGE_HEADERS = [24, 16];
/** `md_root` of an empty DB. */
const P_INVALID = 0xffffffffffffffffn;

/** Thrown when the store file is damaged; the message is one sentence naming it and what to do. */
export class StoreCorruptError extends Error {
  override name = 'StoreCorruptError';
}

interface Meta {
  version: number;
  pageSize: number;
  mainRoot: bigint;
  lastPage: bigint;
}

function readMeta(page: Buffer): Meta | string {
  const m = PAGE_HEADERS.find((offset) => page.readUInt32LE(offset) === MDB_MAGIC);
  if (m === undefined) return 'a meta page has no LMDB magic number (zeroed or overwritten)';
  const version = page.readUInt32LE(m + 4);
  if (!VERSIONS.has(version) || m !== (version === 1 ? 16 : 24)) return `a meta page has the unknown version ${version}`;
  const dbs = m + 24; // after magic, version, address, mapsize
  const pageSize = page.readUInt32LE(dbs); // md_pad of the free DB holds the page size
  const mainRoot = page.readBigUInt64LE(dbs + 48 + 40);
  const lastPage = page.readBigUInt64LE(dbs + 96);
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) return `a meta page names the impossible page size ${pageSize}`;
  return { version, pageSize, mainRoot, lastPage };
}

/**
 * Throws {@link StoreCorruptError} when `file` exists and is not a sound LMDB file; returns
 * quietly when it is sound or absent (a new store).
 */
export function checkStoreFile(file: string): void {
  let size: number;
  try {
    const info = statSync(file);
    if (info.isDirectory()) return; // an environment folder (data.mdb inside): LMDB checks it
    size = info.size;
  } catch {
    return; // no store yet
  }
  const damaged = (why: string) =>
    new StoreCorruptError(
      `the prediction store ${file} is damaged (${why}), so the shim will not serve from it: ` +
        `restore it from a backup, or move it aside (mv ${file} ${file}.damaged) to start with an empty store.`,
    );
  if (size < 2 * 4096) throw damaged(`the file has ${size} bytes, less than LMDB's two meta pages`);
  const fd = openSync(file, 'r');
  try {
    const first = Buffer.alloc(4096);
    readSync(fd, first, 0, first.length, 0);
    const meta0 = readMeta(first);
    if (typeof meta0 === 'string') throw damaged(meta0);
    const second = Buffer.alloc(4096);
    readSync(fd, second, 0, second.length, meta0.pageSize);
    const meta1 = readMeta(second);
    if (typeof meta1 === 'string') throw damaged(meta1);
    if (meta1.pageSize !== meta0.pageSize || meta1.version !== meta0.version) throw damaged('its two meta pages disagree');
    const pages = BigInt(Math.floor(size / meta0.pageSize));
    for (const meta of [meta0, meta1]) {
      if (meta.lastPage + 1n > pages) throw damaged(`it is cut short: the store uses ${meta.lastPage + 1n} pages, the file holds ${pages}`);
      if (meta.mainRoot !== P_INVALID && meta.mainRoot > meta.lastPage) throw damaged('its root page lies past its last page');
    }
  } finally {
    closeSync(fd);
  }
}
