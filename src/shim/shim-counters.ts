/** Request counters the shim reports on `GET /metrics`. Plain numbers, reset on restart. */
export interface ShimCounters {
  /** `POST /setup` calls. */
  setup: number;
  /** `POST /predict` calls. */
  predictRequests: number;
  /** Tasks those calls asked about. */
  tasksAsked: number;
  /** Tasks answered with a stored (non-empty) prediction. */
  tasksAnswered: number;
  /** Training webhooks received. */
  webhooks: number;
  /** Predictions browsers posted to the relay. */
  predictionsRelayed: number;
}

/** A fresh set of counters, all zero. */
export function createCounters(): ShimCounters {
  return { setup: 0, predictRequests: 0, tasksAsked: 0, tasksAnswered: 0, webhooks: 0, predictionsRelayed: 0 };
}
