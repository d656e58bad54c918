/** What every benchmark section gets and gives. */
import type { Browser } from '@playwright/test';
import type { BenchConfig, Machine, Row } from './common.ts';

export interface BenchContext {
  cfg: BenchConfig;
  browser: Browser;
  /** vite preview of dist/demo, with COOP/COEP (cross-origin isolated: ORT uses threads). */
  isolatedUrl: string;
  /** The same files from a plain server without COOP/COEP (not isolated: one thread). */
  plainUrl: string;
  /** Scratch folder of this run (removed at the end). */
  tmp: string;
  machine: Machine;
  /** Labelled `<class>/<image>` folder of the quality section (default: ../shared/fixtures/ndsb-dev). */
  qualityDir?: string;
}

export interface Section {
  name: string;
  /** Ids of the rows this section must produce (with a figure or a skip reason). */
  expected(cfg: BenchConfig): string[];
  run(ctx: BenchContext): Promise<Row[]>;
}
