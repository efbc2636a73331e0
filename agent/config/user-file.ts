import { readFileSync } from 'node:fs';
import { UserError } from '../../profiles/user-error.ts';

/** What the common error codes mean, for a person who named the file. */
const MEANING: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EISDIR: 'a folder, not a file',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
  EMFILE: 'too many open files',
};

export interface UserFileOptions {
  /** The config key or option that named the file (`upload.tokenFile`, `--tls-cert`): the message starts with it. */
  readonly key?: string;
  /** What the file is, when the message should say so: "the config". */
  readonly what?: string;
  /** The UserError subclass to throw. */
  readonly error?: new (
    message: string,
  ) => UserError;
}

/** Why a file system call failed, in words: the meaning of a common code, else the system's own message. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  return (code === undefined ? undefined : MEANING[code]) ?? (err instanceof Error ? err.message : String(err));
}

function explain(file: string, err: unknown, o: UserFileOptions): UserError {
  const why = fsReason(err);
  const reading = `cannot read${o.what ? ` ${o.what}` : ''}`;
  return new (o.error ?? UserError)(o.key ? `${o.key}: ${reading} "${file}": ${why}` : `${file}: ${reading}: ${why}`);
}

/** Reads a file the user named, or throws a UserError that says which file, who named it and why it cannot be read. */
export function readUserFile(file: string, o: UserFileOptions = {}): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw explain(file, err, o);
  }
}

/** As `readUserFile`, but a file that does not exist is `undefined`. */
export function readUserFileIfPresent(file: string, o: UserFileOptions = {}): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw explain(file, err, o);
  }
}
