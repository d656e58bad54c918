/**
 * One shim per data dir. LMDB itself lets several processes share an environment, so two
 * shims started on one folder would both write and both answer from it; this lock refuses the
 * second with one sentence instead.
 *
 * A PID file (`shim.lock`, created with O_EXCL) rather than a library such as
 * proper-lockfile: that one marks a lock stale only after its mtime stops moving (10 s by
 * default), so a shim restarted right after a crash (`kill -9`, a container restart) would be
 * refused; with a PID the lock of a dead process is taken over at once. In a container the
 * restarted shim often gets the same PID as the crashed one: a lock holding our own PID is ours.
 * Shims of one Node process (tests) are tracked in memory as well.
 */
import { hostname } from 'node:os';
import { readFileSync } from 'node:fs';
import { open, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Name of the lock file in the data dir. */
export const LOCK_FILE = 'shim.lock';

/** Thrown when another shim holds the data dir. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
}

/** Thrown when the data dir cannot be created or written (read-only, permissions, missing parent). */
export class DataDirError extends Error {
  override name = 'DataDirError';
}

/** A held lock. */
export interface DataDirLock {
  release(): Promise<void>;
}

const heldHere = new Set<string>();

/**
 * When the process started, from `/proc/<pid>/stat` (field 22, clock ticks since boot), or
 * undefined off Linux. A PID is reused by unrelated processes after its own ends (a container
 * restart hands out the same low PIDs): the start time tells the lock holder from a newcomer.
 */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The command line of a process (Linux), or undefined. */
function commandLine(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return undefined;
  }
}

/**
 * True when the lock's holder still runs: its PID is alive and is the same process (same start
 * time when the lock recorded it; a Node process when the lock is from an older shim).
 */
function holderRuns(holder: { pid: number; start?: string }): boolean {
  if (!alive(holder.pid)) return false;
  const start = processStart(holder.pid);
  if (holder.start !== undefined && start !== undefined) return start === holder.start;
  const command = commandLine(holder.pid);
  return command === undefined || /node|tsx|shim/i.test(command);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

function unwritable(dir: string, error: NodeJS.ErrnoException): DataDirError {
  const why: Record<string, string> = {
    EACCES: 'permission denied',
    EPERM: 'permission denied',
    EROFS: 'it is on a read-only file system',
    ENOENT: 'it does not exist and cannot be created',
    ENOTDIR: 'a part of its path is a file, not a folder',
    ENOSPC: 'the disk is full',
  };
  return new DataDirError(
    `cannot use the data dir ${dir}: ${why[error.code ?? ''] ?? error.code ?? error.message}. ` +
      'Choose a writable folder with --data-dir (DATA_DIR), or fix its permissions.',
  );
}

/**
 * Takes the lock of `dataDir` (which must exist).
 * @throws DataDirLockedError when a live shim holds it; DataDirError when it is not writable.
 */
export async function acquireDataDirLock(dataDir: string): Promise<DataDirLock> {
  const dir = resolve(dataDir);
  const file = join(dir, LOCK_FILE);
  const refuse = (pid: number | string) =>
    new DataDirLockedError(
      `the data dir ${dir} is in use by another shim (pid ${pid}); stop that one or give this one its own --data-dir.`,
    );
  if (heldHere.has(dir)) throw refuse(process.pid);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx');
      await handle.writeFile(JSON.stringify({ pid: process.pid, start: processStart(process.pid), host: hostname(), since: new Date().toISOString() }));
      await handle.sync();
      await handle.close();
      heldHere.add(dir);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          heldHere.delete(dir);
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      if (e.code !== 'EEXIST') throw unwritable(dir, e);
    }
    let holder: { pid?: number; host?: string; start?: string } = {};
    try {
      holder = JSON.parse(await readFile(file, 'utf8')) as typeof holder;
    } catch {
      // unreadable or torn (a crash while writing it): stale
    }
    const sameHost = holder.host === undefined || holder.host === hostname();
    if (typeof holder.pid === 'number' && holder.pid !== process.pid && sameHost && holderRuns({ pid: holder.pid, start: holder.start })) throw refuse(holder.pid);
    if (typeof holder.pid === 'number' && !sameHost) throw refuse(`${holder.pid} on ${holder.host}`);
    await rm(file, { force: true }); // stale: its process is gone
  }
  throw refuse('unknown');
}
