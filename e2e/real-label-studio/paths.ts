/** Where the shared fixtures live and how global setup hands the running server to specs. */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is e2e/real-label-studio/paths.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ../shared beside the checkout: never committed, read in place. */
export const SHARED = resolve(REPO_ROOT, '..', 'shared');
export const NDSB_DEV = join(SHARED, 'fixtures', 'ndsb-dev');
export const FLOWCAM = join(SHARED, 'fixtures', 'flowcam');

/** Environment variables global setup sets for the workers (internal to the test run). */
export const LS_ENV = {
  url: 'CYTO_E2E_LS_URL',
  email: 'CYTO_E2E_LS_EMAIL',
  password: 'CYTO_E2E_LS_PASSWORD',
  token: 'CYTO_E2E_LS_TOKEN',
  filesRoot: 'CYTO_E2E_LS_FILES_ROOT',
  absent: 'CYTO_E2E_LS_ABSENT',
} as const;
