const m = process.argv[2];
await import(m);
const u = process.resourceUsage();
console.log(`${m}: maxRSS ${Math.round(u.maxRSS/1024)} MB, heapUsed ${Math.round(process.memoryUsage().heapUsed/1048576)} MB, rss ${Math.round(process.memoryUsage().rss/1048576)}`);
