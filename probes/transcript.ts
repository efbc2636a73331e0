import { z } from 'zod';

export const TranscriptEntry = z.object({
  seq: z.number().int(),
  /** Milliseconds since the transcript started. */
  t: z.number(),
  probe: z.string(),
  dir: z.enum(['tx', 'rx', 'note']),
  /** Operation kind, `<protocol>.<operation>`, e.g. `modbus.read-device-id`. The safety allow-list is keyed on it. */
  op: z.string(),
  /** Byte count on the wire, when bytes were exchanged. */
  len: z.number().int().optional(),
  /** Hex of the bytes, cut at the per-entry limit. */
  hex: z.string().optional(),
  truncated: z.boolean().optional(),
  text: z.string().optional(),
});
export type TranscriptEntry = z.infer<typeof TranscriptEntry>;

export interface TranscriptLimits {
  /** Bytes of one entry kept as hex. */
  readonly entryBytes: number;
  /** Entries kept per device; later ones are counted but not stored. */
  readonly entries: number;
}

const DEFAULT_LIMITS: TranscriptLimits = { entryBytes: 2048, entries: 2000 };
const REDACTED = '[redacted]';

/**
 * Everything a device was sent and answered, bounded, with secrets removed, so any verdict
 * can be traced back to bytes.
 */
export class Transcript {
  readonly #limits: TranscriptLimits;
  readonly #start: number;
  readonly #clock: () => number;
  readonly #entries: TranscriptEntry[] = [];
  readonly #secrets: string[] = [];
  #seq = 0;
  #dropped = 0;

  constructor(clock: () => number = () => performance.now(), limits: TranscriptLimits = DEFAULT_LIMITS) {
    this.#clock = clock;
    this.#start = clock();
    this.#limits = limits;
  }

  /** Registers a credential so it never appears in any entry, as text or as bytes. */
  redact(secret: string): void {
    if (secret.length > 0) this.#secrets.push(secret);
  }

  get seq(): number {
    return this.#seq;
  }

  get dropped(): number {
    return this.#dropped;
  }

  tx(probe: string, op: string, bytes?: Uint8Array, text?: string): number {
    return this.#add(probe, 'tx', op, bytes, text);
  }

  rx(probe: string, op: string, bytes?: Uint8Array, text?: string): number {
    return this.#add(probe, 'rx', op, bytes, text);
  }

  note(probe: string, op: string, text: string): number {
    return this.#add(probe, 'note', op, undefined, text);
  }

  entries(): readonly TranscriptEntry[] {
    return this.#entries;
  }

  /** Operation kinds sent to the device, in order (used by the read-only safety tests). */
  sentOps(): string[] {
    return this.#entries.filter((e) => e.dir === 'tx').map((e) => e.op);
  }

  #add(probe: string, dir: TranscriptEntry['dir'], op: string, bytes?: Uint8Array, text?: string): number {
    this.#seq += 1;
    if (this.#entries.length >= this.#limits.entries) {
      this.#dropped += 1;
      return this.#seq;
    }
    const entry: TranscriptEntry = { seq: this.#seq, t: Math.round((this.#clock() - this.#start) * 10) / 10, probe, dir, op };
    if (bytes) {
      // Scrub past the cut too, so a secret straddling it leaves no prefix in the kept bytes.
      const reach = this.#limits.entryBytes + Math.max(0, ...this.#secrets.map((x) => Buffer.byteLength(x) - 1));
      const kept = this.#scrubBytes(bytes.subarray(0, reach)).subarray(0, this.#limits.entryBytes);
      entry.len = bytes.length;
      entry.hex = Buffer.from(kept).toString('hex');
      if (bytes.length > this.#limits.entryBytes) entry.truncated = true;
    }
    if (text !== undefined) entry.text = this.scrub(text);
    this.#entries.push(entry);
    return this.#seq;
  }

  /** Removes registered secrets from a text (also for error messages leaving a probe). */
  scrub(text: string): string {
    let out = text;
    for (const s of this.#secrets) out = out.split(s).join(REDACTED);
    return out;
  }

  #scrubBytes(bytes: Uint8Array): Uint8Array {
    if (this.#secrets.length === 0) return bytes;
    const buf = Buffer.from(bytes);
    for (const s of this.#secrets) {
      const needle = Buffer.from(s, 'utf8');
      for (let i = buf.indexOf(needle); i >= 0; i = buf.indexOf(needle, i + needle.length)) buf.fill(0x2a, i, i + needle.length);
    }
    return buf;
  }
}
