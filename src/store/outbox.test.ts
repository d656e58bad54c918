import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openCytoDB } from './open-db.ts';
import { DurableOutbox, type OutboxFetch, type OutboxLocks, type OutboxOptions } from './outbox.ts';
import { IdbOutboxRecords, MemoryOutboxRecords, type OutboxInput, type OutboxRecords } from './outbox-records.ts';

let dbCounter = 0;
const opened: Array<{ close(): void }> = [];

afterEach(() => {
  for (const db of opened.splice(0)) db.close();
});

async function idbRecords(): Promise<OutboxRecords> {
  const db = await openCytoDB(indexedDB, `outbox-test-${++dbCounter}`, 2000);
  opened.push(db);
  return new IdbOutboxRecords(db);
}

/** A hand-moved clock and a fixed "random" of 0.5, so backoff delays are exact. */
function environment(overrides: Partial<OutboxOptions> = {}) {
  const clock = { t: 1_000_000 };
  const options: Partial<OutboxOptions> = {
    now: () => clock.t,
    random: () => 0.5,
    isOnline: () => true,
    locks: null,
    baseDelayMs: 1000,
    maxDelayMs: 60_000,
    ...overrides,
  };
  return { clock, options };
}

/** A fetch that answers from a script of statuses (or throws for 'network') and logs every call. */
function scriptedFetch(script: Array<number | 'network' | Response>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetchImpl: OutboxFetch = async (url, init) => {
    calls.push({ url, init });
    const next = script.shift() ?? 200;
    if (next === 'network') throw new TypeError('Failed to fetch');
    return typeof next === 'number' ? new Response(next === 204 ? null : `answer ${next}`, { status: next }) : next;
  };
  return { fetchImpl, calls };
}

const prediction = (task: number, score = 0.5): OutboxInput => ({
  kind: 'prediction',
  target: 'label-studio',
  url: '/api/predictions/',
  body: { task, score, result: [] },
  dedupeKey: `prediction:${task}`,
});

const implementations: Array<[string, () => Promise<OutboxRecords>]> = [
  ['IndexedDB', idbRecords],
  ['memory', async () => new MemoryOutboxRecords()],
];

