import { z } from 'zod';
import type { DeviceView } from '../device-view.ts';
import { defineCheckKind, type Evidence, notCheckedReason, type RegisteredCheckKind, tcpPorts, type Verdict } from './types.ts';

/** One telecontrol protocol as discovery names it, its IEC 62351-3 TLS port, and its opt-in identification probe. */
export interface TelecontrolProtocol {
  /** Check kind id, `<family>.tls-protected`. */
  readonly kind: string;
  readonly label: string;
  /** Discovery's names (probes/services.ts) of the cleartext and the TLS service. */
  readonly service: string;
  readonly tlsService: string;
  readonly tlsPort: number;
  /** The opt-in probe whose outcome, where it ran, says whether the station answered the protocol. */
  readonly probe: string;
}

/** What the opt-in probe showed on one port: answered, failed (with why), or not asked. */
function identification(device: DeviceView, probe: string, port: number): { readonly identified: string; readonly evidence?: Evidence } {
  const outcome = device.observation.outcomes.find((o) => o.probe === probe && o.port === port);
  if (!outcome) return { identified: 'not asked (open port only)' };
  const evidence = { probe, port, transcript: outcome.transcript };
  return { identified: outcome.status === 'ok' ? 'answered' : `no answer: ${outcome.failure.kind}`, evidence };
}

/**
 * IEC 104 and DNP3 carry no confidentiality and (DNP3 Secure Authentication aside, which covers
 * critical requests only) no integrity; IEC 62351-3 moves them into TLS on their own port. Fails
 * when the cleartext port is open, whatever else is: by default that open port is the whole fact
 * (nothing is sent to an outstation without the opt-in), and a TLS port beside it does not stop a
 * master from using the cleartext one. Not applicable when the cleartext port is closed.
 */
export function tlsProtectedKind(p: TelecontrolProtocol): RegisteredCheckKind {
  return defineCheckKind({
    id: p.kind,
    params: z.object({}),
    evaluate(device): Verdict {
      const open = tcpPorts(device, p.service);
      if (open.length === 0) return { status: 'not-applicable', reason: `no ${p.label} service found` };
      const tlsOpen = tcpPorts(device, p.tlsService).length > 0;
      const tlsUnchecked = notCheckedReason(device, p.tlsPort, p.label) !== undefined;
      const ports = open.map((port) => ({ port, ...identification(device, p.probe, port) }));
      const evidence = ports.flatMap((x) => (x.evidence ? [x.evidence] : []));
      return {
        status: 'fail',
        observed: {
          protocol: p.label,
          cleartextPorts: ports.map(({ port, identified }) => ({ port, identified })),
          [`tlsPort${p.tlsPort}`]: tlsOpen ? 'open' : tlsUnchecked ? 'unchecked' : 'closed',
          integrity: 'none',
          confidentiality: 'none',
        },
        expected: { cleartextPorts: [], tls: `IEC 62351-3 on TCP ${p.tlsPort}` },
        ...(evidence.length > 0 ? { evidence } : {}),
      };
    },
  });
}
