// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { controlVisible, imageUrlForControl, LabelConfigError, parseLabelConfig } from './label-config.ts';
import { SEED_LABEL_CONFIG } from './seed-config.ts';

describe('parseLabelConfig', () => {
  it('parses the seed config into its four Choices controls', () => {
    const config = parseLabelConfig(SEED_LABEL_CONFIG);
    expect(config.images).toEqual([{ name: 'image', value: '$image', dataKey: 'image' }]);
    expect(config.controls.map((c) => [c.name, c.toName, c.choice, c.labels.length])).toEqual([
      ['organism_type', 'image', 'single', 3],
      ['morphology', 'image', 'multiple', 9],
      ['life_form', 'image', 'single', 3],
      ['shape', 'image', 'multiple', 3],
    ]);
    const byName = Object.fromEntries(config.controls.map((c) => [c.name, c.labels]));
    expect(byName.organism_type).toEqual(['Not-plankton', 'Plankton', 'Debris']);
    expect(byName.life_form).toEqual(['Unicellular', 'Colony', 'Filament']);
    expect(byName.shape).toEqual(['Spiky', 'Round', 'Rod-like']);
    expect(byName.morphology).toEqual([
      'Mucilage', 'Flagella', 'Cilia', 'Aerotopes', 'Akinetes', 'Heterocytes',
      'Theca/test/exoskeletal structures', 'Eggs', 'Ephippia',
    ]);
    // The TextArea "ta" is not a Choices control.
    expect(config.controls.find((c) => c.name === 'ta')).toBeUndefined();
  });

  it("titles each control with the Header just before it, as the annotator sees it", () => {
    const seed = parseLabelConfig(SEED_LABEL_CONFIG);
    expect(seed.controls.map((c) => c.title)).toEqual(['Organism type', 'Morphology', 'Life form', 'Shape']);
    const xml = `<View><Image name="i" value="$image"/>
      <Header>Kind of particle</Header><Choices name="kind" toName="i"><Choice value="A"/></Choices>
      <Choices name="bare" toName="i"><Choice value="B"/></Choices>
      <Header value="Not next to a control"/><Text name="t" value="$t"/>
      <Choices name="after_text" toName="i"><Choice value="C"/></Choices></View>`;
    expect(parseLabelConfig(xml).controls.map((c) => [c.name, c.title])).toEqual([
      ['kind', 'Kind of particle'], ['bare', undefined], ['after_text', undefined],
    ]);
  });

  it('handles two Images, nesting, odd names, aliases, and ignores Choices on a Text object', () => {
    const xml = `<View>
      <Header value="x"/>
      <View style="display:flex">
        <Image name="left-cam.1" value="$img_left"/>
        <Image name="right cam" value="$some_key"/>
      </View>
      <Text name="caption" value="$text"/>
      <View><Panel>
        <Choices name="Quality?" toName="right cam" choice="single-radio">
          <Choice value="Good"/><Choice value="Bad" alias="B"/>
        </Choices>
      </Panel></View>
      <Choices name="sentiment" toName="caption"><Choice value="Pos"/></Choices>
      <choices name="lower" toname="left-cam.1" choice="multiple"><choice value="a"/><View><Choice value="b"/></View></choices>
      <Choices name="regional" toName="left-cam.1" perRegion="true"><Choice value="r"/></Choices>
      <Labels name="lbl" toName="caption"><Label value="L"/></Labels>
      <TextArea name="notes" toName="left-cam.1"/>
    </View>`;
    const config = parseLabelConfig(xml);
    expect(config.images.map((i) => [i.name, i.dataKey])).toEqual([
      ['left-cam.1', 'img_left'],
      ['right cam', 'some_key'],
    ]);
    expect(config.controls.map((c) => c.name)).toEqual(['Quality?', 'lower']);
    const quality = config.controls[0];
    expect(quality.choice).toBe('single-radio');
    expect(quality.labels).toEqual(['Good', 'B']);
    expect(quality.options).toEqual([{ value: 'Good', label: 'Good' }, { value: 'Bad', label: 'B' }]);
    expect(quality.image.dataKey).toBe('some_key');
    expect(config.controls[1]).toMatchObject({ toName: 'left-cam.1', choice: 'multiple', labels: ['a', 'b'] });
  });

  it('returns no controls for a config without Choices', () => {
    const config = parseLabelConfig('<View><Image name="img" value="$image"/><RectangleLabels name="r" toName="img"><Label value="a"/></RectangleLabels></View>');
    expect(config.controls).toEqual([]);
    expect(config.images).toHaveLength(1);
  });

  it('reports dynamic choices and a control pointing at several objects', () => {
    const config = parseLabelConfig('<View><Text name="t" value="$t"/><Image name="i" value="$url"/><Choices name="c" toName="t,i" value="$opts"/></View>');
    expect(config.controls[0]).toMatchObject({ toName: 'i', dynamicOptionsKey: 'opts', labels: [] });
  });

  it('throws a clear error on malformed XML', () => {
    expect(() => parseLabelConfig('<View><Image name="image" value="$image"></View>')).toThrow(LabelConfigError);
    expect(() => parseLabelConfig('<View><Image name="image" value="$image"></View>')).toThrow(/not well-formed XML/);
    expect(() => parseLabelConfig('')).toThrow(/empty/);
  });

  it('throws on an unknown choice mode, listing the valid ones', () => {
    expect(() => parseLabelConfig('<View><Image name="i" value="$i"/><Choices name="c" toName="i" choice="many"/></View>'))
      .toThrow(/"single", "single-radio", "multiple"/);
  });
});

