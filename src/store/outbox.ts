/**
 * A durable queue of HTTP writes (predictions, annotations) to Label Studio or the shim.
 *
 * Items live in IndexedDB (outbox-records.ts), so writes queued while offline, rate-limited or
 * logged out survive a reload and go out on a later `flush`. Delivery is at-least-once: an
 * answer lost after the server acted means the write is sent again, hence dedupe keys.
 *
 * Concurrency. In one JS context a flush in progress is never started twice: a second call
 * gets the running flush's promise. Across tabs (and workers) of one origin, the Web Locks API
 * (`navigator.locks`, when present) makes at most one flush run at a time; a tab that finds the
 * lock taken skips its flush (`busy: true`) since the holder drains the same queue. Without Web
 * Locks two tabs may send one item twice — a duplicate prediction, visible but harmless. The
 * stored queue itself never duplicates: `byDedupe` is a unique index.
 */
import { type OutboxInput, type OutboxRecords, type StoredOutboxRecord } from './outbox-records.ts';
import {
  backoffDelayMs,
  classifyStatus,
  DEFAULT_RETRY_POLICY,
  retryAfterMs,
  type RetryPolicy,
} from './retry-policy.ts';
import type { OutboxRecord } from './schema.ts';

export type { OutboxInput, StoredOutboxRecord } from './outbox-records.ts';

/**
 * The part of `fetch` the outbox uses; inject one that adds credentials (token, CSRF header).
 * It may carry a `batch` sender: due items it accepts are then handed over together (in queue
 * order, between the items it does not accept), so a thousand predictions need not be a
 * thousand round trips (labelstudio/prediction-batch.ts).
 */
export type OutboxFetch = ((url: string, init: RequestInit) => Promise<Response>) & { batch?: OutboxBatchSender };

/** A queued item as a batch sender sees it. */
export interface OutboxBatchItem {
  id: number;
  url: string;
  method: OutboxRecord['method'];
  body: unknown;
}

/** How one item of a batch ended: an HTTP status (classified like a single answer) or a network error. */
export type OutboxBatchOutcome = { status: number; error?: string; retryAfterMs?: number } | { network: string };

/** Sends many queued items at once; answers an outcome per item id (a missing one is retried). */
export interface OutboxBatchSender {
  accepts(item: Pick<OutboxBatchItem, 'url' | 'method' | 'body'>): boolean;
  send(items: readonly OutboxBatchItem[]): Promise<Map<number, OutboxBatchOutcome>>;
}

