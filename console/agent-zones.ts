import { writeAudit } from './audit.ts';
import type { Sql } from './db.ts';

/** Replaces an agent's zones, audited; binding every zone (`*`) is said so in the audit log. */
export async function bindZones(tx: Sql, agentId: string, zones: readonly string[], at: Date, actor: string): Promise<void> {
  await tx.run('DELETE FROM agent_zones WHERE agent_id = ?', [agentId]);
  for (const zone of zones) await tx.run('INSERT INTO agent_zones (agent_id, zone) VALUES (?, ?)', [agentId, zone]);
  const detail = zones.includes('*') ? 'every zone (*): may post results of any zone' : `zones ${zones.map((z) => JSON.stringify(z)).join(', ')}`;
  await writeAudit(tx, { at: at.toISOString(), actor, action: 'agent.zones', subject: agentId, detail });
}
