import type { RegisteredCheckKind } from './types.ts';
import { tlsProtectedKind } from './telecontrol.ts';

/** DNP3 on TCP 20000: fails while the cleartext port is open (CR 3.1, CR 4.1). */
export const dnp3CheckKinds: readonly RegisteredCheckKind[] = [
  tlsProtectedKind({ kind: 'dnp3.tls-protected', label: 'DNP3', service: 'dnp3', tlsService: 'dnp3-tls', tlsPort: 19999, probe: 'dnp3.link-status' }),
];
