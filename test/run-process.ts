import { type SpawnOptions, spawn } from 'node:child_process';

export interface ProcessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end and collects what it printed (tests of the CLI and the binary). */
export function runProcess(command: string, args: readonly string[], options: SpawnOptions): Promise<ProcessRun> {
  return new Promise((done) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => {
      stdout += b.toString();
    });
    child.stderr?.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}
