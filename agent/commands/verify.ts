import { basename } from 'node:path';
import { verifySignedResult } from '../../report/sign.ts';
import { EXIT, UsageError } from '../output.ts';
import { fileOrRunDirFile, RUN_FILES } from '../run-dir/rundir.ts';
import { loadTrustedKeys, readSignedFile } from '../delivery/signing.ts';
import { checkRunFiles } from '../delivery/verify-run.ts';
import { defineCommand } from './define.ts';

export const verifyCommand = defineCommand({
  command: 'verify <file>',
  describe:
    'check a signed result (a file or a run directory, whose result.json and reports must match the signed payload): exit 0 only if intact and signed by a known key, else 1',
  builder: (y) =>
    y
      .positional('file', { type: 'string', demandOption: true, describe: 'result.signed.json, or the run directory holding it' })
      .option('key', { type: 'string', describe: 'trusted public key (PEM or JWK)' })
      .option('keys', { type: 'string', describe: 'trusted public keys (JWKS file)' })
      .conflicts('key', 'keys'),
  handler: async (a) => {
    if (a.key === undefined && a.keys === undefined) throw new UsageError('verify needs the trusted key: --key PUB or --keys JWKS');
    const file = fileOrRunDirFile(a.file, RUN_FILES.signed);
    const runDir = file === a.file ? undefined : a.file;
    const keys = await loadTrustedKeys(a.key === undefined ? { jwks: a.keys ?? '' } : { key: a.key });
    const v = await verifySignedResult(JSON.parse(readSignedFile(file)), keys);
    if (!v.ok) {
      process.stderr.write(`cellcheck: ${file}: NOT verified (${v.failure}): ${v.reason}\n`);
      process.exitCode = EXIT.gaps;
      return;
    }
    // A run directory is intact only when what people read in it is what was signed.
    const files = runDir === undefined ? [] : checkRunFiles(runDir, v);
    const changed = files.filter((c) => c.state === 'differs' || c.state === 'missing');
    for (const c of changed)
      process.stderr.write(`cellcheck: ${c.file}: NOT verified (${c.state === 'missing' ? 'missing' : 'changed'})${c.detail ? `: ${c.detail}` : ''}\n`);
    if (changed.length > 0) {
      process.exitCode = EXIT.gaps;
      return;
    }
    const h = v.header;
    process.stdout.write(`${file}: verified: run ${h.runId} of agent ${h.agentId}, collected ${h.collectedAt}, signed with ${h.alg} by key ${h.kid}\n`);
    const same = files.filter((c) => c.state === 'same').map((c) => basename(c.file));
    if (same.length > 0) process.stdout.write(`${runDir}: ${same.join(', ')} match the signed payload\n`);
    for (const c of files.filter((f) => f.state === 'unchecked')) process.stdout.write(`${c.file}: not checked: ${c.detail ?? ''}\n`);
    process.exitCode = EXIT.ok;
  },
});
