/**
 * Main-thread client of the engine worker: `embed(url | Blob)` → `Float32Array`, with the
 * backend and timings available. If the worker dies (out of memory, a crash inside ORT), the
 * client starts a new one once, re-sends the pending requests, and reports the restart; a
 * second crash fails the pending requests with `worker-crashed`.
 */
import EmbedWorker from './embed-worker.ts?worker&inline';
import { EngineError, type EngineErrorData } from './engine-errors.ts';
import type {
  EmbedItem, EmbedOutcome, EngineConfig, EngineInfo, WorkerRequest, WorkerResponse,
} from './worker-protocol.ts';

type Pending = { request: WorkerRequest; resolve: (r: WorkerResponse) => void; reject: (e: Error) => void };

export interface EmbedResult {
  vector: Float32Array;
  imageKey: string;
  cacheHit: 'url' | 'content' | 'none';
  width: number;
  height: number;
  timings: Extract<EmbedOutcome, { ok: true }>['timings'];
}

export interface ClientEvents {
  /** Called when the worker crashed and was restarted (message in plain words). */
  onRestart?: (message: string) => void;
}

function absoluteUrl(url: string): string {
  try {
    return new URL(url, globalThis.location?.href).href;
  } catch {
    return url; // the worker reports it as an invalid URL, with the text the task holds
  }
}

/** Embeddings kept in main-thread memory (a few hundred KB at 512-d). */
const RECENT_ENTRIES = 64;

/** How many times the client restarts a crashed worker before giving up. */
const MAX_RESTARTS = 1;

export class EmbeddingClient {
  private worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private restarts = 0;
  private ready: Promise<EngineInfo> | undefined;
  private info_: EngineInfo | undefined;
  private lastError: EngineErrorData | undefined;
  private readonly inflight = new Map<string, Promise<EmbedResult>>();
  /**
   * The last embeddings by URL, on the main thread: a task opened after its prefetch gets its
   * vector without a worker round trip and IndexedDB read (~17 ms measured here). Small and
   * bounded; IndexedDB stays the real cache.
   */
  private readonly recent = new Map<string, EmbedResult>();

  constructor(private readonly config: EngineConfig, private readonly events: ClientEvents = {}) {
    this.worker = this.spawn();
  }

  /** Engine info once started (backend, threads, model, timings); undefined while loading. */
  get info(): EngineInfo | undefined {
    return this.info_;
  }

  /** Number of restarts after crashes. */
  get restartCount(): number {
    return this.restarts;
  }

  /** Start the engine (idempotent). Rejects with an EngineError naming what failed. */
  start(): Promise<EngineInfo> {
    this.ready ??= this.send({ kind: 'init', id: 0, config: this.config }).then((r) => {
      if (r.kind !== 'ready') throw new EngineError('internal', `unexpected reply ${r.kind} to init`);
      this.info_ = r.info;
      return r.info;
    });
    this.ready.catch(() => { this.ready = undefined; });
    return this.ready;
  }

  /**
   * Embed one image; rejects with an EngineError (code + plain message) on failure. Requests
   * for a URL already being embedded share that request (a task opened while its prefetch runs).
   */
  embed(input: string | Blob, options: { noCache?: boolean } = {}): Promise<EmbedResult> {
    const key = typeof input === 'string' && !options.noCache ? absoluteUrl(input) : undefined;
    const remembered = key ? this.recent.get(key) : undefined;
    if (remembered) {
      return Promise.resolve({ ...remembered, vector: remembered.vector.slice(), cacheHit: 'url',
        timings: { lookupMs: 0, fetchMs: 0, decodeMs: 0, inferMs: 0, totalMs: 0 } });
    }
    const running = key ? this.inflight.get(key) : undefined;
    if (running) return running;
    const request = this.embedMany([input], options).then(([outcome]) => {
      if (!outcome.ok) throw EngineError.fromData(outcome.error);
      if (key) this.remember(key, outcome);
      return outcome;
    });
    if (key) {
      this.inflight.set(key, request);
      const forget = () => this.inflight.delete(key);
      request.then(forget, forget);
    }
    return request;
  }

  /** Embed several images in one worker round trip (batched where sizes allow); one outcome each. */
  async embedMany(inputs: Array<string | Blob>, options: { noCache?: boolean } = {}): Promise<EmbedOutcome[]> {
    await this.start();
    // URLs are made absolute here: the worker runs from a blob URL, against which relative
    // task URLs such as Label Studio's `/data/upload/…` would not resolve.
    const items: EmbedItem[] = await Promise.all(inputs.map(async (input) =>
      typeof input === 'string'
        ? { url: absoluteUrl(input), noCache: options.noCache }
        : { bytes: await input.arrayBuffer(), noCache: options.noCache }));
    const response = await this.send({ kind: 'embed', id: 0, items });
    if (response.kind !== 'embedded') throw new EngineError('internal', `unexpected reply ${response.kind} to embed`);
    return response.outcomes;
  }

