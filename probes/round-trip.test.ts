import { describe, expect, it } from 'vitest';
import { RoundTrips, UDP_WAIT_DEFAULTS } from './round-trip.ts';

describe('RoundTrips', () => {
  it('waits the step timeout until the device has answered anything', () => {
    expect(new RoundTrips().waitMs(3000)).toBe(3000);
  });

  it('then waits max(floor, factor x the slowest round trip), at most the step timeout', () => {
    const r = new RoundTrips();
    r.record(2);
    expect(r.waitMs(3000)).toBe(UDP_WAIT_DEFAULTS.floorMs);
    r.record(100);
    r.record(5);
    expect(r.waitMs(3000)).toBe(800);
    r.record(1000);
    expect(r.waitMs(3000)).toBe(3000);
    const custom = new RoundTrips({ floorMs: 50, factor: 2 });
    custom.record(40);
    expect(custom.waitMs(3000)).toBe(80);
  });
});
