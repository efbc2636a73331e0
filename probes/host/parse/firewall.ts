import { z } from 'zod';
import { type CommandOutput, meaningful } from './text.ts';

/** Parsers of host firewall rule sets. Pure: text in, facts out. */

export const Firewall = z.object({
  tool: z.enum(['nftables', 'iptables']),
  /** Policy of chains hooked on input (nft) or of the INPUT chain (iptables), lower-case. */
  inputPolicies: z.array(z.string()),
  /** Rules in those input chains. */
  inputRules: z.number().int(),
  totalRules: z.number().int(),
});
export type Firewall = z.infer<typeof Firewall>;

/** `nft list ruleset`: tables, chains with `type filter hook input ... policy drop;`, rules. Empty output: no rule set. */
export function parseNftRuleset(out: CommandOutput): Firewall | undefined {
  const kept = meaningful(out);
  const facts: Firewall = { tool: 'nftables', inputPolicies: [], inputRules: 0, totalRules: 0 };
  let depth = 0;
  let inChain = false;
  let inputChain = false;
  let recognised = kept.length === 0;
  for (const line of kept) {
    if (/^table\s+\S+/.test(line)) recognised = true;
    if (/^chain\s+\S+\s*\{$/.test(line)) {
      inChain = true;
      inputChain = false;
    } else if (inChain && /^type\s+filter\s+hook\s+input\b/.test(line)) {
      inputChain = true;
      facts.inputPolicies.push(/policy\s+(accept|drop)/.exec(line)?.[1] ?? 'accept');
    } else if (inChain && line !== '}' && !/^(type|policy|comment)\s/.test(line)) {
      facts.totalRules += 1;
      if (inputChain) facts.inputRules += 1;
    }
    depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
    if (inChain && line === '}' && depth <= 1) inChain = false;
  }
  return recognised ? facts : undefined;
}

/** `iptables -S`: `-P INPUT DROP` policies and `-A CHAIN ...` rules. */
export function parseIptablesRules(out: CommandOutput): Firewall | undefined {
  const facts: Firewall = { tool: 'iptables', inputPolicies: [], inputRules: 0, totalRules: 0 };
  let recognised = false;
  for (const line of meaningful(out)) {
    const policy = /^-P\s+(\S+)\s+(\S+)/.exec(line);
    if (policy) {
      recognised = true;
      if (policy[1] === 'INPUT') facts.inputPolicies.push((policy[2] ?? '').toLowerCase());
      continue;
    }
    const rule = /^-A\s+(\S+)/.exec(line);
    if (rule) {
      recognised = true;
      facts.totalRules += 1;
      if (rule[1] === 'INPUT') facts.inputRules += 1;
    }
  }
  return recognised ? facts : undefined;
}
