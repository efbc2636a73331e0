import { describe, expect, it } from 'vitest';
import { CELL_PATHS, judgedBoundary, MAP_PLANT_MODEL, mapPlantRuns, PLANT_MODEL, PLANT_RUNS } from '../../test/setup/zone-plant.ts';
import { plantBoundaries } from '../boundary-view.ts';
import { runBoundaryOf } from '../run-boundary.ts';
import { mapLayout, mapOf, overlap } from './zone-map.ts';

/** The map of a plant as the zone map page draws it: the model in force and each zone's latest run. */
const layoutOf = (model: typeof PLANT_MODEL, runs: Parameters<typeof runBoundaryOf>[0][]) =>
  mapLayout(mapOf(model, plantBoundaries(model, runs.map(runBoundaryOf))));

const PLANTS = {
  'the two-zone plant': () => layoutOf(PLANT_MODEL, [judgedBoundary(PLANT_RUNS.cell, PLANT_MODEL, CELL_PATHS), PLANT_RUNS.scada]),
  'the six-zone plant': () => layoutOf(MAP_PLANT_MODEL, mapPlantRuns()),
};

describe('zone map layout', () => {
  for (const [name, layout] of Object.entries(PLANTS))
    it(`${name}: no arrow label covers a box or another label, and every label stays in the drawing`, () => {
      const map = layout();
      expect(map.edges.length).toBeGreaterThan(2);
      const onBoxes = map.edges.flatMap((e) => map.boxes.filter((b) => overlap(e.labelRect, b.rect) > 0).map((b) => `${e.edge.label} over ${b.node.id}`));
      expect(onBoxes).toEqual([]);
      const onLabels = map.edges.flatMap((e, i) =>
        map.edges
          .slice(i + 1)
          .filter((f) => overlap(e.labelRect, f.labelRect) > 0)
          .map((f) => `${e.edge.label} / ${f.edge.label}`),
      );
      expect(onLabels).toEqual([]);
      for (const e of map.edges) {
        const r = e.labelRect;
        expect([r.x >= 0, r.y >= 0, r.x + r.w <= 1200, r.y + r.h <= map.height]).toEqual([true, true, true, true]);
      }
    });

  it('overlap() is the shared area, and 0 for rectangles apart', () => {
    expect(overlap({ x: 0, y: 0, w: 10, h: 10 }, { x: 5, y: 5, w: 10, h: 10 })).toBe(25);
    expect(overlap({ x: 0, y: 0, w: 10, h: 10 }, { x: 10, y: 0, w: 10, h: 10 })).toBe(0);
    expect(overlap({ x: 0, y: 0, w: 10, h: 10 }, { x: 12, y: 0, w: 10, h: 10 }, 4)).toBe(20);
  });
});
