import { writeKeyPair } from '../delivery/signing.ts';
import { defineCommand } from './define.ts';

export const keygenCommand = defineCommand({
  command: 'keygen',
  describe: 'make an Ed25519 signing key pair for this agent (refuses to overwrite) and print its key id',
  builder: (y) => y.option('out', { type: 'string', demandOption: true, describe: 'folder for signing.key (mode 0600) and signing.pub' }),
  handler: async (a) => {
    const k = await writeKeyPair(a.out);
    process.stdout.write(
      `Private key: ${k.privateFile} (mode 0600; it never leaves this agent)\n` +
        `Public key:  ${k.publicFile} (enrol it: cellcheck console enroll --agent <agent id> --key ${k.publicFile} --zone <zone>)\n` +
        `Key id:      ${k.kid}\n`,
    );
  },
});
