import type { Argv } from 'yargs';
import { EXIT } from '../output.ts';
import { importDocuments, readStore, summarize } from '../advisories/store.ts';
import { defineCommand } from './define.ts';

const STORE_OPTION = { store: { type: 'string' as const, default: 'advisories', describe: 'advisory store folder' } };
const FORMAT_OPTION = { format: { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text for people, json for tools' } };

const importCommand = defineCommand({
  command: 'import <paths..>',
  describe: 'load CSAF 2.0 documents (files or folders) into the store; exit 1 when some were rejected',
  builder: (y) =>
    y
      .positional('paths', { type: 'string', array: true, demandOption: true, describe: 'CSAF files or folders of them' })
      .options(STORE_OPTION)
      .options(FORMAT_OPTION),
  handler: (a) => {
    const started = performance.now();
    const report = importDocuments(a.store, a.paths);
    const seconds = (performance.now() - started) / 1000;
    if (a.format === 'json') process.stdout.write(`${JSON.stringify({ ...report, seconds }, null, 2)}\n`);
    else {
      const files = report.added.length + report.replaced.length + report.kept.length + report.rejected.length;
      const lines = [
        `Read ${files} file(s) into ${a.store} in ${seconds.toFixed(2)} s: ${report.added.length} added, ${report.replaced.length} replaced by a newer revision, ${report.kept.length} kept (same or older revision than stored), ${report.rejected.length} rejected`,
      ];
      for (const r of report.replaced) lines.push(`  replaced ${r.id} revision ${r.previous} by ${r.version} (${r.file})`);
      if (report.rejected.length > 0) lines.push('Rejected:', ...report.rejected.map((r) => `  ${r.file}: ${r.reason}`));
      lines.push(`The store holds ${report.total} advisories.`);
      process.stdout.write(`${lines.join('\n')}\n`);
    }
    process.exitCode = report.rejected.length > 0 ? EXIT.gaps : EXIT.ok;
  },
});

const listCommand = defineCommand({
  command: 'list',
  describe: 'show what the store holds: advisories per vendor and the newest release date',
  builder: (y) => y.options(STORE_OPTION).options(FORMAT_OPTION),
  handler: (a) => {
    const s = summarize(readStore(a.store));
    if (a.format === 'json') {
      process.stdout.write(`${JSON.stringify(s, null, 2)}\n`);
      return;
    }
    const width = Math.min(40, Math.max(6, ...s.vendors.map((v) => v.vendor.length)));
    const lines = [
      `${a.store}: ${s.advisories} advisories, ${s.vulnerabilities} vulnerabilities, ${s.products} products; newest release ${s.newestRelease?.slice(0, 10) ?? '-'}`,
      '',
      `${'VENDOR'.padEnd(width)}  ADVISORIES  NEWEST`,
      ...s.vendors.map((v) => `${v.vendor.slice(0, width).padEnd(width)}  ${String(v.advisories).padStart(10)}  ${v.newestRelease.slice(0, 10)}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  },
});

export const advisoriesCommand = defineCommand({
  command: 'advisories <command>',
  describe: 'the offline store of CSAF advisories that scans match device identities against',
  builder: (y: Argv) => y.command([importCommand, listCommand]).demandCommand(1, 'name an advisories command: import, list'),
  handler: () => undefined,
});
