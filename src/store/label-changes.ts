/**
 * "A project's label records changed": said to this tab's listeners at once and to every other
 * tab of the origin through a BroadcastChannel, so a label submitted in one tab reaches the
 * learner of another without a reload. Where BroadcastChannel is missing (old Safari, some
 * workers) only this tab hears; other tabs still re-read the records when they next open a task.
 */

/** Channel name shared by every tab of the plugin. */
export const LABEL_CHANNEL = 'cyto-ml-labels';

export type LabelChangeListener = (project: string) => void;

export class LabelChanges {
  private readonly listeners = new Set<LabelChangeListener>();
  private readonly channel: BroadcastChannel | undefined;

  constructor(name: string = LABEL_CHANNEL) {
    const Channel = (globalThis as { BroadcastChannel?: typeof BroadcastChannel }).BroadcastChannel;
    this.channel = Channel ? new Channel(name) : undefined;
    if (this.channel) {
      this.channel.onmessage = (event: MessageEvent) => {
        const project = (event.data as { project?: unknown } | null)?.project;
        if (typeof project === 'string') this.emit(project);
      };
    }
  }

  /** Tell this tab and the others that `project`'s records changed. */
  notify(project: string): void {
    this.emit(project);
    this.channel?.postMessage({ project });
  }

  subscribe(listener: LabelChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.channel?.close();
    this.listeners.clear();
  }

  private emit(project: string): void {
    for (const listener of this.listeners) {
      try {
        listener(project);
      } catch {
        // One failing listener must not keep the others from hearing.
      }
    }
  }
}