  /** Embed several URLs and keep the results in the main-thread memory cache (prefetch). */
  async prefetch(urls: string[]): Promise<EmbedOutcome[]> {
    const outcomes = await this.embedMany(urls);
    outcomes.forEach((o, i) => { if (o.ok) this.remember(absoluteUrl(urls[i]), o); });
    return outcomes;
  }

  private remember(key: string, result: EmbedResult): void {
    this.recent.delete(key);
    this.recent.set(key, { ...result, vector: result.vector.slice() });
    // Map iteration is insertion order: the first key is the least recently used.
    while (this.recent.size > RECENT_ENTRIES) this.recent.delete(this.recent.keys().next().value as string);
  }

  /**
   * A small 8-bit RGBA picture of the image at `url` (longest side at most `maxSide`), decoded in
   * the worker by the embeddings' own decoder: thumbnails of TIFF, which browsers cannot draw.
   */
  async thumbnail(url: string, maxSide: number): Promise<{ width: number; height: number; rgba: Uint8ClampedArray<ArrayBuffer> }> {
    const response = await this.send({ kind: 'thumbnail', id: 0, url: absoluteUrl(url), maxSide });
    if (response.kind !== 'thumbnail') throw new EngineError('internal', `unexpected reply ${response.kind} to thumbnail`);
    return { width: response.width, height: response.height, rgba: response.rgba };
  }

  /** All cached embeddings of the current model. */
  async allVectors(): Promise<{ keys: string[]; vectors: Float32Array[] }> {
    await this.start();
    const response = await this.send({ kind: 'vectors', id: 0 });
    if (response.kind !== 'vectors') throw new EngineError('internal', `unexpected reply ${response.kind} to vectors`);
    return { keys: response.keys, vectors: response.vectors };
  }

  /** Test hook: make the worker crash, to exercise the restart path. */
  crashWorkerForTests(): void {
    this.worker.postMessage({ kind: 'crash', id: this.nextId++ } satisfies WorkerRequest);
  }

  /** The last error the engine reported, for the status panel. */
  get lastEngineError(): EngineErrorData | undefined {
    return this.lastError;
  }

  terminate(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new EngineError('worker-crashed', 'the embedding worker was stopped'));
    this.pending.clear();
  }

  private spawn(): Worker {
    const worker = new EmbedWorker({ name: 'cyto-ml-engine' });
    worker.onmessage = (event: MessageEvent<WorkerResponse>) => {
      const response = event.data;
      const pending = this.pending.get(response.id);
      if (!pending) return;
      this.pending.delete(response.id);
      if (response.kind === 'error') {
        this.lastError = response.error;
        pending.reject(EngineError.fromData(response.error));
      } else {
        pending.resolve(response);
      }
    };
    worker.onerror = (event: ErrorEvent) => {
      event.preventDefault();
      this.handleCrash(event.message || 'unknown error');
    };
    return worker;
  }

  private handleCrash(reason: string): void {
    this.worker.terminate();
    if (this.restarts >= MAX_RESTARTS) {
      const error = new EngineError('worker-crashed',
        `the embedding worker crashed again (${reason}); suggestions are off until the page is reloaded`);
      this.lastError = error.toData();
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
      return;
    }
    this.restarts++;
    const message = `the embedding worker crashed (${reason}) and was restarted`;
    this.lastError = { code: 'worker-crashed', message };
    this.events.onRestart?.(message);
    this.worker = this.spawn();
    // The new worker knows nothing: if the engine had been started (no init in flight), start
    // it again first; messages are handled in order, so the re-sent requests follow the init.
    const inFlight = [...this.pending.values()].filter((p) => p.request.kind !== 'crash');
    this.pending.clear();
    if (this.ready && !inFlight.some((p) => p.request.kind === 'init')) {
      this.ready = undefined;
      this.start().catch(() => { /* reported through the re-sent requests */ });
    }
    for (const p of inFlight) this.resend(p);
  }

  private resend(p: Pending): void {
    const id = this.nextId++;
    const request = { ...p.request, id } as WorkerRequest;
    this.pending.set(id, { ...p, request });
    try {
      this.worker.postMessage(request);
    } catch (error) {
      // Image bytes sent before the crash were transferred to the dead worker and are gone.
      this.pending.delete(id);
      p.reject(new EngineError('worker-crashed', `could not re-send a request after the worker crashed: ${(error as Error).message}`));
    }
  }

  private send(request: WorkerRequest): Promise<WorkerResponse> {
    const id = this.nextId++;
    const withId = { ...request, id } as WorkerRequest;
    return new Promise<WorkerResponse>((resolve, reject) => {
      this.pending.set(id, { request: withId, resolve, reject });
      const transfer = withId.kind === 'embed' ? withId.items.flatMap((i) => (i.bytes ? [i.bytes] : [])) : [];
      this.worker.postMessage(withId, transfer);
    });
  }
}