describe.each(implementations)('%s outbox', (_name, makeRecords) => {
  it('sends a JSON body, deletes on 2xx', async () => {
    const { options } = environment();
    const outbox = new DurableOutbox(await makeRecords(), options);
    await outbox.enqueue(prediction(7));
    const { fetchImpl, calls } = scriptedFetch([201]);
    expect(await outbox.flush(fetchImpl)).toMatchObject({ sent: 1, retried: 0, failed: 0, auth: [] });
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('/api/predictions/');
    expect(calls[0].init.method).toBe('POST');
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ task: 7, score: 0.5, result: [] });
    expect(await outbox.pending()).toBe(0);
  });

  it('a 500 then success: retried after the backoff, delivered exactly once, then deleted', async () => {
    const { clock, options } = environment();
    const records = await makeRecords();
    const outbox = new DurableOutbox(records, options);
    await outbox.enqueue(prediction(1));
    const { fetchImpl, calls } = scriptedFetch([500, 200]);

    expect(await outbox.flush(fetchImpl)).toMatchObject({ sent: 0, retried: 1 });
    const [kept] = await records.list();
    expect(kept).toMatchObject({ attempts: 1, lastStatus: 500, state: 'pending' });
    expect(kept.lastError).toContain('HTTP 500');
    // Equal jitter with random 0.5: 1000/2 + 1000/2 * 0.5.
    expect(kept.nextAttemptAt).toBe(clock.t + 750);

    clock.t += 700; // not yet due
    expect(await outbox.flush(fetchImpl)).toMatchObject({ sent: 0, retried: 0 });
    expect(calls).toHaveLength(1);

    clock.t += 100;
    expect(await outbox.flush(fetchImpl)).toMatchObject({ sent: 1 });
    expect(await outbox.flush(fetchImpl)).toMatchObject({ sent: 0 });
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => c.init.body)).toEqual([calls[0].init.body, calls[0].init.body]);
    expect(await records.list()).toEqual([]);
  });

  it('backs off exponentially up to the cap', async () => {
    const { clock, options } = environment({ baseDelayMs: 1000, maxDelayMs: 5000, random: () => 1 });
    const records = await makeRecords();
    const outbox = new DurableOutbox(records, options);
    await outbox.enqueue(prediction(1));
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await outbox.flush(scriptedFetch([503]).fetchImpl);
      const [item] = await records.list();
      delays.push(item.nextAttemptAt - clock.t);
      clock.t = item.nextAttemptAt;
    }
    expect(delays).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('honours Retry-After on 429 and pauses that target for the rest of the flush', async () => {
    const { clock, options } = environment();
    const records = await makeRecords();
    const outbox = new DurableOutbox(records, options);
    await outbox.enqueue(prediction(1));
    await outbox.enqueue(prediction(2));
    await outbox.enqueue({ ...prediction(3), target: 'shim', url: '/shim/predictions' });
    const { fetchImpl, calls } = scriptedFetch([new Response('slow down', { status: 429, headers: { 'Retry-After': '30' } }), 200]);
    expect(await outbox.flush(fetchImpl)).toMatchObject({ sent: 1, retried: 1 });
    expect(calls.map((c) => c.url)).toEqual(['/api/predictions/', '/shim/predictions']);
    const items = await records.list();
    expect(items.map((i) => i.dedupeKey)).toEqual(['prediction:1', 'prediction:2']);
    expect(items[0].nextAttemptAt).toBe(clock.t + 30_000);
    expect(items[1].attempts).toBe(0); // not tried: the server asked us to slow down
  });

  it('keeps the item on a network error and tries the others of that target next time', async () => {
    const { options } = environment();
    const records = await makeRecords();
    const outbox = new DurableOutbox(records, options);
    await outbox.enqueue(prediction(1));
    await outbox.enqueue(prediction(2));
    const { fetchImpl, calls } = scriptedFetch(['network']);
    expect(await outbox.flush(fetchImpl)).toMatchObject({ sent: 0, retried: 1 });
    expect(calls).toHaveLength(1);
    const items = await records.list();
    expect(items[0]).toMatchObject({ attempts: 1 });
    expect(items[0].lastError).toContain('network: Failed to fetch');
    expect(items[0].lastStatus).toBeUndefined();
    expect(await outbox.pending()).toBe(2);
  });

  it('aborts a request that never answers and retries it later', async () => {
    const { options } = environment({ requestTimeoutMs: 10 });
    const records = await makeRecords();
    const outbox = new DurableOutbox(records, options);
    await outbox.enqueue(prediction(1));
    const hanging: OutboxFetch = (_url, init) =>
      new Promise((_resolve, reject) => init.signal?.addEventListener('abort', () => reject(init.signal?.reason)));
    expect(await outbox.flush(hanging)).toMatchObject({ retried: 1 });
    const [item] = await records.list();
    expect(item.lastError).toBe('network: no answer within 10 ms');
  });

  it('401 keeps the item untouched and reports auth', async () => {
    const { options } = environment();
    const records = await makeRecords();
    const outbox = new DurableOutbox(records, options);
    await outbox.enqueue(prediction(1));
    await outbox.enqueue(prediction(2));
    const first = scriptedFetch([401]);
    expect(await outbox.flush(first.fetchImpl)).toMatchObject({ sent: 0, failed: 0, retried: 0, auth: ['label-studio'] });
    expect(first.calls).toHaveLength(1); // the second item would be refused too: not sent
    const [item] = await records.list();
    expect(item).toMatchObject({ state: 'pending', attempts: 0, lastStatus: 401 });
    expect(await outbox.pending()).toBe(2);
    // After the person logs in, both go out at once: no backoff was imposed.
    const second = scriptedFetch([200, 200]);
    expect(await outbox.flush(second.fetchImpl)).toMatchObject({ sent: 2, auth: [] });
    expect(await outbox.pending()).toBe(0);
  });

  it('400 moves the item to failed with the server’s error, and never retries it', async () => {
    const { clock, options } = environment();
    const outbox = new DurableOutbox(await makeRecords(), options);
    await outbox.enqueue(prediction(1));
    const { fetchImpl, calls } = scriptedFetch([new Response('{"task":["Invalid pk"]}', { status: 400 })]);
    expect(await outbox.flush(fetchImpl)).toMatchObject({ failed: 1, sent: 0 });
    const failed = await outbox.failed();
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ state: 'failed', lastStatus: 400, attempts: 1 });
    expect(failed[0].lastError).toBe('HTTP 400: {"task":["Invalid pk"]}');
    expect(await outbox.pending()).toBe(0);
    clock.t += 3_600_000;
    await outbox.flush(fetchImpl);
    expect(calls).toHaveLength(1);
    // A person can retry it (after fixing the cause) or discard it.
    expect(await outbox.retry(failed[0].id)).toBe(true);
    expect(await outbox.pending()).toBe(1);
    await outbox.discard(failed[0].id);
    expect(await outbox.pending()).toBe(0);
  });

  it('dedupes: the same write queued twice is one entry and the latest body wins', async () => {
    const { options } = environment();
    const records = await makeRecords();
    const outbox = new DurableOutbox(records, options);
    const first = await outbox.enqueue(prediction(5, 0.1));
    await outbox.enqueue(prediction(6));
    const second = await outbox.enqueue(prediction(5, 0.9));
    expect(second.id).toBe(first.id);
    expect(await outbox.pending()).toBe(2);
    const { fetchImpl, calls } = scriptedFetch([200, 200]);
    await outbox.flush(fetchImpl);
    expect(calls.map((c) => JSON.parse(c.init.body as string))).toEqual([
      { task: 5, score: 0.9, result: [] },
      { task: 6, score: 0.5, result: [] },
    ]);
  });

  it('a body replaced while its send is in flight is not deleted by that send', async () => {
    const { options } = environment();
    const records = await makeRecords();
    const outbox = new DurableOutbox(records, options);
    await outbox.enqueue(prediction(5, 0.1));
    const sent: unknown[] = [];
    const fetchImpl: OutboxFetch = async (_url, init) => {
      sent.push(JSON.parse(init.body as string));
      if (sent.length === 1) await outbox.enqueue(prediction(5, 0.9));
      return new Response(null, { status: 201 });
    };
    expect(await outbox.flush(fetchImpl)).toMatchObject({ sent: 1 });
    expect(await outbox.pending()).toBe(1);
    await outbox.flush(fetchImpl);
    expect(sent).toEqual([
      { task: 5, score: 0.1, result: [] },
      { task: 5, score: 0.9, result: [] },
    ]);
    expect(await outbox.pending()).toBe(0);
  });

  it('never runs two flushes at once in one context', async () => {
    const { options } = environment();
    const outbox = new DurableOutbox(await makeRecords(), options);
    await outbox.enqueue(prediction(1));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const fetchImpl = vi.fn<OutboxFetch>(async () => {
      await gate;
      return new Response(null, { status: 200 });
    });
    const a = outbox.flush(fetchImpl);
    const b = outbox.flush(fetchImpl);
    expect(b).toBe(a);
    release();
    expect(await a).toMatchObject({ sent: 1 });
    expect(fetchImpl).toHaveBeenCalledTimes(1);
  });

  it('sends nothing while offline', async () => {
    const { options } = environment({ isOnline: () => false });
    const outbox = new DurableOutbox(await makeRecords(), options);
    await outbox.enqueue(prediction(1));
    const { fetchImpl, calls } = scriptedFetch([200]);
    expect(await outbox.flush(fetchImpl)).toMatchObject({ offline: true, sent: 0 });
    expect(calls).toHaveLength(0);
    expect(await outbox.pending()).toBe(1);
  });

  it('skips the flush when another tab holds the lock', async () => {
    const busyLocks: OutboxLocks = { request: (_name, _options, callback) => callback(null) };
    const { options } = environment({ locks: busyLocks });
    const outbox = new DurableOutbox(await makeRecords(), options);
    await outbox.enqueue(prediction(1));
    const { fetchImpl, calls } = scriptedFetch([200]);
    expect(await outbox.flush(fetchImpl)).toMatchObject({ busy: true, sent: 0 });
    expect(calls).toHaveLength(0);
  });

  it('reports when the next item is due', async () => {
    const { clock, options } = environment();
    const outbox = new DurableOutbox(await makeRecords(), options);
    expect(await outbox.nextDueAt()).toBeUndefined();
    await outbox.enqueue(prediction(1));
    await outbox.flush(scriptedFetch([500]).fetchImpl);
    expect(await outbox.nextDueAt()).toBe(clock.t + 750);
  });
});

describe('outbox options', () => {
  it('rejects a cap below the base delay, naming both', () => {
    expect(() => new DurableOutbox(new MemoryOutboxRecords(), { baseDelayMs: 1000, maxDelayMs: 10 })).toThrow(
      /baseDelayMs ≤ maxDelayMs, got 1000 and 10/,
    );
  });
});
