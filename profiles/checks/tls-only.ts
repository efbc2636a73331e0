import { TlsFacts } from '../../probes/it-services/facts.ts';
import { SERVICE_PORTS, type ServiceProtocol } from '../../probes/services.ts';
import type { DeviceView } from '../device-view.ts';
import { notCheckedReason, tcpPorts, type Verdict } from './types.ts';

/**
 * The verdict of a "served over TLS only" check on a device where the service's cleartext port is
 * not open: pass only when discovery did check that port and a TLS handshake completed on the
 * service's TLS port; unknown when either is missing; not applicable without the service.
 */
export function tlsOnlyVerdict(
  device: DeviceView,
  service: { readonly name: string; readonly cleartext: ServiceProtocol; readonly tlsProtocol: string },
): Verdict {
  const tlsPorts = tcpPorts(device, service.tlsProtocol);
  if (tlsPorts.length === 0) return { status: 'not-applicable', reason: `no ${service.name} port found` };
  const expected = { cleartextPorts: [] };
  const unchecked = notCheckedReason(device, SERVICE_PORTS[service.cleartext], `${service.name} in cleartext`);
  if (unchecked) return { status: 'unknown', observed: { tlsPorts }, expected, reason: unchecked };
  const tls = device.facts('tls.handshake', TlsFacts);
  const handshakes = tls.state === 'ok' ? tls.facts.filter((f) => tlsPorts.includes(f.port)).map((f) => f.port) : [];
  if (handshakes.length === 0)
    return { status: 'unknown', observed: { tlsPorts }, expected, reason: `no TLS handshake completed on the ${service.name} TLS port` };
  const evidence = tls.state === 'ok' ? tls.evidence.filter((e) => handshakes.includes(e.port)) : [];
  return { status: 'pass', observed: { cleartextPorts: [], tlsPorts: handshakes }, expected, evidence };
}
