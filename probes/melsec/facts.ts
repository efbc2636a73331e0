import { z } from 'zod';

/** What the MELSEC probe reports. Values only: judgement lives in profiles/checks/melsec.ts. */
export const MelsecFacts = z.object({
  /** SLMP end code of Read CPU Model: 0 normal, e.g. 0xC059 command not supported, 0xC200 remote password locked. */
  endCode: z.number().int().min(0).max(0xffff),
  /** Model name as the CPU names itself, e.g. `Q03UDVCPU`, `R04CPU`, `FX5U-32MR/ES`; absent when the read was refused. */
  modelName: z.string().max(16).optional(),
  /** Model code as 4 hex digits, e.g. `0366`; absent when the read was refused. */
  modelCode: z
    .string()
    .regex(/^[0-9a-f]{4}$/)
    .optional(),
  requestsSent: z.number().int().min(0),
});
export type MelsecFacts = z.infer<typeof MelsecFacts>;
