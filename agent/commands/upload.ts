import { loadConfigFile } from '../config/config.ts';
import { deliverRun, describeFlush, flushSpool } from '../delivery/deliver.ts';
import { EXIT, UsageError } from '../output.ts';
import { loadSigningKey } from '../delivery/signing.ts';
import { Spool } from '../delivery/spool.ts';
import { uploadOptions } from './delivery-options.ts';
import { defineCommand } from './define.ts';

export const uploadCommand = defineCommand({
  command: 'upload',
  describe: "send spooled signed results to the console (config's upload section), oldest first; exit 0 when none is left waiting",
  builder: (y) =>
    y
      .option('config', { type: 'string', demandOption: true, describe: 'config with the upload section' })
      .option('spool', { type: 'string', describe: 'spool folder (default: upload.spoolDir)' })
      .option('run', { type: 'string', describe: 'also sign (if needed) and spool this run directory first' })
      .option('key', { type: 'string', describe: 'signing key for --run (default: signing.keyFile)' })
      .option('quiet', { type: 'boolean', default: false, describe: 'no progress lines on stderr' }),
  handler: async (a) => {
    const config = loadConfigFile(a.config);
    if (!config.upload) throw new UsageError(`${a.config}: upload: the config has no upload section`);
    const upload = uploadOptions(config.upload, a.spool);
    const log = a.quiet ? {} : { log: (line: string) => process.stderr.write(`${line}\n`) };
    const keyFile = a.key ?? config.signing?.keyFile;
    const report = a.run
      ? (await deliverRun(a.run, { upload, ...(keyFile === undefined ? {} : { key: loadSigningKey(keyFile) }) }, log)).upload
      : await flushSpool(new Spool(upload.spoolDir), upload.target, upload.retry, log);
    if (!report) return;
    process.stdout.write(`${describeFlush(report, upload.spoolDir)}\n`);
    process.exitCode = report.spool.pending === 0 && report.rejected.length === 0 ? EXIT.ok : EXIT.gaps;
  },
});
