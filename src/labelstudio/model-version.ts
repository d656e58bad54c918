/**
 * What the `model_version` of a suggestion says: `<model id>+kmeans<k>@<labels time>.<hash>`.
 *
 * - `<labels time>` (UTC, `YYYYMMDDTHHMMSSmmmZ`) is the time of the newest annotation the
 *   learner learnt from — Label Studio's own `updated_at` for team annotations, so it is the same
 *   in every browser that read the same annotations, and a version made from newer labels sorts
 *   after one made from older labels (string order = time order). A counter kept per browser
 *   (the former `+fitN`) could do neither. A browser's own clock counts only where it has no
 *   annotation of the server at all (label-records.ts `labelsWatermark`): a bulk label over
 *   annotated tasks used to stamp one browser's version with its local time.
 * - Equal labels times are not "newer": of two versions with the same time (a refit without new
 *   labels) the one written last replaces the other on a task (`predictionsToRemove`).
 * - `<hash>` is the first 10 hex digits of a SHA-256 over everything that decides a suggestion:
 *   the model id, the cluster centres and feature scaling, each control's head and labels, and
 *   every labelled item's key and labels (not its embedding: it follows from the image and the
 *   model, and leaving it out keeps WebGPU's and WASM's last-bit differences from splitting
 *   versions). Equal states give equal versions; any change gives a new one.
 */
import type { FittedState } from '../cluster/fitted-state.ts';
import { sha256Hex } from '../store/sha256.ts';

/** The labels time as it appears in a version (UTC, sortable as a string). */
export function versionStamp(epochMs: number): string {
  const iso = new Date(Math.max(0, epochMs)).toISOString(); // 2026-11-28T09:41:12.123Z
  return iso.replace(/[-:]/g, '').replace('.', '');
}

/** The version of predictions made from `state` whose newest label changed at `labelsAt` (epoch ms). */
export async function modelVersionOf(state: FittedState, labelsAt: number): Promise<string> {
  const canonical = {
    modelId: state.modelId,
    dim: state.dim,
    k: state.k,
    controls: Object.keys(state.controls).sort().map((name) => {
      const c = state.controls[name];
      return [name, c.head, c.multiple, c.labels];
    }),
    labelled: state.labelled
      .map((item) => [item.key, Object.keys(item.labels).sort().map((k) => [k, [...item.labels[k]].sort()])] as const)
      .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)),
  };
  const text = new TextEncoder().encode(JSON.stringify(canonical));
  const parts = [text, bytesOf(state.centres), bytesOf(state.scaling?.mean), bytesOf(state.scaling?.invStd)];
  const all = new Uint8Array(parts.reduce((n, p) => n + p.byteLength + 4, 0));
  let offset = 0;
  for (const part of parts) {
    // Length-prefixed, so moving bytes between parts cannot give the same digest.
    new DataView(all.buffer).setUint32(offset, part.byteLength, true);
    all.set(part, offset + 4);
    offset += part.byteLength + 4;
  }
  const hash = (await sha256Hex(all)).slice(0, 10);
  return `${state.modelId}+kmeans${state.k}@${versionStamp(labelsAt)}.${hash}`;
}

/** The parts of a version this module made, or null for any other string. */
export function parseModelVersion(version: string): { model: string; stamp: string; hash: string } | null {
  const match = /^(.+)@(\d{8}T\d{9}Z)\.([0-9a-f]{10})$/.exec(version);
  return match ? { model: match[1], stamp: match[2], hash: match[3] } : null;
}

/**
 * Whether `candidate` is at least as new as `current` (so Label Studio's project version may
 * move to it): true when `current` is not one of ours, is another model, or has an older or
 * equal labels time (equal: the same labels fitted again; the version written last wins).
 */
export function isNotOlder(candidate: string, current: string | null | undefined): boolean {
  const c = parseModelVersion(candidate);
  const cur = current ? parseModelVersion(current) : null;
  if (!c || !cur || c.model !== cur.model) return true;
  return c.stamp >= cur.stamp;
}

/**
 * The embedding model a version of ours names, without the cluster count: `k` may change
 * between fits of one project (more labels, another config), and a fit with another `k` still
 * replaces the older ones. Undefined for a version this module did not make.
 */
export function versionFamily(version: string | null | undefined): string | undefined {
  const parsed = version ? parseModelVersion(version) : null;
  return parsed ? parsed.model.replace(/\+kmeans\d+$/, '') : undefined;
}

/** A prediction as Label Studio lists it (the fields the version rules read). */
export interface VersionedPrediction {
  id: number;
  model_version?: string | null;
}

/**
 * Which of a task's predictions are ours and must go once `written` is stored there, so the
 * task carries exactly one of ours: the newest. Among ours of `written`'s family the winner is
 * the version with the latest labels time; at equal labels times (a refit without new labels,
 * or another browser's fit of the same labels) `written` wins, being the one written last.
 * Of the winning version the oldest copy (lowest id) stays; every other one of ours goes.
 * Another model's predictions, and anything not in our format, stay (for a `written` not in
 * our format, only its extra copies go).
 */
export function predictionsToRemove(predictions: readonly VersionedPrediction[], written: string): VersionedPrediction[] {
  const family = versionFamily(written);
  const writtenStamp = parseModelVersion(written)?.stamp;
  if (family === undefined || writtenStamp === undefined) {
    // Not our format: only extra copies of that very version go.
    const copies = predictions.filter((p) => p.model_version === written).sort((a, b) => a.id - b.id);
    return copies.slice(1);
  }
  const ours = predictions.filter((p) => versionFamily(p.model_version) === family);
  let winner = written;
  let winnerStamp = writtenStamp;
  for (const p of ours) {
    const stamp = parseModelVersion(p.model_version!)!.stamp;
    if (stamp > winnerStamp || (stamp === winnerStamp && p.model_version! > winner && winner !== written)) {
      winner = p.model_version!;
      winnerStamp = stamp;
    }
  }
  const keep = ours.filter((p) => p.model_version === winner).sort((a, b) => a.id - b.id)[0];
  return ours.filter((p) => p !== keep);
}

/** Whether a task already holds a prediction of ours newer than `written` (so writing it would only add a stale one). */
export function hasNewerThan(predictions: readonly VersionedPrediction[], written: string): boolean {
  const family = versionFamily(written);
  const stamp = parseModelVersion(written)?.stamp;
  if (family === undefined || stamp === undefined) return false;
  return predictions.some((p) => versionFamily(p.model_version) === family && parseModelVersion(p.model_version!)!.stamp > stamp);
}

function bytesOf(array: Float32Array | undefined): Uint8Array {
  return array ? new Uint8Array(array.buffer, array.byteOffset, array.byteLength) : new Uint8Array(0);
}
