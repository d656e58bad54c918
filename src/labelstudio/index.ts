/**
 * Pure Label Studio knowledge, one entry: config parsing, prediction building, reading
 * annotations, the REST client (session, legacy token, personal access tokens), reading the
 * team's annotations incrementally, idempotent writes and import-JSON export. No DOM access beyond DOMParser (in
 * parseLabelConfig) and document.cookie (the client's default CSRF source).
 */
export type { ChoicesResult, LabelStudioTask, Prediction, TaskPrediction } from './types.ts';
export {
  CHOICE_MODES,
  imageUrlForControl,
  LabelConfigError,
  parseLabelConfig,
  type ChoiceMode,
  type ChoiceOption,
  type ChoicesControl,
  type ImageObject,
  type LabelConfig,
} from './label-config.ts';
export { buildPrediction, PredictionError, resultId, type ControlSuggestion } from './prediction.ts';
export { labelsFromAnnotation, type ControlLabels } from './annotation-labels.ts';
export {
  DEFAULT_CLIENT_OPTIONS,
  LabelStudioApiError,
  LabelStudioClient,
  type AnnotationCreate,
  type LabelStudioAuth,
  type LabelStudioClientOptions,
  type LabelStudioProject,
  type ListTasksOptions,
  type PredictionCreate,
  type StoredAnnotation,
  type StoredPrediction,
} from './rest-client.ts';
export { isJwt, TokenAuthorizer, TokenRefreshError, type TokenScheme } from './token-auth.ts';
export { AnnotationSync, FULL_SYNC_EVERY_MS, labelRecordOf, type AnnotationSyncReport } from './annotation-sync.ts';
export { idempotentLabelStudioWrites, SKIPPED_HEADER } from './idempotent-writes.ts';
export { isNotOlder, modelVersionOf, parseModelVersion } from './model-version.ts';
export { exportImportJson, toImportTasks, type ExportOptions, type ImportAnnotation, type ImportTask } from './export-json.ts';
export { SEED_LABEL_CONFIG } from './seed-config.ts';
