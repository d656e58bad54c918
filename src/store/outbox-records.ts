/**
 * Where the outbox keeps its items: the storage half of the outbox, behind one small interface
 * with an IndexedDB and a memory implementation, so the queue logic (outbox.ts) is written once.
 */
import type { IDBPDatabase } from 'idb';
import { commitWrites } from './idb-write.ts';
import type { CytoDB, OutboxRecord } from './schema.ts';

/** The fields a caller chooses when queueing a write. */
export interface OutboxInput {
  kind: OutboxRecord['kind'];
  target: OutboxRecord['target'];
  url: string;
  /** Defaults to POST. */
  method?: OutboxRecord['method'];
  body: unknown;
  dedupeKey: string;
}

/** A stored item: it always has its id. */
export type StoredOutboxRecord = OutboxRecord & { id: number };

/** Changes that settle one send attempt: `delete`, or fields to overwrite. */
export type OutboxSettlement = 'delete' | Partial<Pick<OutboxRecord, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'lastStatus'>>;

/** Storage operations the outbox needs. */
export interface OutboxRecords {
  /**
   * Adds the item, or — when an item with the same `dedupeKey` exists — replaces its request
   * (latest body wins), keeps its id (queue position) and creation time, makes it pending and due
   * now with zero attempts, and bumps its revision. One transaction, so never two entries.
   */
  upsert(input: OutboxInput, now: number): Promise<StoredOutboxRecord>;
  /** All items in queue (id) order. */
  list(): Promise<StoredOutboxRecord[]>;
  /**
   * Applies `change` to item `id` only if its revision is still `revision`: a send that raced a
   * newer enqueue of the same key must neither delete nor back off the newer body.
   */
  settle(id: number, revision: number, change: OutboxSettlement): Promise<boolean>;
  /** Removes an item regardless of state (a person discarded it). */
  remove(id: number): Promise<void>;
}

function merge(existing: StoredOutboxRecord | undefined, input: OutboxInput, now: number): OutboxRecord {
  return {
    ...(existing ? { id: existing.id } : {}),
    kind: input.kind,
    target: input.target,
    url: input.url,
    method: input.method ?? 'POST',
    body: input.body,
    dedupeKey: input.dedupeKey,
    state: 'pending',
    revision: (existing?.revision ?? 0) + 1,
    attempts: 0,
    nextAttemptAt: now,
    createdAt: existing?.createdAt ?? now,
  };
}

function applySettlement(record: StoredOutboxRecord, change: Exclude<OutboxSettlement, 'delete'>): StoredOutboxRecord {
  const next = { ...record, ...change };
  // An explicit `lastError: undefined` clears it rather than storing an undefined field.
  if ('lastError' in change && change.lastError === undefined) delete next.lastError;
  return next;
}

/** IndexedDB implementation over the `outbox` store and its unique `byDedupe` index. */
export class IdbOutboxRecords implements OutboxRecords {
  constructor(private readonly db: IDBPDatabase<CytoDB>) {}

  async upsert(input: OutboxInput, now: number): Promise<StoredOutboxRecord> {
    const tx = this.db.transaction('outbox', 'readwrite');
    let stored!: StoredOutboxRecord;
    await commitWrites(tx, async (track) => {
      const existing = (await track(tx.store.index('byDedupe').get(input.dedupeKey))) as StoredOutboxRecord | undefined;
      const record = merge(existing, input, now);
      const id = await track(tx.store.put(record));
      stored = { ...record, id };
    });
    return stored;
  }

  async list(): Promise<StoredOutboxRecord[]> {
    // The outbox holds at most a few hundred small items: one getAll beats an index per state.
    return (await this.db.getAll('outbox')) as StoredOutboxRecord[];
  }

  async settle(id: number, revision: number, change: OutboxSettlement): Promise<boolean> {
    const tx = this.db.transaction('outbox', 'readwrite');
    let applied = false;
    await commitWrites(tx, async (track) => {
      const current = (await track(tx.store.get(id))) as StoredOutboxRecord | undefined;
      if (!current || current.revision !== revision) return;
      if (change === 'delete') track(tx.store.delete(id));
      else track(tx.store.put(applySettlement(current, change)));
      applied = true;
    });
    return applied;
  }

  async remove(id: number): Promise<void> {
    await this.db.delete('outbox', id);
  }
}

/** Memory implementation; records are cloned in and out, as IndexedDB would. */
export class MemoryOutboxRecords implements OutboxRecords {
  private readonly records = new Map<number, StoredOutboxRecord>();
  private nextId = 1;

  async upsert(input: OutboxInput, now: number): Promise<StoredOutboxRecord> {
    const existing = [...this.records.values()].find((r) => r.dedupeKey === input.dedupeKey);
    const record = { ...merge(existing, input, now), id: existing?.id ?? this.nextId++ };
    this.records.set(record.id, structuredClone(record));
    return record;
  }

  async list(): Promise<StoredOutboxRecord[]> {
    return [...this.records.values()].sort((a, b) => a.id - b.id).map((r) => structuredClone(r));
  }

  async settle(id: number, revision: number, change: OutboxSettlement): Promise<boolean> {
    const current = this.records.get(id);
    if (!current || current.revision !== revision) return false;
    if (change === 'delete') this.records.delete(id);
    else this.records.set(id, applySettlement(current, change));
    return true;
  }

  async remove(id: number): Promise<void> {
    this.records.delete(id);
  }
}
