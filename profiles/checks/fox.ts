import { FoxHelloFacts } from '../../probes/fox/facts.ts';
import type { DeviceView } from '../device-view.ts';
import type { IdentityExtractor } from '../identity.ts';
import type { RegisteredCheckKind, Verdict } from './types.ts';
import {
  type Answered,
  allAnswered,
  identityFrom,
  identityHiddenKind,
  type ProbedProtocol,
  protocolFacts,
  unsecuredProtocolKind,
} from './open-identification.ts';

const FOX: ProbedProtocol<FoxHelloFacts> = {
  probe: 'fox.hello',
  schema: FoxHelloFacts,
  protocol: 'fox',
  text: { port: 'Fox', absent: 'no cleartext Niagara Fox service found' },
};

const FOX_TLS: ProbedProtocol<FoxHelloFacts> = {
  probe: 'fox.hello-tls',
  schema: FoxHelloFacts,
  protocol: 'fox-tls',
  text: { port: 'Fox over TLS', absent: 'no Niagara Fox service found' },
};

/**
 * The hellos a station answered, in clear or inside TLS, or the verdict without any: TLS on 4911
 * authenticates the station, not the reader, so either hello is read by anyone who reaches the port.
 */
function anyHello(device: DeviceView): Answered<FoxHelloFacts> | Verdict {
  const verdicts: Verdict[] = [];
  const answered: Answered<FoxHelloFacts>[] = [];
  for (const p of [FOX, FOX_TLS]) {
    const found = protocolFacts(device, p);
    if ('status' in found) verdicts.push(found);
    else answered.push(found);
  }
  if (answered.length > 0) return allAnswered(answered);
  return verdicts.find((v) => v.status !== 'not-applicable') ?? { status: 'not-applicable', reason: FOX_TLS.text.absent };
}

/**
 * Fox on 1911 carries the station's login and everything after it without encryption or integrity
 * protection; Niagara offers the same protocol in TLS on 4911. Fails when a station answered the
 * hello in clear; passes when only Fox over TLS (4911) is open. Only fox.hello counts: a hello
 * read inside TLS (fox.hello-tls) is evidence of TLS, never of Fox in clear.
 */
const cleartextAbsent = unsecuredProtocolKind('fox.cleartext-absent', FOX, { protocol: 'niagara-fox', authentication: 'login', secured: 'fox-tls' });

/** Informational: what a station's hello tells before any login, whichever port carried it. */
const identityHidden = identityHiddenKind('fox.identity-hidden', { ...FOX, answered: anyHello }, [
  'stationName',
  'appVersion',
  'osName',
  'osVersion',
  'vmVersion',
  'hostId',
  'hostAddress',
]);

export const foxCheckKinds: readonly RegisteredCheckKind[] = [cleartextAbsent, identityHidden];

/** The hellos that tell who a station is: in clear on 1911 and inside TLS on 4911. */
export const FOX_HELLO_PROBES = [FOX.probe, FOX_TLS.probe] as const;

const helloIdentity = (probe: string) =>
  identityFrom(probe, FOX.schema, (f) => [
    ['vendor', 'Tridium'],
    ['product', 'Niagara'],
    ['firmware', f.appVersion],
    ['name', f.stationName],
    ['os', [f.osName, f.osVersion].filter(Boolean).join(' ')],
  ]);
const helloIdentities = FOX_HELLO_PROBES.map(helloIdentity);

/**
 * A Fox hello comes from Tridium's Niagara framework whatever brand the station is sold under
 * (brandId), so vendor and product are Tridium's Niagara; the release is the version advisories
 * name. The hello in TLS identifies a hardened station exactly as the cleartext one does.
 */
export const foxIdentity: IdentityExtractor = (device) => helloIdentities.flatMap((extract) => extract(device));
