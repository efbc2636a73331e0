/**
 * Preloaded into the agent process by bench/large-cell.ts (`node --import ./bench/agent-usage.ts
 * agent/cli.ts scan ...`): on exit it writes the process's own peak RSS and CPU time to the file
 * named by CELLCHECK_USAGE_FILE, so the bench reports the agent alone, not itself or the devices.
 */
import { writeFileSync } from 'node:fs';

export interface AgentUsage {
  /** Peak resident set size in kB (getrusage ru_maxrss, as /proc VmHWM). */
  readonly maxRssKb: number;
  readonly userUs: number;
  readonly systemUs: number;
}

const file = process.env.CELLCHECK_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    const usage: AgentUsage = { maxRssKb: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime };
    writeFileSync(file, JSON.stringify(usage));
  });
}
