import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importDocuments } from '../advisories/store.ts';
import { parseConfigText } from '../config.ts';
import { JUDGE_OPTIONS, judgeFromArgs } from '../judge-options.ts';
import { OUTPUT_OPTIONS, outputOptions } from '../output.ts';
import { deliveryOptions, SIGNING_OPTIONS } from './delivery-options.ts';
import { scanAndReport } from './scan.ts';
import { defineCommand } from './define.ts';

export const demoCommand = defineCommand({
  command: 'demo',
  describe: 'start the simulated cell on loopback, scan it with the built-in config, print the summary',
  builder: (y) =>
    y
      .option('out', { type: 'string', default: 'runs', describe: 'parent folder of run directories' })
      .options({ advisories: JUDGE_OPTIONS.advisories })
      .options(SIGNING_OPTIONS)
      .options(OUTPUT_OPTIONS),
  handler: async (a) => {
    const output = outputOptions(a);
    const delivery = deliveryOptions(a);
    // Without a store of its own, the demo matches against the real CISA advisories shipped as
    // test data, so its devices show what advisory matching looks like.
    const sampleStore = a.advisories === undefined ? mkdtempSync(join(tmpdir(), 'cellcheck-demo-advisories-')) : undefined;
    if (sampleStore) importDocuments(sampleStore, [fileURLToPath(new URL('../../fixtures/csaf/cisa', import.meta.url))]);
    // A bad advisory store is refused before the cell starts.
    const judged = judgeFromArgs({ advisories: a.advisories ?? sampleStore });
    // Loaded only here: the simulated cell pulls in every fixture server.
    const { startDemoCell } = await import('../../fixtures/cell.ts');
    if (!output.quiet) process.stderr.write('Starting the simulated cell on loopback...\n');
    const cell = await startDemoCell();
    try {
      if (!output.quiet) process.stderr.write(`Built-in demo config (${cell.devices.length} simulated devices):\n${cell.config}\n`);
      process.exitCode = await scanAndReport(parseConfigText(cell.config, 'built-in demo config'), a.out, output, delivery, judged);
    } finally {
      await cell.close();
      if (sampleStore) rmSync(sampleStore, { recursive: true, force: true });
    }
  },
});
