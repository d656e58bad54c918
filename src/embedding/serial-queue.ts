/**
 * Runs async tasks one after another. ORT sessions must not be created or run concurrently
 * (concurrent `run()` calls on one WASM session queue up inside ORT anyway, and with the
 * proxy/worker transfer they can deadlock), so every session call goes through one of these.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Number of tasks queued or running. */
  get size(): number {
    return this.pending;
  }

  run<T>(task: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(task, task);
    // The chain continues whether the task succeeds or fails; callers see their own outcome.
    this.tail = result.then(
      () => { this.pending--; },
      () => { this.pending--; },
    );
    return result;
  }
}
