import { z } from 'zod';
import { Failure } from '../types.ts';

const u8 = z.number().int().min(0).max(0xff);
const u16 = z.number().int().min(0).max(0xffff);

/** One CIP Identity item of a ListIdentity reply, as the device sent it. */
export const EnipIdentity = z.object({
  encapsulationVersion: u16,
  /** The address and port the device says it listens on (may differ from the one probed behind NAT). */
  socketAddress: z.object({ address: z.string(), port: u16 }),
  /** ODVA-assigned vendor id; profiles/data/enip-vendors.json names the common ones. */
  vendorId: u16,
  deviceType: u16,
  productCode: u16,
  /** Major.minor as the device reports it, e.g. `33.11`. */
  revision: z.string(),
  /** Identity object status word (owned, configured, fault bits), raw. */
  status: u16,
  /** Serial number as 8 hex digits, as Rockwell's tools print it. */
  serialNumber: z.string().regex(/^[0-9a-f]{8}$/),
  productName: z.string(),
  /** Identity object state: 0 nonexistent, 1 self-testing, 2 standby, 3 operational, 4/5 major fault, 255 default. */
  state: u8,
});
export type EnipIdentity = z.infer<typeof EnipIdentity>;

/** One communications item of a ListServices reply. */
export const EnipService = z.object({
  name: z.string(),
  version: u16,
  capabilityFlags: u16,
  /** Capability bit 5: CIP messages encapsulated over TCP. */
  cipOverTcp: z.boolean(),
  /** Capability bit 8: CIP class 0/1 (implicit I/O) over UDP. */
  cipOverUdp: z.boolean(),
});
export type EnipService = z.infer<typeof EnipService>;

export const EnipListFacts = z.object({
  /** Identity items, usually one; a gateway may list more. */
  identities: z.array(EnipIdentity),
  /** Communications services; absent when ListServices was not answered validly. */
  services: z.array(EnipService).optional(),
  /** Encapsulation status of a refused ListServices (e.g. 0x0001 invalid command). */
  listServicesStatus: z.number().int().min(0).optional(),
  requestsSent: z.number().int().min(0),
  /** Why ListServices gave nothing after a valid ListIdentity reply. */
  interrupted: Failure.optional(),
});
export type EnipListFacts = z.infer<typeof EnipListFacts>;
