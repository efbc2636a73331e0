import { z } from 'zod';

/** What a ProConOS runtime tells anyone who connects to TCP 20547, without authentication. */
export const ProconosInfoFacts = z.object({
  /** The ladder logic runtime: name, version and build date, e.g. `ProConOS V4.1.0267 Jul 31 2012`. */
  runtime: z.string().optional(),
  /** PLC type and often its firmware, e.g. `ILC 350 PN V3.71`. */
  plcType: z.string().optional(),
  /** The project running now. */
  projectName: z.string().optional(),
  /** The project the runtime starts at boot. */
  bootProject: z.string().optional(),
  /** Whether the project's source code is stored on the controller (`Exist` when it is). */
  projectSource: z.string().optional(),
  /** Always 1: the info request. */
  requestsSent: z.literal(1),
});
export type ProconosInfoFacts = z.infer<typeof ProconosInfoFacts>;
