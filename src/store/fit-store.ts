/**
 * Fitted clustering and label-learning state per (project, model id). The state's shape belongs
 * to src/cluster (FittedState); this store keeps it as is — it is structured-clone friendly.
 */
import type { IDBPDatabase } from 'idb';
import type { FittedState } from '../cluster/fitted-state.ts';
import type { CytoDB } from './schema.ts';

/** Fitted states as every consumer sees them. */
export interface FitStore {
  /** The state fitted for a project and model, if any. */
  get(project: string, modelId: string): Promise<FittedState | undefined>;
  /** Stores a state under its own `project` and `modelId`, replacing the previous one. */
  put(state: FittedState): Promise<void>;
  /** Forgets the state (the user reset the model for this project). */
  delete(project: string, modelId: string): Promise<void>;
}

/** IndexedDB implementation over the `fits` store. */
export class IdbFitStore implements FitStore {
  constructor(private readonly db: IDBPDatabase<CytoDB>) {}

  get(project: string, modelId: string): Promise<FittedState | undefined> {
    return this.db.get('fits', [project, modelId]);
  }

  async put(state: FittedState): Promise<void> {
    await this.db.put('fits', state);
  }

  delete(project: string, modelId: string): Promise<void> {
    return this.db.delete('fits', [project, modelId]);
  }
}

/** Memory implementation; states are cloned in and out so callers cannot alias stored arrays. */
export class MemoryFitStore implements FitStore {
  private readonly states = new Map<string, FittedState>();

  async get(project: string, modelId: string): Promise<FittedState | undefined> {
    const state = this.states.get(`${project}\u0000${modelId}`);
    return state && structuredClone(state);
  }

  async put(state: FittedState): Promise<void> {
    this.states.set(`${state.project}\u0000${state.modelId}`, structuredClone(state));
  }

  async delete(project: string, modelId: string): Promise<void> {
    this.states.delete(`${project}\u0000${modelId}`);
  }
}
