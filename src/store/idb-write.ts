/**
 * Awaiting a write transaction safely. idb turns every request into a promise; when one request
 * fails or the caller throws half-way, the transaction aborts and every other request promise
 * rejects too — unobserved, those become unhandled rejections that hide the real error.
 */
import type { DBSchema, IDBPTransaction, StoreNames } from 'idb';

/** Registers a request promise with {@link commitWrites}, returning it unchanged. */
export type TrackRequest = <T>(request: Promise<T>) => Promise<T>;

const ignore = (): undefined => undefined;

/**
 * Runs `issue` (which starts requests on `tx`, passing each through `track`) and resolves once
 * the transaction has committed. On any error — a failed request, a synchronous throw half-way
 * through, an abort — the transaction is aborted so nothing is half-written, stray request
 * rejections are swallowed, and the first real error is rethrown (e.g. `QuotaExceededError`).
 */
export async function commitWrites<DB extends DBSchema, Names extends StoreNames<DB>[]>(
  tx: IDBPTransaction<DB, Names, 'readwrite'>,
  issue: (track: TrackRequest) => void | Promise<void>,
): Promise<void> {
  const done = tx.done;
  done.catch(ignore);
  const requests: Promise<unknown>[] = [];
  const track: TrackRequest = (request) => {
    request.catch(ignore);
    requests.push(request);
    return request;
  };
  try {
    await issue(track);
    await Promise.all(requests);
    await done;
  } catch (error) {
    try {
      tx.abort();
    } catch {
      // Already finished or aborted by the failing request: nothing left to undo.
    }
    // When the browser aborts the transaction (quota hit at commit, a constraint), request
    // promises reject with a bare AbortError; the transaction's own error says why.
    throw tx.error ?? error;
  }
}

/** True for the error a browser raises when the origin's storage quota is exhausted. */
export function isQuotaError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const name = (error as { name?: unknown }).name;
  // Firefox before 2021 reported quota as NS_ERROR_DOM_QUOTA_REACHED.
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}