describe('imageUrlForControl', () => {
  const [control] = parseLabelConfig('<View><Image name="i" value="$some_key"/><Choices name="c" toName="i"><Choice value="x"/></Choices></View>').controls;

  it('reads the URL from the key the Image names', () => {
    expect(imageUrlForControl({ id: 1, data: { some_key: 's3://b/x.png' } }, control)).toBe('s3://b/x.png');
  });

  it('names the missing key', () => {
    expect(() => imageUrlForControl({ id: 7, data: { image: 'a.png' } }, control)).toThrow(/Task 7 has no "some_key" field.*image/);
  });
});

describe('visibility conditions (visibleWhen)', () => {
  it('reads the conditional seed config: life form and shape show only for Plankton', async () => {
    const { SEED_CONDITIONAL_LABEL_CONFIG } = await import('./seed-config.ts');
    const byName = Object.fromEntries(parseLabelConfig(SEED_CONDITIONAL_LABEL_CONFIG).controls.map((c) => [c.name, c]));
    expect(byName.organism_type.conditions).toBeUndefined();
    expect(byName.life_form.conditions).toEqual([{ when: 'choice-selected', tagName: 'organism_type', values: ['Plankton'] }]);
    expect(controlVisible(byName.life_form, { organism_type: ['Plankton'] })).toBe(true);
    expect(controlVisible(byName.life_form, { organism_type: ['Not-plankton'] })).toBe(false);
    expect(controlVisible(byName.life_form, {})).toBe(false);
    expect(controlVisible(byName.organism_type, {})).toBe(true);
  });

  it("takes an enclosing View's condition, several values, no tag, and choice-unselected as Label Studio does", () => {
    const xml = `<View><Image name="img" value="$image"/>
      <Choices name="kind" toName="img"><Choice value="a"/><Choice value="b"/><Choice value="c"/></Choices>
      <View visibleWhen="choice-selected" whenTagName="kind" whenChoiceValue="a,b">
        <Choices name="nested" toName="img" visibleWhen="choice-unselected" whenTagName="kind" whenChoiceValue="b"><Choice value="x"/></Choices>
      </View>
      <Choices name="anyChoice" toName="img" visibleWhen="choice-selected"><Choice value="y"/></Choices>
      <Choices name="legacy" toName="img" whenChoiceValue="c"><Choice value="z"/></Choices>
    </View>`;
    const byName = Object.fromEntries(parseLabelConfig(xml).controls.map((c) => [c.name, c]));
    expect(byName.nested.conditions).toEqual([
      { when: 'choice-selected', tagName: 'kind', values: ['a', 'b'] },
      { when: 'choice-unselected', tagName: 'kind', values: ['b'] },
    ]);
    expect(controlVisible(byName.nested, { kind: ['a'] })).toBe(true);
    expect(controlVisible(byName.nested, { kind: ['b'] })).toBe(false);
    expect(controlVisible(byName.nested, { kind: ['c'] })).toBe(false);
    expect(controlVisible(byName.anyChoice, {})).toBe(false);
    expect(controlVisible(byName.anyChoice, { kind: ['c'] })).toBe(true);
    expect(controlVisible(byName.legacy, { kind: ['c'] })).toBe(true);
    expect(controlVisible(byName.legacy, { kind: ['a'] })).toBe(false);
  });
});
