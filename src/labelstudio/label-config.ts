/**
 * Label config parsing: which Choices controls a project has, their labels, and which Image
 * each one classifies. Uses the platform's DOMParser (browser main thread, happy-dom in tests);
 * a worker has no DOMParser, so parse on the main thread and post the plain result.
 *
 * Label Studio itself is lenient about the case of tag and attribute names (its editor
 * lower-cases them), so this parser compares names case-insensitively too: `toName`,
 * `toname` and `TONAME` all work.
 */

import type { LabelStudioTask } from './types.ts';

/** How many choices a control accepts. `single-radio` is `single` drawn as radio buttons. */
export type ChoiceMode = 'single' | 'single-radio' | 'multiple';

/** The valid values of a Choices tag's `choice` attribute, in Label Studio's order. */
export const CHOICE_MODES: readonly ChoiceMode[] = Object.freeze(['single', 'single-radio', 'multiple']);

/** One `<Choice>` of a control. */
export interface ChoiceOption {
  /** The `value` attribute: what the editor displays. */
  value: string;
  /**
   * What an annotation result carries for this choice: the `alias` when set (Label Studio's
   * docs: "the alias replaces the choice value in the annotation results"), else `value`.
   */
  label: string;
}

/** An `<Image>` object tag. */
export interface ImageObject {
  /** The tag's `name` (what controls point at with `toName`). */
  name: string;
  /** The raw `value` attribute, e.g. `$image`. */
  value: string;
  /** The task data key the value refers to (`$image` → `image`), or null for a literal URL. */
  dataKey: string | null;
}

/** A `<Choices>` control that classifies an Image. */
export interface ChoicesControl {
  /** The control's `name`: a prediction result's `from_name`. */
  name: string;
  /** The object's name: a prediction result's `to_name`. */
  toName: string;
  /** `single` unless the config says otherwise. */
  choice: ChoiceMode;
  /** Result values (alias or value) in config order; empty for dynamic choices. */
  labels: string[];
  /** The options with their display values, in config order. */
  options: ChoiceOption[];
  /** The Image this control classifies. */
  image: ImageObject;
  /**
   * What the annotator sees as the control's heading: the `value` of a `<Header>` placed just
   * before it (how configs title a group of choices), else undefined (show `name` then).
   */
  title?: string;
  /**
   * Task data key of dynamic choices (`<Choices value="$options">`), whose labels come from each
   * task rather than the config; null for the usual static choices.
   */
  dynamicOptionsKey: string | null;
  /**
   * When Label Studio shows the control (`visibleWhen` on it or on an enclosing `<View>`): all
   * must hold. Absent when it always shows. Region conditions are not kept: they depend on what
   * is selected on screen, never on a whole-image suggestion.
   */
  conditions?: VisibilityCondition[];
}

/**
 * One `visibleWhen="choice-selected"` (or `choice-unselected`) with `whenTagName` and
 * `whenChoiceValue` (comma-separated), as Label Studio 1.12's VisibilityMixin reads them.
 */
export interface VisibilityCondition {
  when: 'choice-selected' | 'choice-unselected';
  /** The controlling Choices' name; null: any Choices control. */
  tagName: string | null;
  /** Values of which one must be selected; empty: any value. */
  values: string[];
}

/** What a label config holds that this project can work with. */
export interface LabelConfig {
  /** Choices controls bound to an Image, in document order. */
  controls: ChoicesControl[];
  /** Every Image object tag, in document order. */
  images: ImageObject[];
}

/** A label config that cannot be used, or task data that does not match it. */
export class LabelConfigError extends Error {
  override readonly name = 'LabelConfigError';
}

/**
 * Parse a Label Studio label config.
 *
 * Keeps every `<Choices>` (at any depth) whose `toName` names an `<Image>`; Choices on other
 * objects (Text, Audio…), per-region Choices (`perRegion="true"`, whose results belong to a
 * region, not the image) and other controls (TextArea, Labels…) are left out. A control with
 * several comma-separated `toName`s is bound to the first one that is an Image.
 *
 * @throws LabelConfigError on malformed XML, a Choices without `name`, or an unknown `choice`.
 */
