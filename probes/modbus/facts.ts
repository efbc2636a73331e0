import { z } from 'zod';
import { Failure } from '../types.ts';

export const DEVICE_ID_CATEGORY_NAMES = ['basic', 'regular', 'extended'] as const;

/** Names of the standard objects; the index is the object id (0x00-0x06) defined by the Modbus spec. */
export const STANDARD_OBJECT_NAMES = [
  'vendorName',
  'productCode',
  'majorMinorRevision',
  'vendorUrl',
  'productName',
  'modelName',
  'userApplicationName',
] as const;
export const StandardObjectName = z.enum(STANDARD_OBJECT_NAMES);
export type StandardObjectName = z.infer<typeof StandardObjectName>;

const RawObject = z.object({ id: z.number().int().min(0).max(0xff), hex: z.string() });

export const ModbusDeviceIdObjects = z.object({
  vendorName: z.string().optional(),
  productCode: z.string().optional(),
  majorMinorRevision: z.string().optional(),
  vendorUrl: z.string().optional(),
  productName: z.string().optional(),
  modelName: z.string().optional(),
  userApplicationName: z.string().optional(),
  /** Vendor-specific objects 0x80-0xFF, bytes as sent. */
  private: z.array(RawObject),
  /** Ids 0x07-0x7F are reserved by the spec; kept as bytes when a device sends them anyway. */
  reserved: z.array(RawObject),
});
export type ModbusDeviceIdObjects = z.infer<typeof ModbusDeviceIdObjects>;

export const ModbusException = z.object({ code: z.number().int().min(1).max(0xff), name: z.string() });
export type ModbusException = z.infer<typeof ModbusException>;

/** What happened to one category that was asked for. */
export const ModbusCategoryResult = z.object({
  category: z.enum(DEVICE_ID_CATEGORY_NAMES),
  requests: z.number().int().min(0),
  /** Object ids the replies for this category carried, in order. */
  objectIds: z.array(z.number().int().min(0).max(0xff)),
  exception: ModbusException.optional(),
  /** The device announced more objects than the follow-up cap let the probe ask for. */
  capped: z.boolean().optional(),
});
export type ModbusCategoryResult = z.infer<typeof ModbusCategoryResult>;

export const ModbusDeviceIdFacts = z.object({
  unitId: z.number().int().min(0).max(0xff),
  /** A reply that is valid Modbus came back (an exception reply counts). */
  modbusConfirmed: z.boolean(),
  /** true after a device identification reply, false after exception 1; absent when neither was seen. */
  deviceIdSupported: z.boolean().optional(),
  /** Raw conformity byte of the first identification reply (0x01-0x03, 0x81-0x83 per spec). */
  conformityLevel: z.number().int().min(0).max(0xff).optional(),
  objects: ModbusDeviceIdObjects,
  /** Categories asked for, in order; later ones are not asked once one is refused or exceeds the conformity level. */
  categories: z.array(ModbusCategoryResult),
  requestsSent: z.number().int().min(0),
  /** Why the sequence ended before all categories were read, when that happened after a valid reply. */
  interrupted: Failure.optional(),
});
export type ModbusDeviceIdFacts = z.infer<typeof ModbusDeviceIdFacts>;
