import { describe, expect, it } from 'vitest';
import { fieldName, matchParticle, parseFlowCamCsv } from './flowcam-csv.ts';

// The shape of a VisualSpreadsheet particle export: run lines above the table in some
// versions, a BOM, quoted fields, collage names repeated across particles.
const CSV = '\uFEFFRun,cruise-7\r\n' +
  '"Particle ID","Image File","Area (ABD)","Diameter (ESD)","Aspect Ratio",Class\r\n' +
  '127,"collage_0001.tif",1534.2,44.19,0.71,"Diatom, chain"\r\n' +
  '188,collage_0001.tif,210,16.35,0.93,\r\n' +
  '36,single_crop.tif,88.5,10.6,1,Detritus\r\n';

describe('FlowCam CSV', () => {
  const table = parseFlowCamCsv(CSV, 'run.csv')!;

  it('finds the header below run lines and reads typed fields', () => {
    expect(table.rowCount).toBe(3);
    expect(table.columns[0]).toBe('Particle ID');
    expect(matchParticle(table, 'testymctestface_127.tif')).toEqual({
      fc_particle_id: 127, fc_image_file: 'collage_0001.tif', fc_area_abd: 1534.2, fc_diameter_esd: 44.19, fc_aspect_ratio: 0.71, fc_class: 'Diatom, chain',
    });
  });

  it('matches by a unique file name first, by the trailing particle id otherwise', () => {
    expect(matchParticle(table, 'single_crop.png')?.fc_particle_id).toBe(36);
    // collage_0001 names two rows: never matched by name; its trailing number 1 is no particle.
    expect(matchParticle(table, 'collage_0001.tif')).toBeUndefined();
    expect(matchParticle(table, 'run_188.tif')?.fc_area_abd).toBe(210);
    expect(matchParticle(table, 'run_999.tif')).toBeUndefined();
    expect(matchParticle(table, 'no-number.tif')).toBeUndefined();
  });

  it('names fields in snake case under fc_', () => {
    expect(fieldName('Area (ABD)')).toBe('fc_area_abd');
    expect(fieldName(' Sigma Intensity ')).toBe('fc_sigma_intensity');
  });

  it('returns null for a CSV that is not a particle table', () => {
    expect(parseFlowCamCsv('a,b\n1,2\n', 'other.csv')).toBeNull();
  });
});
