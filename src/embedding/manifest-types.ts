/**
 * The model catalogue's schema (`models/manifest.json`). One entry per ONNX embedding model.
 * Validation lives in `manifest.ts`; this file only names the shapes so that the generator
 * script, the worker and the shim agree on them.
 */

/** How an image is brought to the model's input size. */
export type ResizeMode =
  /** Keep the image's own size, like the reference (`ToTensor()` only); capped, see `NATIVE_MAX_SIDE`. */
  | 'native'
  /** Fixed square size: scale the short side to `size`, centre-crop the long side. */
  | { size: number; fit: 'crop' }
  /** Fixed square size: scale both sides to `size`, ignoring aspect ratio. */
  | { size: number; fit: 'stretch' }
  /**
   * Fixed square size: centre the image on a square of side max(W, H) (aspect kept, nothing
   * cut), then scale to `size`. `background` fills the margin: "white" (the default, for the
   * nsfwjs models measured that way) or "border": the median of the image's own outermost
   * pixels per channel, so a FlowCam crop on grey or a dark-field crop on black is padded with
   * its own background instead of a white frame the network would read as an edge.
   */
  | { size: number; fit: 'pad'; background?: PadBackground };

/** What fills a padded margin (see ResizeMode "pad"). */
export type PadBackground = 'white' | 'border';

/** Pixel value scaling after decoding. */
export type NormaliseMode =
  /** 0..1, like the reference's `ToTensor()`. */
  | 'unit'
  /** 0..1 then ImageNet mean/std per channel (torchvision's pretrained weights). */
  | 'imagenet';

/** How images with more than 8 bits per sample are brought to 0..1. */
export type HighBitDepthMode =
  /** Divide by the image's own maximum, as the reference does for 16-bit flow-cytometer TIFFs. */
  | 'max';

export interface PreprocessSpec {
  resize: ResizeMode;
  normalise: NormaliseMode;
  highBitDepth: HighBitDepthMode;
}

export interface ModelEntry {
  /** Stable id, used in cache keys and in the prediction's model_version. */
  id: string;
  /** Human-readable name shown in the status badge. */
  name: string;
  /** File name relative to the manifest's URL. */
  file: string;
  /** Lower-case hex SHA-256 of the file; checked before a session is created. */
  sha256: string;
  bytes: number;
  inputName: string;
  outputName: string;
  embeddingSize: number;
  preprocess: PreprocessSpec;
  /** False for the generated seeded-weight models: their embeddings are not semantically trained. */
  trained: boolean;
  /** Free text: where the weights came from. */
  source?: string;
  /** True for models made for tests and the benchmark: not shipped in the demo build or the Docker image. */
  test?: boolean;
}

export interface ModelManifest {
  /** Schema version of this file. */
  version: 1;
  /** Id of the entry used when the options do not name one. */
  default: string;
  models: ModelEntry[];
}
