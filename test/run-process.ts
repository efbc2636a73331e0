import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export interface ProcessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Starts a command; `done` resolves with what it printed once it ends (tests of the CLI and the binary). */
export function startProcess(command: string, args: readonly string[], options: SpawnOptions): { child: ChildProcess; done: Promise<ProcessRun> } {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  child.stderr?.on('data', (b: Buffer) => {
    stderr += b.toString();
  });
  return { child, done: new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr }))) };
}

/** Runs a command to its end and collects what it printed. */
export function runProcess(command: string, args: readonly string[], options: SpawnOptions): Promise<ProcessRun> {
  return startProcess(command, args, options).done;
}

const CLI = join(resolve(import.meta.dirname, '..'), 'agent/cli.ts');

/** Starts the source tree's `cellcheck <args>` in `cwd`, colours off (NO_COLOR) unless `env` says otherwise. */
export function startCli(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): { child: ChildProcess; done: Promise<ProcessRun> } {
  return startProcess(process.execPath, [CLI, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });
}

/** Runs the source tree's `cellcheck <args>` in `cwd` to its end. */
export function runCli(args: readonly string[], cwd: string, env: Readonly<Record<string, string>> = {}): Promise<ProcessRun> {
  return startCli(args, cwd, env).done;
}

/** A console started by `startConsoleProcess`: its child, where it listens, and what it has logged so far. */
export interface ConsoleProcess {
  readonly child: ChildProcess;
  /** host:port */
  readonly listen: string;
  /** The request log (stdout), one JSON object a line. */
  logLines(): Record<string, unknown>[];
}

/**
 * Starts `cellcheck console --db <db> --listen <listen> [extra...]` in its own process; resolves
 * once it says where it listens, with that host:port (the port the system chose when `listen`
 * ends in `:0`).
 */
export function startConsoleProcess(db: string, listen: string, cwd: string, extra: readonly string[] = []): Promise<ConsoleProcess> {
  const child = spawn(process.execPath, [CLI, 'console', '--db', db, '--listen', listen, ...extra], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stdout?.on('data', (b: Buffer) => {
    stdout += b.toString();
  });
  const logLines = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return new Promise((ready, fail) => {
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
      const m = /listening on https?:\/\/(\S+)/.exec(stderr);
      if (m?.[1]) ready({ child, listen: m[1], logLines });
    });
    child.on('exit', (code) => fail(new Error(`console exited ${code}: ${stderr}`)));
  });
}
