/**
 * Preloaded into the agent process by bench/large-cell.ts (`--require`, for the source tree and
 * through NODE_OPTIONS for the single binary): on exit it writes the process's own peak RSS and CPU
 * time to the file named by CELLCHECK_USAGE_FILE, so the bench reports the agent alone. Plain
 * CommonJS on purpose: a TypeScript preload would load Node's type stripper into the process it
 * measures (about 17 MB), and the single binary only preloads CommonJS.
 * Writes { maxRssKb (getrusage ru_maxrss, as /proc VmHWM), userUs, systemUs }.
 */
const { writeFileSync } = require('node:fs');

const file = process.env.CELLCHECK_USAGE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime }));
  });
}