/** The part of the Web Locks API the outbox uses. */
export interface OutboxLocks {
  request<T>(name: string, options: { ifAvailable: true }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

/** What one flush did. */
export interface FlushReport {
  /** Items delivered (2xx) and deleted. */
  sent: number;
  /** Items that met a transient error and wait for their backoff. */
  retried: number;
  /** Items moved to the failed state by this flush. */
  failed: number;
  /** Targets that answered 401/403: a person must log in there; their items stay queued. */
  auth: OutboxRecord['target'][];
  /** Nothing was sent because the browser reports itself offline. */
  offline: boolean;
  /** Nothing was sent because another tab holds the flush lock. */
  busy: boolean;
}

/** Tuning and injectable environment of an outbox. */
export interface OutboxOptions extends RetryPolicy {
  /** Clock (epoch ms). */
  now: () => number;
  /** Uniform [0, 1) source for backoff jitter. */
  random: () => number;
  /** When false, flush sends nothing (no attempts burnt while offline). */
  isOnline: () => boolean;
  /** Cross-tab lock; null disables it. */
  locks: OutboxLocks | null;
  /**
   * A request that has not answered after this long is aborted and counts as a network error;
   * without it one hung request would hold the flush (and so every later flush) forever.
   */
  requestTimeoutMs: number;
}

/** Longest error text kept per item (a server's error page can be large). */
const MAX_ERROR_CHARS = 500;

/** Name of the cross-tab flush lock. */
const LOCK_NAME = 'cyto-ml-outbox-flush';

/** Defaults from the running environment: real clock, `navigator.onLine`, `navigator.locks`. */
export function defaultOutboxOptions(): OutboxOptions {
  const nav = (globalThis as { navigator?: { onLine?: boolean; locks?: OutboxLocks } }).navigator;
  return {
    ...DEFAULT_RETRY_POLICY,
    now: () => Date.now(),
    random: Math.random,
    isOnline: () => nav?.onLine !== false,
    locks: nav?.locks ?? null,
    requestTimeoutMs: 30_000,
  };
}

/** The durable write queue as every consumer sees it. */
export interface Outbox {
  /** Queues a write; replaces the body of a queued write with the same `dedupeKey`. */
  enqueue(input: OutboxInput): Promise<StoredOutboxRecord>;
  /**
   * Sends due pending items in queue order. 2xx → deleted; 408/429/5xx/network error → kept,
   * attempts + 1, retried after exponential backoff with jitter (or `Retry-After`); 401/403 →
   * kept untouched, target reported in `auth`; other 4xx → failed state with `lastError`.
   * After a network error, 429 or auth answer, the rest of that target's items wait for the
   * next flush (the server is unreachable, throttling or refusing us: do not hammer it).
   */
  flush(fetchImpl: OutboxFetch): Promise<FlushReport>;
  /** Number of pending (not failed) items, due or not; of those `filter` keeps, when given. */
  pending(filter?: (item: StoredOutboxRecord) => boolean): Promise<number>;
  /** Items that failed for good, oldest first, for the status panel. */
  failed(): Promise<StoredOutboxRecord[]>;
  /** Earliest `nextAttemptAt` among pending items (to schedule the next flush), if any. */
  nextDueAt(): Promise<number | undefined>;
  /** Makes a failed item pending and due now again (after the cause was fixed). */
  retry(id: number): Promise<boolean>;
  /** Deletes an item whatever its state (a person gave up on it). */
  discard(id: number): Promise<void>;
}

/** The outbox logic over any {@link OutboxRecords} storage. */
export class DurableOutbox implements Outbox {
  private readonly options: OutboxOptions;
  private running: Promise<FlushReport> | null = null;

  constructor(
    private readonly records: OutboxRecords,
    options: Partial<OutboxOptions> = {},
  ) {
    this.options = { ...defaultOutboxOptions(), ...options };
    if (!(this.options.baseDelayMs > 0 && this.options.maxDelayMs >= this.options.baseDelayMs)) {
      throw new RangeError(
        `need 0 < baseDelayMs ≤ maxDelayMs, got ${this.options.baseDelayMs} and ${this.options.maxDelayMs}`,
      );
    }
  }

  enqueue(input: OutboxInput): Promise<StoredOutboxRecord> {
    return this.records.upsert(input, this.options.now());
  }

  flush(fetchImpl: OutboxFetch): Promise<FlushReport> {
    if (!this.running) {
      this.running = this.withLock(() => this.drain(fetchImpl)).finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  async pending(filter: (item: StoredOutboxRecord) => boolean = () => true): Promise<number> {
    return (await this.records.list()).filter((r) => r.state === 'pending' && filter(r)).length;
  }

  async failed(): Promise<StoredOutboxRecord[]> {
    return (await this.records.list()).filter((r) => r.state === 'failed');
  }

  async nextDueAt(): Promise<number | undefined> {
    const due = (await this.records.list()).filter((r) => r.state === 'pending').map((r) => r.nextAttemptAt);
    return due.length > 0 ? Math.min(...due) : undefined;
  }

  async retry(id: number): Promise<boolean> {
    const item = (await this.records.list()).find((r) => r.id === id && r.state === 'failed');
    if (!item) return false;
    return this.records.settle(id, item.revision, {
      state: 'pending',
      attempts: 0,
      nextAttemptAt: this.options.now(),
      lastError: undefined,
    });
  }

  discard(id: number): Promise<void> {
    return this.records.remove(id);
  }

  private async withLock(run: () => Promise<FlushReport>): Promise<FlushReport> {
    const { locks } = this.options;
    if (!locks) return run();
    return locks.request(LOCK_NAME, { ifAvailable: true }, async (lock) => (lock ? run() : { ...emptyReport(), busy: true }));
  }

  private async drain(fetchImpl: OutboxFetch): Promise<FlushReport> {
    const report = emptyReport();
    if (!this.options.isOnline()) return { ...report, offline: true };
    const startedAt = this.options.now();
    const paused = new Set<OutboxRecord['target']>();
    const due = (await this.records.list()).filter((item) => item.state === 'pending' && item.nextAttemptAt <= startedAt);
    const batch = fetchImpl.batch;
    for (let i = 0; i < due.length;) {
      if (batch?.accepts(due[i])) {
        // A run of consecutive items the batch sender takes: one hand-over, queue order kept
        // with the items around it (an annotation queued before a prediction goes first).
        let j = i;
        while (j < due.length && batch.accepts(due[j])) j++;
        const run = due.slice(i, j).filter((item) => !paused.has(item.target));
        i = j;
        if (run.length > 0) await this.sendBatch(batch, run, report, paused);
        continue;
      }
      const item = due[i++];
      if (paused.has(item.target)) continue;
      let response: Response;
      const abort = new AbortController();
      const timer = setTimeout(
        () => abort.abort(new Error(`no answer within ${this.options.requestTimeoutMs} ms`)),
        this.options.requestTimeoutMs,
      );
      try {
        response = await fetchImpl(item.url, { ...requestInit(item), signal: abort.signal });
      } catch (error) {
        await this.settleOutcome(item, { network: errorText(error) }, report, paused);
        continue;
      } finally {
        clearTimeout(timer);
      }
      const outcome = classifyStatus(response.status);
      await this.settleOutcome(item, {
        status: response.status,
        ...(outcome === 'sent' || outcome === 'auth' ? {} : { error: `HTTP ${response.status}${await bodyText(response)}` }),
        ...(outcome === 'retry' ? { retryAfterMs: retryAfterMs(response.headers.get('Retry-After'), this.options.now()) } : {}),
      }, report, paused);
    }
    return report;
  }

  private async sendBatch(batch: OutboxBatchSender, run: readonly StoredOutboxRecord[], report: FlushReport, paused: Set<OutboxRecord['target']>): Promise<void> {
    let outcomes: Map<number, OutboxBatchOutcome>;
    try {
      outcomes = await batch.send(run.map((item) => ({ id: item.id, url: item.url, method: item.method, body: item.body })));
    } catch (error) {
      outcomes = new Map(run.map((item) => [item.id, { network: errorText(error) }]));
    }
    for (const item of run) {
      await this.settleOutcome(item, outcomes.get(item.id) ?? { status: 503, error: 'the batch sender gave no answer for this item' }, report, paused);
    }
  }

  /** Apply one answer to one item: deleted, backed off, held for a login, or failed for good. */
  private async settleOutcome(item: StoredOutboxRecord, answer: OutboxBatchOutcome, report: FlushReport, paused: Set<OutboxRecord['target']>): Promise<void> {
    if ('network' in answer) {
      // Network error (offline, DNS, CORS, refused): the whole target is out of reach.
      await this.backOff(item, undefined, `network: ${answer.network}`, undefined);
      report.retried++;
      paused.add(item.target);
      return;
    }
    const outcome = classifyStatus(answer.status);
    const error = (answer.error ?? `HTTP ${answer.status}`).slice(0, MAX_ERROR_CHARS);
    switch (outcome) {
      case 'sent':
        await this.records.settle(item.id, item.revision, 'delete');
        report.sent++;
        break;
      case 'retry':
        await this.backOff(item, answer.status, error, answer.retryAfterMs);
        report.retried++;
        if (answer.status === 429) paused.add(item.target);
        break;
      case 'auth':
        // Not the item's fault: no attempt counted, no backoff; it goes out after a login.
        await this.records.settle(item.id, item.revision, {
          lastStatus: answer.status,
          lastError: `HTTP ${answer.status}: log in to ${item.target}`,
        });
        if (!report.auth.includes(item.target)) report.auth.push(item.target);
        paused.add(item.target);
        break;
      case 'failed':
        await this.records.settle(item.id, item.revision, {
          state: 'failed',
          attempts: item.attempts + 1,
          lastStatus: answer.status,
          lastError: error,
        });
        report.failed++;
        break;
      default: {
        const unreachable: never = outcome;
        throw new Error(`unknown send outcome ${String(unreachable)}`);
      }
    }
  }

  private async backOff(
    item: StoredOutboxRecord,
    status: number | undefined,
    error: string,
    serverDelayMs: number | undefined,
  ): Promise<void> {
    const attempts = item.attempts + 1;
    const delay = Math.min(
      this.options.maxDelayMs,
      serverDelayMs ?? backoffDelayMs(attempts, this.options, this.options.random),
    );
    await this.records.settle(item.id, item.revision, {
      attempts,
      nextAttemptAt: this.options.now() + delay,
      lastError: error.slice(0, MAX_ERROR_CHARS),
      ...(status !== undefined ? { lastStatus: status } : {}),
    });
  }
}

function emptyReport(): FlushReport {
  return { sent: 0, retried: 0, failed: 0, auth: [], offline: false, busy: false };
}

function requestInit(item: StoredOutboxRecord): RequestInit {
  if (item.body === undefined) return { method: item.method };
  return { method: item.method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(item.body) };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `: <start of the body>` for an error answer, or '' when there is none or it cannot be read. */
async function bodyText(response: Response): Promise<string> {
  try {
    const text = (await response.text()).trim();
    return text ? `: ${text.slice(0, MAX_ERROR_CHARS)}` : '';
  } catch {
    return '';
  }
}
