import { z } from 'zod';

/** One field of the station's hello, as sent (value cut at 512 characters). */
export const FoxField = z.object({ name: z.string(), type: z.string(), value: z.string() });
export type FoxField = z.infer<typeof FoxField>;

/**
 * What a Niagara station says of itself in its hello, before any login. The named fields are
 * copied from `fields` (Fox names in brackets); absent when the station left them out.
 */
export const FoxHelloFacts = z.object({
  /** The station's header line, e.g. `fox a 0 -1 fox hello`. */
  header: z.string(),
  /** [fox.version] Fox protocol version. */
  foxVersion: z.string().optional(),
  /** [station.name] */
  stationName: z.string().optional(),
  /** [app.name] `Station` for a station, `Workbench` for an engineering tool. */
  appName: z.string().optional(),
  /** [app.version] The Niagara release, e.g. `4.8.0.110`: the version advisories name. */
  appVersion: z.string().optional(),
  /** [brandId] The OEM brand the station is sold under (`vykon` is Tridium's own). */
  brandId: z.string().optional(),
  /** [vm.name], [vm.version] The Java VM. */
  vmName: z.string().optional(),
  vmVersion: z.string().optional(),
  /** [os.name], [os.version] The host OS (QNX on a JACE, Windows or Linux on a Supervisor). */
  osName: z.string().optional(),
  osVersion: z.string().optional(),
  /** [hostName], [hostAddress], [hostId] The host; the host id is Niagara's licence key for it. */
  hostName: z.string().optional(),
  hostAddress: z.string().optional(),
  hostId: z.string().optional(),
  /** [timeZone] The time zone rule, raw. */
  timeZone: z.string().optional(),
  /** Every field the hello carried, at most 64. */
  fields: z.array(FoxField),
  /** Always 1: the hello. */
  requestsSent: z.literal(1),
});
export type FoxHelloFacts = z.infer<typeof FoxHelloFacts>;
