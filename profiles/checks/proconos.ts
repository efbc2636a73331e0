import { ProconosInfoFacts } from '../../probes/proconos/facts.ts';
import type { RegisteredCheckKind } from './types.ts';
import { identityFrom, identityHiddenKind, type ProbedProtocol, unsecuredProtocolKind } from './open-identification.ts';

const PROCONOS: ProbedProtocol<ProconosInfoFacts> = {
  probe: 'proconos.info',
  schema: ProconosInfoFacts,
  protocol: 'proconos',
  text: { port: 'ProConOS', absent: 'no ProConOS service found' },
};

/**
 * ProConOS on TCP 20547 is the runtime's engineering protocol (download, start, stop) and has no
 * authentication, integrity or encryption of its own: fails whenever a runtime answered it.
 */
const accessAuthenticated = unsecuredProtocolKind('proconos.access-authenticated', PROCONOS, { protocol: 'proconos', authentication: 'none' });

const identityHidden = identityHiddenKind('proconos.identity-hidden', PROCONOS, ['runtime', 'plcType', 'projectName', 'bootProject']);

export const proconosCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, identityHidden];

/**
 * The runtime is licensed to many controller makers (Phoenix Contact, Bristol, Advantech, ...), so
 * no vendor is claimed from the protocol: the PLC type names the product, the runtime is its alternative.
 */
export const proconosIdentity = identityFrom(PROCONOS.probe, PROCONOS.schema, (f) => [
  ['product', f.plcType],
  ['product', f.runtime],
  ['name', f.projectName],
]);
