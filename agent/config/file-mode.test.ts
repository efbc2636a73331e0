import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readableByOthersWarning } from './file-mode.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-mode-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readableByOthersWarning', () => {
  it('warns about a world-readable file, naming it and the fix', () => {
    const file = join(dir, 'zone.yaml');
    writeFileSync(file, 'x');
    chmodSync(file, 0o644);
    expect(readableByOthersWarning(file, 'a config with SNMP communities')).toBe(
      `warning: ${file}: a config with SNMP communities is readable by every user on this machine (mode 644); chmod o-r ${file}`,
    );
  });

  it('stays quiet for a file only its owner and group can read, and for a missing file', () => {
    const file = join(dir, 'key');
    writeFileSync(file, 'x');
    chmodSync(file, 0o640);
    expect(readableByOthersWarning(file, 'a key file')).toBeUndefined();
    expect(readableByOthersWarning(join(dir, 'absent'), 'a key file')).toBeUndefined();
  });
});
