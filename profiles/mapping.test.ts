import { describe, expect, it } from 'vitest';
import { bundledProfile } from './bundled.ts';
import { ProfileError } from './check-set.ts';
import mappingData from './data/mapping.json' with { type: 'json' };
import { loadMapping } from './mapping.ts';

const profile = bundledProfile();

describe('the shipped mapping: every failing check counts', () => {
  it('maps each check to requirements or declares it informational with a reason, never both', () => {
    const mapped = new Set([...profile.mapping.requirements.values()].flatMap((e) => e.checks));
    const stray = [...profile.checks.keys()].filter((id) => mapped.has(id) === profile.mapping.informational.has(id));
    expect(stray).toEqual([]);
    for (const [id, reason] of profile.mapping.informational) expect(reason.length, id).toBeGreaterThanOrEqual(20);
  });

  it('maps each mapped check to at least one row a probe can see', () => {
    for (const [id, entry] of profile.mapping.requirements) {
      expect(profile.catalog.byId.get(id)?.assessment, id).toMatch(/^(automated|partial)$/);
      expect(entry.checks.length, id).toBeGreaterThan(0);
    }
  });

  it('judges a well-known default account that can log in against account management and unique identification', () => {
    const rows = [...profile.mapping.requirements].filter(([, e]) => e.checks.includes('host.default-accounts')).map(([id]) => id);
    expect(rows.sort()).toEqual(['CR 1.1 RE(1)', 'CR 1.3']);
  });

  it('refuses an informational check given without its reason', () => {
    const withoutReason = { ...mappingData, informational: { ...mappingData.informational, 'ssh.password-auth-disabled': '' } };
    expect(() => loadMapping(withoutReason, profile.catalog, profile.checks)).toThrow(ProfileError);
    expect(() => loadMapping({ ...mappingData, informational: ['ssh.password-auth-disabled'] }, profile.catalog, profile.checks)).toThrow(/informational/);
  });
});
