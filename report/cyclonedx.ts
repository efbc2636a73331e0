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
  readonly vulnerabilities?: readonly CdxVulnerability[];
}

/** A CycloneDX 1.6 vulnerability with its VEX analysis, one per device and advisory vulnerability. */
export interface CdxVulnerability {
  readonly 'bom-ref': string;
  readonly id: string;
  readonly source: { readonly name: string };
  readonly references: readonly { readonly id: string; readonly source: { readonly name: string } }[];
  readonly ratings: readonly { readonly score: number; readonly severity?: string; readonly method: string; readonly vector: string }[];
  readonly description?: string;
  readonly recommendation?: string;
  readonly advisories?: readonly { readonly title: string; readonly url: string }[];
  readonly affects: readonly {
    readonly ref: string;
    readonly versions?: readonly { readonly version: string; readonly status: 'affected' | 'unaffected' | 'unknown' }[];
  }[];
  readonly analysis: { readonly state: 'exploitable' | 'in_triage' | 'resolved' | 'not_affected'; readonly detail: string };
  readonly properties: readonly Property[];
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

const VEX_STATE = {
  affected: 'exploitable',
  'possibly-affected': 'in_triage',
  'under-investigation': 'in_triage',
  fixed: 'resolved',
  'not-affected': 'not_affected',
} as const;
const VERSION_STATUS = {
  affected: 'affected',
  'possibly-affected': 'unknown',
  'under-investigation': 'unknown',
  fixed: 'unaffected',
  'not-affected': 'unaffected',
} as const;
const CVSS_METHOD: Record<string, string> = { '2.0': 'CVSSv2', '3.0': 'CVSSv3', '3.1': 'CVSSv31', '4.0': 'CVSSv4' };
const SEVERITIES = new Set(['critical', 'high', 'medium', 'low', 'info', 'none', 'unknown']);

/** The advisory store's findings as VEX statements: what each matched advisory means for each device's firmware. */
function deviceVulnerabilities(d: DeviceResult): CdxVulnerability[] {
  const ref = d.identity.firmware ? `device:${d.address}:firmware` : `device:${d.address}`;
  return (d.vulnerabilities ?? []).map((f, i) => {
    const severity = f.cvss?.severity?.toLowerCase();
    const deviceVersion = f.match.version.deviceVersion;
    const links = f.remediations.filter((r) => r.url !== undefined).map((r) => ({ title: `${f.advisory.id} ${r.category}`, url: r.url as string }));
    return {
      'bom-ref': `vulnerability:${d.address}:${f.advisory.id}:${f.cve ?? i}`,
      id: f.cve ?? f.advisory.id,
      source: { name: f.advisory.publisher },
      references: [{ id: f.advisory.id, source: { name: f.advisory.publisher } }],
      ratings: f.cvss
        ? [
            {
              score: f.cvss.baseScore,
              ...(severity && SEVERITIES.has(severity) ? { severity } : {}),
              method: CVSS_METHOD[f.cvss.version] ?? 'other',
              vector: f.cvss.vector,
            },
          ]
        : [],
      ...(f.title ? { description: f.title } : {}),
      ...(f.remediations[0] ? { recommendation: `${f.remediations[0].category}: ${f.remediations[0].details}` } : {}),
      ...(links.length > 0 ? { advisories: links } : {}),
      affects: [{ ref, ...(deviceVersion ? { versions: [{ version: deviceVersion, status: VERSION_STATUS[f.status] }] } : {}) }],
      analysis: { state: VEX_STATE[f.status], detail: f.match.reason },
      properties: [
        { name: `${NS}:advisory:version`, value: f.advisory.version },
        { name: `${NS}:match:confidence`, value: f.match.confidence },
        { name: `${NS}:match:nameOnly`, value: String(f.match.nameOnly) },
        ...(f.fixedVersion ? [{ name: `${NS}:fixedVersion`, value: f.fixedVersion }] : []),
      ],
    };
  });
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
    ...(result.advisories ? { vulnerabilities: result.devices.flatMap(deviceVulnerabilities) } : {}),
  };
}
