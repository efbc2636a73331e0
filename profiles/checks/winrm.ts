import { z } from 'zod';
import { HttpFacts } from '../../probes/it-services/facts.ts';
import type { DeviceView } from '../device-view.ts';
import { tlsOnlyVerdict } from './tls-only.ts';
import { defineCheckKind, factsOrVerdict, type RegisteredCheckKind, tcpPorts, type Verdict } from './types.ts';

const PROBE_ID = 'winrm.wsman';

const winrmFacts = (device: DeviceView) => factsOrVerdict(device, PROBE_ID, HttpFacts, 'winrm', { port: 'WinRM HTTP', absent: 'no WinRM HTTP listener found' });

/**
 * A WinRM listener on plain HTTP: its messages are protected only as far as the negotiated
 * authentication encrypts them (Negotiate and Kerberos do after login, Basic never does), and the
 * login itself travels over cleartext HTTP. Fails when /wsman answered as WinRM does (401 with
 * authentication schemes); a port 5985 that answered otherwise stays unknown. Without 5985, passes
 * on an HTTPS listener (5986) that completed a TLS handshake, where discovery did check 5985.
 */
const httpsOnly = defineCheckKind({
  id: 'winrm.https-only',
  params: z.object({}),
  evaluate(device): Verdict {
    if (tcpPorts(device, 'winrm').length === 0) return tlsOnlyVerdict(device, { name: 'WinRM', cleartext: 'winrm', tlsProtocol: 'winrm-tls' });
    const found = winrmFacts(device);
    if ('status' in found) return found;
    const observed = found.facts.map(({ port, facts }) => ({ port, transport: 'http', status: facts.status, authSchemes: facts.authSchemes }));
    const expected = { transport: 'https' };
    const evidence = found.evidence;
    if (observed.some((o) => o.status === 401 && o.authSchemes.length > 0)) return { status: 'fail', observed, expected, evidence };
    return {
      status: 'unknown',
      observed,
      expected,
      evidence,
      reason: 'the port answered HTTP, but not as a WinRM listener (no 401 with authentication schemes)',
    };
  },
});

export const winrmCheckKinds: readonly RegisteredCheckKind[] = [httpsOnly];
