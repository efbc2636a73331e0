import type { RegisteredCheckKind } from './types.ts';
import { tlsProtectedKind } from './telecontrol.ts';

/** IEC 60870-5-104 on TCP 2404: fails while the cleartext port is open (CR 3.1, CR 4.1). */
export const iec104CheckKinds: readonly RegisteredCheckKind[] = [
  tlsProtectedKind({
    kind: 'iec104.tls-protected',
    label: 'IEC 60870-5-104',
    service: 'iec104',
    tlsService: 'iec104-tls',
    tlsPort: 19998,
    probe: 'iec104.testfr',
  }),
];