export function parseLabelConfig(xml: string): LabelConfig {
  if (typeof xml !== 'string' || xml.trim() === '') {
    throw new LabelConfigError('Label config is empty: expected XML such as <View>…</View>.');
  }
  const doc = new DOMParser().parseFromString(xml, 'application/xml');
  const parserError = doc.getElementsByTagName('parsererror')[0];
  if (parserError) {
    const detail = (parserError.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
    throw new LabelConfigError(`Label config is not well-formed XML: ${detail || 'parse error'}`);
  }
  const root = doc.documentElement;
  const all = [root, ...Array.from(root.getElementsByTagName('*'))];

  const images: ImageObject[] = [];
  for (const el of all) {
    if (tagIs(el, 'image')) {
      const name = attr(el, 'name');
      if (!name) continue; // an unnamed Image cannot be the target of any control
      const value = attr(el, 'value') ?? '';
      images.push({ name, value, dataKey: dataKeyOf(value) });
    }
  }
  const imagesByName = new Map(images.map((image) => [image.name, image]));

  const controls: ChoicesControl[] = [];
  for (const el of all) {
    if (!tagIs(el, 'choices')) continue;
    if ((attr(el, 'perRegion') ?? '').toLowerCase() === 'true') continue;
    const name = attr(el, 'name');
    if (!name) throw new LabelConfigError('A <Choices> tag has no name attribute; Label Studio requires one.');
    const targets = (attr(el, 'toName') ?? '').split(',').map((s) => s.trim()).filter(Boolean);
    const image = targets.map((t) => imagesByName.get(t)).find((i) => i !== undefined);
    if (!image) continue; // bound to a Text, Audio… object, or to nothing: not ours
    const options: ChoiceOption[] = Array.from(el.getElementsByTagName('*'))
      .filter((c) => tagIs(c, 'choice'))
      .map((c) => {
        const value = attr(c, 'value') ?? '';
        const alias = attr(c, 'alias');
        return { value, label: alias ? alias : value };
      })
      .filter((o) => o.label !== '');
    controls.push({
      name,
      toName: image.name,
      choice: choiceModeOf(el, name),
      labels: options.map((o) => o.label),
      options,
      image,
      dynamicOptionsKey: dataKeyOf(attr(el, 'value') ?? ''),
      ...headerTitle(el),
      ...conditionsOf(el),
    });
  }
  return { controls, images };
}

/**
 * Whether Label Studio shows a control when these are the chosen values (control name → result
 * values, alias or value): Label Studio's own rule (VisibilityMixin): `choice-selected` with a
 * tag holds when that tag has one of the values selected (any value when none are named); without
 * a tag, when any Choices has a selection; `choice-unselected` is its negation.
 */
export function controlVisible(control: Pick<ChoicesControl, 'conditions'>, chosen: Readonly<Record<string, readonly string[]>>): boolean {
  for (const c of control.conditions ?? []) {
    let selected: boolean;
    if (c.tagName === null) {
      const all = Object.values(chosen).flat();
      selected = c.values.length > 0 ? c.values.some((v) => all.includes(v)) : all.length > 0;
    } else {
      const values = chosen[c.tagName] ?? [];
      selected = c.values.length > 0 ? c.values.some((v) => values.includes(v)) : values.length > 0;
    }
    if (selected !== (c.when === 'choice-selected')) return false;
  }
  return true;
}

/**
 * The image URL a control's Image shows for a task: `task.data[key]` for `value="$key"`, or the
 * literal value when the Image has no `$` variable.
 * @throws LabelConfigError naming the missing key when the task has no such string field.
 */
export function imageUrlForControl(task: Pick<LabelStudioTask, 'id' | 'data'>, control: ChoicesControl): string {
  const { image } = control;
  if (image.dataKey === null) {
    if (image.value) return image.value;
    throw new LabelConfigError(`Image "${image.name}" has no value attribute, so it shows no image.`);
  }
  const url = task.data?.[image.dataKey];
  if (typeof url !== 'string' || url === '') {
    const keys = Object.keys(task.data ?? {});
    throw new LabelConfigError(
      `Task ${task.id} has no "${image.dataKey}" field for Image "${image.name}" (value="${image.value}"); ` +
        `its data keys are: ${keys.length ? keys.join(', ') : '(none)'}.`,
    );
  }
  return url;
}

function choiceModeOf(el: Element, name: string): ChoiceMode {
  const raw = (attr(el, 'choice') ?? 'single').trim();
  if ((CHOICE_MODES as readonly string[]).includes(raw)) return raw as ChoiceMode;
  throw new LabelConfigError(
    `Choices "${name}" has choice="${raw}"; valid values are ${CHOICE_MODES.map((m) => `"${m}"`).join(', ')}.`,
  );
}

/** `$image` → `image`; a literal (no leading `$`) → null. */
function dataKeyOf(value: string): string | null {
  const v = value.trim();
  return v.startsWith('$') && v.length > 1 ? v.slice(1) : null;
}

/** `{ title }` from a `<Header value="…">` (or `<Header>text</Header>`) right before `el`, else `{}`. */
function headerTitle(el: Element): { title?: string } {
  const previous = el.previousElementSibling;
  if (!previous || !tagIs(previous, 'header')) return {};
  const title = (attr(previous, 'value') ?? previous.textContent ?? '').trim();
  return title ? { title } : {};
}

/** The control's own visibility condition and those of the `<View>`s around it (outermost first). */
function conditionsOf(el: Element): { conditions?: VisibilityCondition[] } {
  const out: VisibilityCondition[] = [];
  for (let node: Element | null = el; node; node = node.parentElement) {
    const when = (attr(node, 'visibleWhen') ?? '').trim();
    const values = (attr(node, 'whenChoiceValue') ?? '').split(',').map((v) => v.trim()).filter(Boolean);
    const tagName = (attr(node, 'whenTagName') ?? '').trim() || null;
    if (when === 'choice-selected' || when === 'choice-unselected') out.unshift({ when, tagName, values });
    // Label Studio: whenChoiceValue alone means "shown when any Choices has this value selected".
    else if (!when && values.length > 0) out.unshift({ when: 'choice-selected', tagName: null, values });
  }
  return out.length > 0 ? { conditions: out } : {};
}

function tagIs(el: Element, lowerName: string): boolean {
  return (el.localName || el.nodeName).toLowerCase() === lowerName;
}

/** Attribute lookup ignoring case, as Label Studio does. */
function attr(el: Element, name: string): string | null {
  const direct = el.getAttribute(name);
  if (direct !== null) return direct;
  const lower = name.toLowerCase();
  for (const a of Array.from(el.attributes)) {
    if (a.name.toLowerCase() === lower) return a.value;
  }
  return null;
}
