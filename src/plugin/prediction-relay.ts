/**
 * Prediction relay: each shown prediction is queued durably in the outbox for the shim's relay
 * (offline or a 5xx loses nothing), and the outbox is kept draining. Owner of how queued writes
 * are sent and of the pump; the badge is reached only through `onReport`.
 */
import type { Prediction } from '../labelstudio/types.ts';
import type { Store } from '../store/open-db.ts';
import type { OutboxFetch } from '../store/outbox.ts';
import { OutboxPump, type WriteCounts } from './outbox-pump.ts';
import { enqueueShimPrediction } from './shim-relay.ts';
import type { Options } from './options.ts';

export interface PredictionRelayDeps {
  store: Promise<Store>;
  options: Pick<Options, 'shimUrl'>;
  /** What is pending or failed, for the badge. */
  onReport(counts: WriteCounts): void;
}

export class PredictionRelay {
  private fetchImpl: OutboxFetch = (url, init) =>
    fetch(url, { ...init, headers: { 'Content-Type': 'application/json', ...init.headers } });
  private pump: OutboxPump | undefined;

  constructor(private readonly deps: PredictionRelayDeps) {}

  /** How queued writes are sent; also starts retrying pending writes in the background. */
  setFetch(fetchImpl: OutboxFetch): void {
    this.fetchImpl = fetchImpl;
    void this.flush();
  }

  /** Send the prediction to the shim's relay (durably queued: offline or a 5xx loses nothing). */
  async relay(project: string, taskId: number | string, prediction: Prediction): Promise<void> {
    if (!this.deps.options.shimUrl) return;
    const id = Number(taskId);
    if (!Number.isInteger(id)) return;
    const store = await this.deps.store;
    await enqueueShimPrediction(store.outbox, this.deps.options.shimUrl, project, id, prediction);
    await this.flush();
  }

  /** Try to send queued writes now; returns what is still pending. */
  async flush(): Promise<WriteCounts> {
    const store = await this.deps.store;
    this.pump ??= new OutboxPump(store.outbox, () => this.fetchImpl, this.deps.onReport);
    return this.pump.flush();
  }
}
