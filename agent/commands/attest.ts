import { writeFileSync } from 'node:fs';
import { renderAttestationTemplate } from '../../report/attest-template.ts';
import { judgeRun } from '../judge/judge.ts';
import { judgeFromArgs, REJUDGE_OPTIONS } from '../judge/judge-options.ts';
import { UsageError } from '../output.ts';
import { readRunDir } from '../run-dir/rundir.ts';
import { fsReason } from '../config/user-file.ts';
import { defineCommand } from './define.ts';

const templateCommand = defineCommand({
  command: 'template',
  describe: 'print (or write with --out) an attestation file listing every not-assessed requirement of a run, per component type',
  builder: (y) =>
    y
      .option('run', { type: 'string', demandOption: true, describe: 'run directory' })
      .option('out', { type: 'string', describe: 'write the template to this file (refuses to overwrite)' })
      .options(REJUDGE_OPTIONS),
  handler: (a) => {
    // Judged with the given statements, so a partly filled file yields a template of what is still open.
    const { judge, inputs } = judgeFromArgs(a);
    const result = judgeRun(readRunDir(a.run).run, judge, inputs);
    const text = renderAttestationTemplate(result, judge.profile.catalog);
    if (a.out === undefined) {
      process.stdout.write(text);
      return;
    }
    try {
      writeFileSync(a.out, text, { flag: 'wx' });
    } catch (err) {
      const exists = (err as NodeJS.ErrnoException).code === 'EEXIST';
      throw new UsageError(`${a.out}: cannot write the template: ${exists ? 'it exists, and a template never overwrites anything' : fsReason(err)}`);
    }
    process.stderr.write(`wrote ${a.out}\n`);
  },
});

export const attestCommand = defineCommand({
  command: 'attest',
  describe: 'operator attestations: `attest template --run DIR` lists what is left to attest',
  builder: (y) => y.command(templateCommand).demandCommand(1, 'name an action: template'),
  handler: () => undefined,
});
