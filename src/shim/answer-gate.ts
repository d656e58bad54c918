/**
 * Bounds the bytes of large answers being sent at once. A `/predict` answer is built in memory
 * and held until the client has read it, so four slow readers of 282 MiB answers held 3.6 GB
 * (issue 19). Large answers wait their turn here (first come, first served); when too many
 * already wait, the caller answers 503 with Retry-After instead of queueing without end.
 * Small answers (the common case: 100 tasks of Choices are ~30 KB) never wait.
 */

/** Answers below this size pass without waiting. */
export const SMALL_ANSWER_BYTES = 256 * 1024;

/** Gives back what `acquire` took. */
export type Release = () => void;

/** The gate; one per server. */
export class AnswerGate {
  private inFlight = 0;
  private readonly waiting: Array<{ bytes: number; go: (release: Release) => void }> = [];

  constructor(
    /** Most bytes of large answers in flight together (one answer alone always passes). */
    readonly maxBytes: number,
    /** Most answers waiting; beyond it `acquire` returns undefined. */
    readonly maxWaiting: number,
  ) {}

  /** Waits until `bytes` fit; undefined when the queue is full (answer 503). */
  acquire(bytes: number): Promise<Release> | undefined {
    if (bytes < SMALL_ANSWER_BYTES) return Promise.resolve(() => undefined);
    if (this.waiting.length === 0 && this.fits(bytes)) return Promise.resolve(this.take(bytes));
    if (this.waiting.length >= this.maxWaiting) return undefined;
    return new Promise((go) => this.waiting.push({ bytes, go }));
  }

  /** Bytes of large answers in flight now. */
  get bytesInFlight(): number {
    return this.inFlight;
  }

  private fits(bytes: number): boolean {
    return this.inFlight === 0 || this.inFlight + bytes <= this.maxBytes;
  }

  private take(bytes: number): Release {
    this.inFlight += bytes;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inFlight -= bytes;
      while (this.waiting.length > 0 && this.fits(this.waiting[0].bytes)) {
        const next = this.waiting.shift()!;
        next.go(this.take(next.bytes));
      }
    };
  }
}
