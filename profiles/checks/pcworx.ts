import { PcworxInfoFacts } from '../../probes/pcworx/facts.ts';
import type { RegisteredCheckKind } from './types.ts';
import { identityFrom, identityHiddenKind, type ProbedProtocol, unsecuredProtocolKind } from './open-identification.ts';

const PCWORX: ProbedProtocol<PcworxInfoFacts> = {
  probe: 'pcworx.info',
  schema: PcworxInfoFacts,
  protocol: 'pcworx',
  text: { port: 'PC WORX', absent: 'no PC WORX service found' },
};

/**
 * PC WORX on TCP 1962 is the engineering protocol (download, start, stop, variables) and has no
 * authentication, integrity or encryption of its own: fails whenever a controller answered it.
 */
const accessAuthenticated = unsecuredProtocolKind('pcworx.access-authenticated', PCWORX, { protocol: 'pc-worx', authentication: 'none' });

const identityHidden = identityHiddenKind('pcworx.identity-hidden', PCWORX, ['plcType', 'modelNumber', 'firmwareVersion']);

export const pcworxCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, identityHidden];

/** PC WORX is Phoenix Contact's own protocol; the model number is its article number. */
export const pcworxIdentity = identityFrom(PCWORX.probe, PCWORX.schema, (f) => [
  ['vendor', 'Phoenix Contact'],
  ['model', f.plcType],
  ['orderNumber', f.modelNumber],
  ['firmware', f.firmwareVersion],
]);
