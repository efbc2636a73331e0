import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importDocuments } from '../advisories/store.ts';
import { parseConfigText } from '../config/config.ts';
import { JUDGE_OPTIONS, judgeFromArgs } from '../judge/judge-options.ts';
import { OUTPUT_OPTIONS, outputOptions, UsageError } from '../output.ts';
import { deliveryOptions, SIGNING_OPTIONS } from './delivery-options.ts';
import { scanAndReport } from './scan.ts';
import { defineCommand } from './define.ts';

/** The cell's /26 blocks on loopback, tried in turn, so several users of one host can each run a demo. */
const DEMO_BLOCKS = Array.from({ length: 8 }, (_, i) => `127.77.${i}`);
/** Bound on a block's network address (never scanned) by the demo that owns the block. */
const CLAIM_PORT = 47_077;

const addressInUse = (err: unknown): boolean => err instanceof Error && (('code' in err && err.code === 'EADDRINUSE') || /EADDRINUSE/.test(err.message));

/**
 * Claims a block first, in one bind: two demos started at the same moment would otherwise each
 * take part of the block, both fail and move on together. Undefined when another demo holds it.
 */
function claimBlock(prefix: string): Promise<Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = createServer((socket) => socket.destroy());
    server.once('error', (err) => (addressInUse(err) ? resolve(undefined) : reject(err)));
    server.listen(CLAIM_PORT, `${prefix}.0`, () => resolve(server));
  });
}

/** Starts the cell in the first block whose addresses are all free; a taken address moves it to the next block. */
async function startInFreeBlock<Cell extends { close(): Promise<void> }>(start: (prefix: string) => Promise<Cell>, say: (line: string) => void): Promise<Cell> {
  for (const [i, prefix] of DEMO_BLOCKS.entries()) {
    const taken = DEMO_BLOCKS[i - 1];
    say(
      taken === undefined
        ? `Starting the simulated cell on loopback ${prefix}.0/26...`
        : `${taken}.0/26 has an address in use (another demo?): starting the cell on ${prefix}.0/26...`,
    );
    const claim = await claimBlock(prefix);
    if (!claim) continue;
    try {
      const cell = await start(prefix);
      return { ...cell, close: () => cell.close().finally(() => claim.close()) };
    } catch (err) {
      claim.close();
      if (!addressInUse(err)) throw err;
    }
  }
  throw new UsageError(
    `every demo block from ${DEMO_BLOCKS[0]}.0/26 to ${DEMO_BLOCKS.at(-1)}.0/26 has an address in use (other demos running?): stop one and run the demo again`,
  );
}

export const demoCommand = defineCommand({
  command: 'demo',
  describe: 'start the simulated cell on loopback, scan it with the built-in config, print the summary',
  builder: (y) =>
    y
      .option('out', { type: 'string', default: 'runs', describe: 'parent folder of run directories' })
      .option('plant', {
        type: 'boolean',
        default: false,
        describe: 'a two-zone plant: the cell plus a SCADA zone, with the zone-boundary check finding the one path no conduit allows',
      })
      .options({ advisories: JUDGE_OPTIONS.advisories })
      .options(SIGNING_OPTIONS)
      .options(OUTPUT_OPTIONS),
  handler: async (a) => {
    const output = outputOptions(a);
    const delivery = deliveryOptions(a);
    const say = (line: string) => {
      if (!output.quiet) process.stderr.write(`${line}\n`);
    };
    // Loaded only here, and first: the simulated cell pulls in every fixture server, and the single
    // binary, which leaves it out, says so before anything else is printed or created.
    const { startDemoCell } = await import('../../fixtures/cell.ts');
    const { startDemoPlant } = await import('../../fixtures/plant.ts');
    // Without a store of its own, the demo matches against the real CISA advisories shipped as
    // test data (cisa-more: the plant families' vendors), so its devices show what advisory
    // matching looks like. The store is kept beside the runs, so the path the summary and
    // result.json name still exists after the demo.
    const store = a.advisories ?? join(a.out, 'demo-advisories');
    const shipped = ['cisa', 'cisa-more'].map((folder) => fileURLToPath(new URL(`../../fixtures/csaf/${folder}`, import.meta.url)));
    if (a.advisories === undefined) importDocuments(store, shipped);
    // A bad advisory store is refused before the cell starts.
    const judged = judgeFromArgs({ advisories: store });
    const cell = await startInFreeBlock(a.plant ? startDemoPlant : startDemoCell, say);
    try {
      say(`Built-in demo config (${cell.devices.length} simulated devices):\n${cell.config}`);
      process.exitCode = await scanAndReport(parseConfigText(cell.config, 'built-in demo config'), a.out, output, delivery, judged);
    } finally {
      await cell.close();
    }
  },
});
