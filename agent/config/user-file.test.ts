import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../profiles/user-error.ts';
import { ConfigError } from './config.ts';
import { readUserFile, readUserFileIfPresent } from './user-file.ts';

const dir = mkdtempSync(join(tmpdir(), 'cellcheck-user-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('reading a file the user named', () => {
  it('returns its bytes, or says which file, who named it and why in words', () => {
    writeFileSync(join(dir, 'token'), 'secret\n');
    expect(readUserFile(join(dir, 'token')).toString()).toBe('secret\n');
    const missing = join(dir, 'missing.yaml');
    expect(() => readUserFile(missing, { what: 'the config', error: ConfigError })).toThrow(
      new ConfigError(`${missing}: cannot read the config: no such file`),
    );
    expect(() => readUserFile(dir, { key: 'upload.tokenFile' })).toThrow(`upload.tokenFile: cannot read "${dir}": a folder, not a file`);
    expect(() => readUserFile(join(dir, 'token', 'below'))).toThrow(': a part of the path is not a folder');
  });

  it('throws the subclass asked for, which the CLI knows as a UserError', () => {
    let thrown: unknown;
    try {
      readUserFile(join(dir, 'nope'), { error: ConfigError });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConfigError);
    expect(thrown).toBeInstanceOf(UserError);
  });

  it('reads an absent file as undefined when absence is allowed, and still explains other failures', () => {
    expect(readUserFileIfPresent(join(dir, 'absent'))).toBeUndefined();
    expect(() => readUserFileIfPresent(dir, { what: 'the run lock' })).toThrow(`${dir}: cannot read the run lock: a folder, not a file`);
  });
});
