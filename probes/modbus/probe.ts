import { interruption, onOneConnection } from '../exchange.ts';
import { recordingRefusals } from '../frame-evidence.ts';
import type { TcpSession } from '../tcp-session.ts';
import type { Failure, ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import type { ModbusCategoryResult, ModbusDeviceIdObjects } from './facts.ts';
import { DEVICE_ID_CATEGORY_NAMES, ModbusDeviceIdFacts, STANDARD_OBJECT_NAMES } from './facts.ts';
import { buildReadDeviceIdRequest, DEVICE_ID_CATEGORIES, type DeviceIdCategory, MAX_ADU_BYTES, mbapFrameLength, parseDeviceIdReply } from './frame.ts';

const PROBE_ID = 'modbus.device-id';

/**
 * Unit id used when the config names none. The Modbus/TCP implementation guide asks TCP-native
 * devices to be addressed as 0xFF, and on a serial gateway 0xFF is no valid slave address (1-247),
 * so the request is answered by the gateway itself or refused, never forwarded onto a field bus.
 * Devices that only answer unit 1 need `unitId: 1` in their config; unit ids are never swept.
 */
export const DEFAULT_UNIT_ID = 0xff;

/** Requests per category, first one included: real devices need one or two, a looping peer is cut off. */
export const MAX_REQUESTS_PER_CATEGORY = 4;

/**
 * Where each category's stream starts. Starting at the category's first object avoids re-reading
 * the basic objects; a device that lacks that object restarts at 0 per spec, which is only longer.
 */
const FIRST_OBJECT_ID: Readonly<Record<DeviceIdCategory, number>> = { basic: 0x00, regular: 0x03, extended: 0x80 };

function unitIdOption(options: ProbeContext['options']): number {
  const raw = options.unitId;
  if (raw === undefined) return DEFAULT_UNIT_ID;
  if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 0 || raw > 0xff) {
    throw new ProbeUnavailable('error', `option unitId must be an integer 0-255, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

/** The category level (1-3) a conformity byte declares, or undefined for a value outside the spec. */
function declaredLevel(conformity: number): number | undefined {
  const level = conformity & 0x7f;
  return level >= 1 && level <= 3 ? level : undefined;
}

/** Identification strings are ASCII, often padded with NULs or spaces. */
function decodeText(value: Buffer): string {
  let start = 0;
  let end = value.length;
  while (start < end && (value[start] ?? 0) <= 0x20) start += 1;
  while (end > start && (value[end - 1] ?? 0) <= 0x20) end -= 1;
  return value.subarray(start, end).toString('latin1');
}

function toObjects(collected: ReadonlyMap<number, Buffer>): ModbusDeviceIdObjects {
  const out: ModbusDeviceIdObjects = { private: [], reserved: [] };
  for (const [id, value] of [...collected].sort(([a], [b]) => a - b)) {
    const name = STANDARD_OBJECT_NAMES[id];
    if (name !== undefined) out[name] = decodeText(value);
    else (id >= 0x80 ? out.private : out.reserved).push({ id, hex: value.toString('hex') });
  }
  return out;
}

async function readIdentification(ctx: ProbeContext, session: TcpSession, unitId: number): Promise<ModbusDeviceIdFacts> {
  const collected = new Map<number, Buffer>();
  const categories: ModbusCategoryResult[] = [];
  let transactionId = 0;
  let modbusConfirmed = false;
  let deviceIdSupported: boolean | undefined;
  let conformity: number | undefined;
  let interrupted: Failure | undefined;

  const frameLength = recordingRefusals(ctx, PROBE_ID, 'modbus.reply', MAX_ADU_BYTES, mbapFrameLength);

  const ask = async (result: ModbusCategoryResult, objectId: number) => {
    transactionId = (transactionId % 0xffff) + 1;
    const header = { transactionId, unitId };
    const category = result.category;
    await session.write('modbus.read-device-id', buildReadDeviceIdRequest(header, category, objectId));
    result.requests += 1;
    const frame = await session.readFrame(frameLength, { op: 'modbus.reply', maxBytes: MAX_ADU_BYTES });
    return parseDeviceIdReply(frame, { ...header, readDevIdCode: DEVICE_ID_CATEGORIES[category] });
  };

  try {
    sequence: for (const category of DEVICE_ID_CATEGORY_NAMES) {
      const level = conformity === undefined ? undefined : declaredLevel(conformity);
      if (level !== undefined && DEVICE_ID_CATEGORIES[category] > level) break;
      const result: ModbusCategoryResult = { category, requests: 0, objectIds: [] };
      categories.push(result);
      let objectId = FIRST_OBJECT_ID[category];
      for (;;) {
        if (result.requests === MAX_REQUESTS_PER_CATEGORY) {
          result.capped = true;
          break;
        }
        const reply = await ask(result, objectId);
        modbusConfirmed = true;
        if (reply.type === 'exception') {
          result.exception = { code: reply.code, name: reply.name };
          if (reply.code === 0x01) deviceIdSupported ??= false;
          // A refused category means the higher ones are refused too (conformity is cumulative).
          break sequence;
        }
        deviceIdSupported = true;
        conformity ??= reply.conformity;
        for (const o of reply.objects) {
          result.objectIds.push(o.id);
          if (!collected.has(o.id)) collected.set(o.id, o.value);
        }
        if (!reply.moreFollows) break;
        const last = reply.objects.at(-1)?.id ?? objectId;
        if (reply.nextObjectId <= last) {
          throw new ProbeUnavailable('malformed', `Modbus reply: more follows, but next object id ${reply.nextObjectId} does not advance past ${last}`);
        }
        objectId = reply.nextObjectId;
      }
    }
  } catch (err) {
    // Before any valid reply a failure means no facts at all; after one, keep what was read.
    if (!modbusConfirmed) throw err;
    interrupted = interruption(err);
  }

  const facts: ModbusDeviceIdFacts = {
    unitId,
    modbusConfirmed,
    objects: toObjects(collected),
    categories,
    requestsSent: categories.reduce((n, c) => n + c.requests, 0),
  };
  if (deviceIdSupported !== undefined) facts.deviceIdSupported = deviceIdSupported;
  if (conformity !== undefined) facts.conformityLevel = conformity;
  if (interrupted !== undefined) facts.interrupted = interrupted;
  return facts;
}

/**
 * Reads the device identification objects (FC 43 / MEI 14) over one connection to one unit id:
 * basic, then regular, then extended, following more-follows within a category up to a cap.
 * Sends nothing but FC 43; a peer that never answered validly yields no facts.
 */
export const modbusDeviceIdProbe: ProbeDefinition<ModbusDeviceIdFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'modbus',
  safety: 'identify',
  ops: ['tcp.connect', 'modbus.read-device-id'],
  transport: 'tcp',
  facts: ModbusDeviceIdFacts,
  async run(ctx) {
    const unitId = unitIdOption(ctx.options);
    return onOneConnection(ctx, PROBE_ID, (session) => readIdentification(ctx, session, unitId));
  },
};
