import { createHash } from 'node:crypto';
import type { DeviceResult, Result } from './result.ts';

interface Property {
  readonly name: string;
  readonly value: string;
}

/** The parts of a CycloneDX 1.6 component this export fills in. */
export interface CdxComponent {
  readonly type: 'device' | 'firmware' | 'application';
  readonly 'bom-ref'?: string;
  readonly name: string;
  readonly version?: string;
  readonly description?: string;
  readonly manufacturer?: { readonly name: string };
  readonly components?: readonly CdxComponent[];
  readonly properties?: readonly Property[];
}

export interface CdxBom {
  readonly bomFormat: 'CycloneDX';
  readonly specVersion: '1.6';
  readonly serialNumber: string;
  readonly version: number;
  readonly metadata: { readonly timestamp: string; readonly tools: { readonly components: readonly CdxComponent[] }; readonly properties: readonly Property[] };
  readonly components: readonly CdxComponent[];
}

/** Property names are namespaced, as the CycloneDX property taxonomy asks of tools. */
const NS = 'cellcheck';

/**
 * One serial number per run, stable for the same run id (so a re-export of a run is the same
 * BOM): an RFC 4122 name-based UUID from the run id.
 */
function serialNumber(runId: string): string {
  const h = createHash('sha256').update(`cellcheck-run:${runId}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x50;
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `urn:uuid:${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

/** What a person would call the device: its model or product, its configured name, else its address. */
export function deviceName(d: DeviceResult): string {
  return d.identity.model?.value ?? d.identity.product?.value ?? d.name ?? d.address;
}

function deviceComponent(d: DeviceResult): CdxComponent {
  const ref = `device:${d.address}`;
  const id = d.identity;
  const properties: Property[] = [
    { name: `${NS}:address`, value: d.address },
    { name: `${NS}:role`, value: d.role },
    { name: `${NS}:componentType`, value: d.componentType },
  ];
  if (d.name !== undefined) properties.push({ name: `${NS}:name`, value: d.name });
  for (const [field, v] of Object.entries(id)) {
    if (!v) continue;
    properties.push({ name: `${NS}:identity:${field}`, value: v.value }, { name: `${NS}:identity:${field}:source`, value: v.source });
  }
  for (const s of d.services) properties.push({ name: `${NS}:service`, value: `${s.protocol} ${s.transport}/${s.port}${s.confirmed ? '' : ' (unconfirmed)'}` });
  const firmware = id.firmware?.value;
  return {
    type: 'device',
    'bom-ref': ref,
    name: deviceName(d),
    ...(id.hardware ? { version: id.hardware.value } : {}),
    description: `${d.role} (${d.componentType}) at ${d.address}`,
    ...(id.vendor ? { manufacturer: { name: id.vendor.value } } : {}),
    ...(firmware === undefined
      ? {}
      : {
          components: [
            {
              type: 'firmware' as const,
              'bom-ref': `${ref}:firmware`,
              name: `${deviceName(d)} firmware`,
              version: firmware,
              properties: [{ name: `${NS}:source`, value: id.firmware?.source ?? '' }],
            },
          ],
        }),
    properties,
  };
}

/** inventory.cdx.json: every device the run found, as a CycloneDX 1.6 BOM. */
export function renderCycloneDx(result: Result): CdxBom {
  return {
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: serialNumber(result.runId),
    version: 1,
    metadata: {
      timestamp: result.finishedAt,
      tools: { components: [{ type: 'application', name: 'cellcheck', version: result.agent.version }] },
      properties: [
        { name: `${NS}:runId`, value: result.runId },
        { name: `${NS}:zone`, value: result.zone.name },
        { name: `${NS}:slT`, value: result.zone.slT.join(',') },
        { name: `${NS}:collectedAt`, value: result.collectedAt },
      ],
    },
    components: result.devices.map(deviceComponent),
  };
}
