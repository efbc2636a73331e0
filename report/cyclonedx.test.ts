import { describe, expect, it } from 'vitest';
import { craftedRuns } from '../test/crafted-runs.ts';
import { cycloneDx16Validator } from '../test/cyclonedx-schema.ts';
import { renderCycloneDx } from './cyclonedx.ts';

describe('CycloneDX 1.6 inventory', () => {
  const validate = cycloneDx16Validator();
  const { older, newer } = craftedRuns();
  const bom = renderCycloneDx(newer);

  it('is valid against the official CycloneDX 1.6 JSON schema', () => {
    expect(validate(bom)).toEqual([]);
    expect(validate(renderCycloneDx({ ...newer, devices: [] }))).toEqual([]);
  });

  it('the schema check itself rejects a device without a name and a bad serial number', () => {
    expect(validate({ ...bom, serialNumber: 'run-new' }).length).toBeGreaterThan(0);
    expect(validate({ ...bom, components: [{ type: 'device' }] }).length).toBeGreaterThan(0);
  });

  it('lists every device with vendor, model, firmware, order number and services', () => {
    expect(bom.components.map((c) => c.properties?.find((p) => p.name === 'cellcheck:address')?.value)).toEqual(['127.83.2.10', '127.83.2.12']);
    const plc = bom.components[0];
    expect(plc).toMatchObject({ type: 'device', name: 'SIO-16DI-ETH', manufacturer: { name: 'Simulated I/O GmbH' } });
    expect(plc?.components).toEqual([expect.objectContaining({ type: 'firmware', version: 'V1.5.0' })]);
    expect(plc?.properties).toContainEqual({ name: 'cellcheck:identity:orderNumber', value: 'SIO-16DI' });
    expect(plc?.properties?.filter((p) => p.name === 'cellcheck:service').map((p) => p.value)).toEqual(['modbus tcp/502', 'telnet tcp/23']);
  });

  it('has one serial number per run, the same on a re-export', () => {
    expect(renderCycloneDx(newer).serialNumber).toBe(bom.serialNumber);
    expect(renderCycloneDx(older).serialNumber).not.toBe(bom.serialNumber);
  });
});
