import { HttpFacts } from '../it-services/facts.ts';
import { httpGet } from '../it-services/http.ts';
import type { ProbeDefinition } from '../types.ts';

const PROBE_ID = 'winrm.wsman';

/**
 * WinRM's listener over plain HTTP (TCP 5985): one GET of /wsman without credentials, which any
 * WinRM listener answers with 401 and the authentication schemes it offers (Negotiate, Kerberos,
 * and Basic or CredSSP where enabled). The facts are the HTTP probe's; an HTTPS listener (5986)
 * is read by the TLS probe. No SOAP request is ever sent.
 */
export const winrmProbe: ProbeDefinition<HttpFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 'winrm',
  safety: 'identify',
  ops: ['tcp.connect', 'winrm.get-wsman'],
  transport: 'tcp',
  facts: HttpFacts,
  run: (ctx) => httpGet(ctx, { probe: PROBE_ID, op: 'winrm.get-wsman', path: '/wsman', accept: 'application/soap+xml' }),
};
