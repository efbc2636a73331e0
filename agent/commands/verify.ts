import { statSync } from 'node:fs';
import { join } from 'node:path';
import { verifySignedResult } from '../../report/sign.ts';
import { EXIT, UsageError } from '../output.ts';
import { RUN_FILES } from '../rundir.ts';
import { loadTrustedKeys, readSignedFile } from '../signing.ts';
import { defineCommand } from './define.ts';

export const verifyCommand = defineCommand({
  command: 'verify <file>',
  describe: 'check a signed result (a file or a run directory): exit 0 only if intact and signed by a known key, else 1',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'result.signed.json, or the run directory holding it' })
      .option('key', { type: 'string', describe: 'trusted public key (PEM or JWK)' })
      .option('keys', { type: 'string', describe: 'trusted public keys (JWKS file)' })
      .conflicts('key', 'keys'),
  handler: async (a) => {
    if (a.key === undefined && a.keys === undefined) throw new UsageError('verify needs the trusted key: --key PUB or --keys JWKS');
    let file = a.file;
    try {
      if (statSync(file).isDirectory()) file = join(file, RUN_FILES.signed);
    } catch {
      // readSignedFile names the missing file
    }
    const keys = await loadTrustedKeys(a.key === undefined ? { jwks: a.keys ?? '' } : { key: a.key });
    const v = await verifySignedResult(JSON.parse(readSignedFile(file)), keys);
    if (!v.ok) {
      process.stderr.write(`cellcheck: ${file}: NOT verified (${v.failure}): ${v.reason}\n`);
      process.exitCode = EXIT.gaps;
      return;
    }
    const h = v.header;
    process.stdout.write(`${file}: verified: run ${h.runId} of agent ${h.agentId}, collected ${h.collectedAt}, signed with ${h.alg} by key ${h.kid}\n`);
    process.exitCode = EXIT.ok;
  },
});
