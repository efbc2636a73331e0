import { z } from 'zod';

/** SZLs the probe asks for after 0x0000, each only when 0x0000 lists its id. */
export const S7_SZL_READS = [
  { id: 0x0011, index: 0x0000, what: 'module identification' },
  { id: 0x001c, index: 0x0000, what: 'component identification' },
  { id: 0x0232, index: 0x0004, what: 'protection' },
  { id: 0x00a0, index: 0x0000, what: 'diagnostic buffer' },
] as const;

/** Diagnostic buffer entries kept (the newest ones): enough to show the CPU records events. */
export const DIAGNOSTIC_ENTRIES_KEPT = 10;

/** 0x0011 record indexes. */
export const MODULE_INDEX = { module: 0x0001, hardware: 0x0006, firmware: 0x0007, bootLoader: 0x0081 } as const;

/** 0x001C record index -> field name. */
export const COMPONENT_FIELDS = {
  1: 'plcName',
  2: 'moduleName',
  3: 'plantId',
  4: 'copyright',
  5: 'serialNumber',
  7: 'moduleTypeName',
  8: 'memoryCardSerial',
} as const;

/** bart_sch: position of the mode switch (0: the CPU reports none). */
export const MODE_SWITCH = { 0: 'undefined', 1: 'RUN', 2: 'RUN-P', 3: 'STOP', 4: 'MRES' } as const;
export const ModeSwitch = z.enum(['undefined', 'RUN', 'RUN-P', 'STOP', 'MRES', 'other']);
export type ModeSwitch = z.infer<typeof ModeSwitch>;

const Word = z.number().int().min(0).max(0xffff);

export const S7ModuleRecord = z.object({
  index: Word,
  orderNumber: z.string(),
  moduleType: Word,
  /** `V3.2.6` style; absent when the version bytes are not letter + three numbers. */
  version: z.string().optional(),
  versionRaw: z.string(),
});
export type S7ModuleRecord = z.infer<typeof S7ModuleRecord>;

export const S7ComponentIdentification = z.object({
  plcName: z.string().optional(),
  moduleName: z.string().optional(),
  plantId: z.string().optional(),
  copyright: z.string().optional(),
  serialNumber: z.string().optional(),
  moduleTypeName: z.string().optional(),
  memoryCardSerial: z.string().optional(),
  /** Every record as sent, also indexes without a name above. */
  records: z.array(z.object({ index: Word, text: z.string() })),
});
export type S7ComponentIdentification = z.infer<typeof S7ComponentIdentification>;

export const S7Protection = z.object({
  /** Protection level set by the mode switch. */
  schSchal: Word,
  /** Password protection level; 0 = no password. */
  schPar: Word,
  /** Protection level in force. */
  schRel: Word,
  bartSch: Word,
  modeSwitch: ModeSwitch,
  anlSch: Word,
});
export type S7Protection = z.infer<typeof S7Protection>;

export const S7DiagnosticEntry = z.object({
  /** Event id as `0x4302`. */
  eventId: z.string().regex(/^0x[0-9a-f]{4}$/),
  priority: z.number().int().min(0).max(0xff),
  obNumber: z.number().int().min(0).max(0xff),
  datId: Word,
  info1: Word,
  info2: z.number().int().min(0).max(0xffffffff),
  /** The CPU's local time, no zone; absent when the BCD bytes are not a valid time. */
  time: z.string().optional(),
  timeRaw: z.string().regex(/^[0-9a-f]{16}$/),
});
export type S7DiagnosticEntry = z.infer<typeof S7DiagnosticEntry>;

export const S7DiagnosticBuffer = z.object({
  /** Entries the CPU returned. */
  entryCount: z.number().int().min(0),
  /** The newest entries (the CPU lists newest first), at most DIAGNOSTIC_ENTRIES_KEPT. */
  entries: z.array(S7DiagnosticEntry).max(DIAGNOSTIC_ENTRIES_KEPT),
});
export type S7DiagnosticBuffer = z.infer<typeof S7DiagnosticBuffer>;

export const S7SzlUnavailableReason = z.enum(['not-listed', 'not-available', 'error-code', 'malformed', 'too-long']);

export const S7SzlFacts = z.object({
  tsap: z.object({ calling: Word, called: Word }),
  /** The first called TSAP was refused and the second one answered. */
  tsapRetried: z.boolean(),
  pduSize: z.number().int().positive(),
  /** From SZL 0x0000; absent when that list could not be read. */
  supportedSzlIds: z.array(Word).optional(),
  /** SZL 0x0011, every record with its index. */
  modules: z.array(S7ModuleRecord),
  /** Order number (MLFB) of record 0x0001. */
  orderNumber: z.string().optional(),
  hardware: z.string().optional(),
  /** Version of record 0x0007. */
  firmware: z.string().optional(),
  /** Version of record 0x0081, kept apart from the firmware. */
  bootLoader: z.string().optional(),
  component: S7ComponentIdentification.optional(),
  protection: S7Protection.optional(),
  /** SZL 0x00A0. */
  diagnosticBuffer: S7DiagnosticBuffer.optional(),
  /** SZLs that were not read or gave no usable answer, and why. */
  unavailable: z.array(z.object({ szlId: Word, index: Word, reason: S7SzlUnavailableReason, detail: z.string() })),
});
export type S7SzlFacts = z.infer<typeof S7SzlFacts>;
