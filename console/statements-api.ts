import { type ApiReply, zoneReader } from './api.ts';
import { latestZoneAnswers } from './assessment.ts';
import type { ConsoleStore } from './store.ts';

/**
 * GET /api/v1/zones/{zone}/statements, for an agent bound to the zone (or to every zone) or a
 * reader: the zone's approved answers as the two published statement files, byte for byte the
 * console's export (so a run judged with them records the same SHA-256 the console shows), and
 * which approved proposals they hold. A zone without approved answers answers with empty files.
 */
export async function getStatements(store: ConsoleStore, authorization: string | undefined, zone: string, now: Date): Promise<ApiReply> {
  const denied = await zoneReader(store, authorization, zone);
  if (denied) return denied;
  const a = (await latestZoneAnswers(store.db, store.proposals, zone, now)).answers;
  const entries = [...a.statements.attestations, ...a.statements.exceptions];
  return {
    status: 200,
    body: {
      zone,
      approved: a.approved,
      attestations: a.files.attestations,
      exceptions: a.files.exceptions,
      answers: entries.map(({ proposal: p, unresolved }) => ({
        id: p.id,
        kind: p.kind,
        payloadSha256: p.payloadSha256,
        proposedBy: p.proposedBy,
        approvedBy: p.decidedBy,
        approvedAt: p.decidedAt,
        ...(p.expires ? { expires: p.expires } : {}),
        ...(unresolved ? { unresolved } : {}),
      })),
    },
  };
}
