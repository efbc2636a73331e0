import { z } from 'zod';

/** What the FINS probes report, over TCP or UDP. Values only: judgement lives in profiles/checks/fins.ts. */

const u8 = z.number().int().min(0).max(0xff);
const u16 = z.number().int().min(0).max(0xffff);
const Text = z.string().max(64);

export const FinsController = z.object({
  /** Controller model as the CPU names itself, e.g. `CJ2M-CPU33`. */
  model: Text,
  /** Controller version text, e.g. `02.00`. */
  version: Text,
  /** The area data of a CPU unit, when it sent them. */
  area: z
    .object({
      programAreaKwords: u16,
      iomKbytes: u8,
      dmWords: u16,
      timerCounterSize: u8,
      expansionDmBanks: u8,
      stepsTransitions: u16,
      /** 0 none, 4 flash memory. */
      memoryCardKind: u8,
      memoryCardKbytes: u16,
    })
    .optional(),
  /** Bytes after the area data (CPU Bus Unit configuration, remote I/O, status): counted, not kept. */
  furtherBytes: z.number().int().min(0),
});
export type FinsController = z.infer<typeof FinsController>;

export const FinsFacts = z.object({
  transport: z.enum(['tcp', 'udp']),
  /** FINS/TCP: the node addresses the server allocated to us and named as its own. */
  nodes: z.object({ client: u8, server: u8 }).optional(),
  /** FINS/TCP: the server refused the node address exchange (its error code and what it means); no FINS frame was sent. */
  nodeAddressRefused: z.object({ code: z.number().int().min(0), meaning: Text }).optional(),
  /** The FINS address that answered (network, node, unit). */
  responder: z.object({ network: u8, node: u8, unit: u8 }).optional(),
  /** End code of the Controller Data Read without its status flags: 0 normal, 0x0401 undefined command, ... */
  endCode: u16.optional(),
  /** The end code's flags: a relay error came along, or the CPU reports a non-fatal or fatal error. */
  endCodeFlags: z.array(z.enum(['relay-error', 'non-fatal-cpu-error', 'fatal-cpu-error'])).optional(),
  /** Model, version and area data; absent when the controller refused the read. */
  controller: FinsController.optional(),
  requestsSent: z.number().int().min(0),
});
export type FinsFacts = z.infer<typeof FinsFacts>;
