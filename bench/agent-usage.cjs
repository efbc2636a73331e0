/**
 * Preloaded into the agent process by bench/large-cell.ts (`--require`, for the source tree and
 * through NODE_OPTIONS for the single binary): on exit it writes the process's own peak RSS and CPU
 * time to the file named by CELLCHECK_USAGE_FILE, so the bench reports the agent alone. Plain
 * CommonJS on purpose: a TypeScript preload would load Node's type stripper into the process it
 * measures (about 17 MB), and the single binary only preloads CommonJS.
 * Writes { maxRssKb (getrusage ru_maxrss, as /proc VmHWM), userUs, systemUs, maxAnonKb, fileKb }:
 * peak RSS counts the executable's pages mapped from the page cache too (RssFile, shared, and
 * varying with readahead), so the private part is sampled apart (RssAnon, every 50 ms).
 */
const { readFileSync, writeFileSync } = require('node:fs');

const file = process.env.CELLCHECK_USAGE_FILE;
const statusKb = (field) => Number(/\s(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(`${field}:`)) ?? '')?.[1] ?? 0);
if (file) {
  let maxAnonKb = 0;
  const sample = () => {
    maxAnonKb = Math.max(maxAnonKb, statusKb('RssAnon'));
  };
  setInterval(sample, 50).unref();
  process.on('exit', () => {
    sample();
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime, maxAnonKb, fileKb: statusKb('RssFile') }));
  });
}
