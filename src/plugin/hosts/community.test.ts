import { describe, expect, it } from 'vitest';
import { projectPrelabels, upcomingImageUrls, type DataManagerLike } from './community.ts';

const list = [
  { id: 1, data: { image: '/a.jpg' }, total_annotations: 1 },
  { id: 2, data: { image: '/b.jpg' }, total_annotations: 0 },
  { id: 3, data: { image: '/c.jpg' }, total_annotations: 1 },
  { id: 4, data: { image: '/d.jpg' }, total_annotations: 0, cancelled_annotations: 1 },
  { id: 5, data: { image: '/e.jpg' }, total_annotations: 0 },
];

describe('upcomingImageUrls', () => {
  it('reads DM.taskStore.list after the current task in the task view', () => {
    const dm: DataManagerLike = { mode: 'labeling', taskStore: { list } };
    expect(upcomingImageUrls(dm, 2, 'image', 2)).toEqual(['/c.jpg', '/d.jpg']);
  });

  it('in "Label all tasks" mode, only tasks Label Studio would serve next (unannotated), wrapping round', () => {
    const dm: DataManagerLike = { mode: 'labelstream', taskStore: { list } };
    expect(upcomingImageUrls(dm, 2, 'image', 5)).toEqual(['/e.jpg']);
    expect(upcomingImageUrls(dm, 5, 'image', 5)).toEqual(['/b.jpg']);
  });

  it('is empty without a list, an image key or a count', () => {
    expect(upcomingImageUrls(undefined, 1, 'image', 5)).toEqual([]);
    expect(upcomingImageUrls({ taskStore: {} }, 1, 'image', 5)).toEqual([]);
    expect(upcomingImageUrls({ taskStore: { list } }, 1, null, 5)).toEqual([]);
    expect(upcomingImageUrls({ taskStore: { list } }, 1, 'image', 0)).toEqual([]);
  });
});

describe('projectPrelabels', () => {
  it("follows the project's show_collab_predictions", () => {
    expect(projectPrelabels({ project: { show_collab_predictions: true } })).toBe(true);
    expect(projectPrelabels({ project: { show_collab_predictions: false } })).toBe(false);
    expect(projectPrelabels(undefined)).toBe(false);
  });
});
