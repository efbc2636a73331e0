import { explainRequirement, renderExplanation } from '../../report/explain.ts';
import { judgeRun } from '../judge/judge.ts';
import { judgeFromArgs, REJUDGE_OPTIONS } from '../judge/judge-options.ts';
import { UsageError } from '../output.ts';
import { RunDirError, readRunDir, readTranscript } from '../run-dir/rundir.ts';
import { defineCommand } from './define.ts';

export const explainCommand = defineCommand({
  command: 'explain <run> <device> <requirement>',
  describe: 'walk one requirement of one device back through checks and facts to the recorded bytes that decided it',
  builder: (y) =>
    y
      .positional('run', { type: 'string', demandOption: true, describe: 'run directory' })
      .positional('device', { type: 'string', demandOption: true, describe: 'device address or config name' })
      .positional('requirement', { type: 'string', demandOption: true, describe: 'requirement id, e.g. "CR 4.1"' })
      .options(REJUDGE_OPTIONS)
      .option('bytes', { type: 'number', default: 64, describe: 'bytes of hex shown per transcript entry (0: all that was recorded)' })
      .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'text, or the explanation as JSON' }),
  handler: (a) => {
    const { judge, inputs } = judgeFromArgs(a);
    const { run } = readRunDir(a.run);
    const result = judgeRun(run, judge, inputs);
    const device = result.devices.find((d) => d.address === a.device || d.name === a.device);
    if (!device)
      throw new UsageError(`device "${a.device}" is not in run ${result.runId} (devices: ${result.devices.map((d) => d.name ?? d.address).join(', ')})`);
    const entry = judge.profile.catalog.byId.get(a.requirement.trim().replace(/\s+/g, ' '));
    if (!entry) throw new UsageError(`"${a.requirement}" is not a requirement id of the catalog (e.g. "CR 4.1", "CR 1.1 RE(1)")`);
    const observation = run.observations.find((o) => o.address === device.address);
    if (!observation) throw new RunDirError(`${a.run}: no observation of ${device.address}`);
    const explanation = explainRequirement(device, entry, observation, readTranscript(a.run, device.address));
    process.stdout.write(a.format === 'json' ? `${JSON.stringify(explanation, null, 2)}\n` : renderExplanation(explanation, { bytesPerEntry: a.bytes }));
  },
});
