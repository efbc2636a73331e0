import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

export interface RunningSshd {
  /** Everything sshd logged so far (it runs with -e: the log goes to stderr). */
  readonly log: () => string;
  stop(): Promise<void>;
}

/** Starts a real sshd in the foreground with a test config and waits until it listens (at most 5 s). */
export async function runSshd(path: string, config: string, user: { uid?: number; gid?: number } = {}): Promise<RunningSshd> {
  const child: ChildProcess = spawn(path, ['-D', '-e', '-f', config], { ...user, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sshd did not start within 5 s: ${log}`)), 5000);
    child.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes('Server listening')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`sshd could not be started (${path}): ${err.message}`));
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited with ${code}: ${log}`));
    });
  });
  return {
    log: () => log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill();
      await exited;
    },
  };
}

/** A TCP port free on `host` right now, for the sshd config (sshd cannot be told to pick one). */
export async function freePort(host: string): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, host, resolve));
  const p = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return p;
}
