/**
 * The label config of the project this work started from, reconstructed from the parsed form
 * its ML backend printed (names, control types, `to_name`, labels in order). Single/multiple
 * come from the project's description: organism_type and life_form are single choices,
 * morphology and shape multiple. The `<Header>`s are ours (display only: they are not controls,
 * so the parsed form is the same with or without them); they make the four groups readable in
 * the demo. Used by the demo and by tests; the plugin itself always parses
 * the live project's config.
 */
export const SEED_LABEL_CONFIG = `<View>
  <Image name="image" value="$image"/>
  <Header value="Organism type"/>
  <Choices name="organism_type" toName="image" choice="single">
    <Choice value="Not-plankton"/>
    <Choice value="Plankton"/>
    <Choice value="Debris"/>
  </Choices>
  <Header value="Morphology"/>
  <Choices name="morphology" toName="image" choice="multiple">
    <Choice value="Mucilage"/>
    <Choice value="Flagella"/>
    <Choice value="Cilia"/>
    <Choice value="Aerotopes"/>
    <Choice value="Akinetes"/>
    <Choice value="Heterocytes"/>
    <Choice value="Theca/test/exoskeletal structures"/>
    <Choice value="Eggs"/>
    <Choice value="Ephippia"/>
  </Choices>
  <Header value="Life form"/>
  <Choices name="life_form" toName="image" choice="single">
    <Choice value="Unicellular"/>
    <Choice value="Colony"/>
    <Choice value="Filament"/>
  </Choices>
  <Header value="Shape"/>
  <Choices name="shape" toName="image" choice="multiple">
    <Choice value="Spiky"/>
    <Choice value="Round"/>
    <Choice value="Rod-like"/>
  </Choices>
  <TextArea name="ta" toName="image"/>
</View>
`;

/**
 * The seed config with Label Studio's conditional controls (issue 17): life form and shape only
 * show once the annotator chose Plankton (`visibleWhen="choice-selected"`), as scientists leave
 * them empty for what is not plankton. The plugin never suggests a control its condition hides.
 * docs/label-studio.md prints it ready to paste (a test keeps the two equal).
 */
export const SEED_CONDITIONAL_LABEL_CONFIG = SEED_LABEL_CONFIG
  .replace('<Choices name="life_form" toName="image" choice="single">',
    '<Choices name="life_form" toName="image" choice="single" visibleWhen="choice-selected" whenTagName="organism_type" whenChoiceValue="Plankton">')
  .replace('<Choices name="shape" toName="image" choice="multiple">',
    '<Choices name="shape" toName="image" choice="multiple" visibleWhen="choice-selected" whenTagName="organism_type" whenChoiceValue="Plankton">');
