import { MelsecFacts } from '../../probes/melsec/facts.ts';
import { identityFrom, identityHiddenKind, type ProbedProtocol, unsecuredProtocolKind } from './open-identification.ts';
import type { RegisteredCheckKind } from './types.ts';

const PROBE_ID = 'melsec.cpu-model';
/** MELSEC CPU model names (Q03UDVCPU, L02CPU, R04CPU, FX5U-32MR/ES); another vendor's SLMP server is not claimed as Mitsubishi. */
const MELSEC_MODEL = /^(?:Q|L|R|FX)\d/i;

const SLMP: ProbedProtocol<MelsecFacts> = {
  probe: PROBE_ID,
  schema: MelsecFacts,
  protocol: 'melsec',
  text: { port: 'SLMP', absent: 'no MELSEC SLMP service found' },
};

/** The end codes the CPU answered with: a locked remote password or a refused read answers too. */
const endCodes = (facts: readonly MelsecFacts[]) => ({ endCodes: facts.map((f) => f.endCode) });

/**
 * SLMP / MC protocol has no integrity or confidentiality, and its only access control, the
 * remote password, is sent in clear to unlock a connection. Fails whenever the CPU answered a 3E
 * frame, with any end code (a locked remote password answers too, and is reported); SLMP alone can
 * never make it pass.
 */
const accessAuthenticated = unsecuredProtocolKind('melsec.access-authenticated', SLMP, {
  protocol: 'slmp',
  authentication: 'none',
  expected: 'slmp',
  details: endCodes,
});

/** Model name and code that any host can read with Read CPU Model. Passes only when the CPU refused the read. */
const identityHidden = identityHiddenKind('melsec.identity-hidden', SLMP, ['modelName', 'modelCode'], { details: endCodes });

export const melsecCheckKinds: readonly RegisteredCheckKind[] = [accessAuthenticated, identityHidden];

/** Model name as product and model; the vendor only for a name of a MELSEC CPU series. Read CPU Model carries no firmware. */
export const melsecIdentity = identityFrom(PROBE_ID, MelsecFacts, (f) => [
  ['vendor', f.modelName && MELSEC_MODEL.test(f.modelName) ? 'Mitsubishi Electric' : undefined],
  ['product', f.modelName],
  ['model', f.modelName],
]);
