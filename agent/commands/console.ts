import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { CommandModule } from 'yargs';
import { keyId, parsePublicKey } from '../../report/keys.ts';
import { UsageError } from '../output.ts';

// console/ is loaded only by these commands (lazily), so an agent never loads the service.

function readFileOption(file: string, option: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new UsageError(`--${option} ${file}: cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
}

/** "HOST:PORT" or "[v6]:PORT". */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  if (!host || !(port >= 0 && port <= 65535)) throw new UsageError(`--listen ${text}: expected HOST:PORT, e.g. 0.0.0.0:8443 or [::1]:8443`);
  return { host, port };
}

/** The store's errors (bad database file, a key enrolled twice) are the operator's to fix: exit 2. */
async function openStore(file: string) {
  const { ConsoleStore } = await import('../../console/store.ts');
  try {
    return new ConsoleStore(file);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

const enrollCommand: CommandModule = {
  command: 'enroll',
  describe: "enrol an agent's public key (prints the agent's bearer token once), or add a reader token",
  builder: (y) =>
    y
      .option('db', { type: 'string', demandOption: true, describe: 'console database (SQLite)' })
      .option('agent', { type: 'string', describe: 'agent id (as in the results: agent.id)' })
      .option('key', { type: 'string', describe: "the agent's public key (signing.pub from cellcheck keygen)" })
      .option('reader', { type: 'string', describe: 'name of a reader who may list and read results' })
      .check((a) => {
        if ((a.agent === undefined) === (a.reader === undefined)) throw new UsageError('give either --agent ID --key PUB, or --reader NAME');
        if (a.agent !== undefined && a.key === undefined) throw new UsageError('--agent needs --key PUB');
        return true;
      }),
  handler: async (argv) => {
    const a = argv as unknown as { db: string; agent?: string; key?: string; reader?: string };
    const store = await openStore(a.db);
    try {
      if (a.agent !== undefined && a.key !== undefined) {
        const key = parsePublicKey(readFileOption(a.key, 'key').toString('utf8'), a.key);
        const kid = await keyId(key);
        let token: string;
        try {
          token = store.enrollAgent(a.agent, key, kid, new Date());
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        process.stdout.write(
          `Enrolled agent ${a.agent} with key ${kid}.\nBearer token (shown once; give it to the agent as upload.tokenFile or upload.tokenEnv):\n${token}\n`,
        );
      } else if (a.reader !== undefined) {
        const token = store.addReader(a.reader, new Date());
        process.stdout.write(`Reader ${a.reader} added.\nBearer token (shown once):\n${token}\n`);
      }
    } finally {
      store.close();
    }
  },
};

export const consoleCommand: CommandModule = {
  command: 'console',
  describe: 'run the console ingest service (POST/GET /api/v1/results); `console enroll` adds agents and readers',
  builder: (y) =>
    y
      .command(enrollCommand)
      .option('db', { type: 'string', demandOption: true, describe: 'console database (SQLite; created if missing)' })
      .option('listen', { type: 'string', default: '127.0.0.1:8443', describe: 'HOST:PORT to listen on' })
      .option('tls-cert', { type: 'string', describe: "server certificate (PEM), issued by the operator's CA" })
      .option('tls-key', { type: 'string', describe: 'private key of the server certificate (PEM)' })
      .option('client-ca', { type: 'string', describe: 'require client certificates issued by this CA (PEM)' })
      .option('max-body-bytes', { type: 'number', default: 32 * 1024 * 1024, describe: 'largest accepted request body' }),
  handler: async (argv) => {
    const a = argv as unknown as { db: string; listen: string; tlsCert?: string; tlsKey?: string; clientCa?: string; maxBodyBytes: number };
    const listen = parseListen(a.listen);
    if ((a.tlsCert === undefined) !== (a.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
    if (a.tlsCert === undefined && !isLoopback(listen.host))
      throw new UsageError(`--listen ${a.listen}: plain HTTP only on a loopback address; give --tls-cert and --tls-key`);
    if (a.clientCa !== undefined && a.tlsCert === undefined) throw new UsageError('--client-ca needs TLS (--tls-cert and --tls-key)');
    if (!(Number.isInteger(a.maxBodyBytes) && a.maxBodyBytes > 0)) throw new UsageError('--max-body-bytes: a positive whole number of bytes');
    const tls =
      a.tlsCert !== undefined && a.tlsKey !== undefined
        ? {
            cert: readFileOption(a.tlsCert, 'tls-cert'),
            key: readFileOption(a.tlsKey, 'tls-key'),
            ...(a.clientCa ? { clientCa: readFileOption(a.clientCa, 'client-ca') } : {}),
          }
        : undefined;
    const { startConsole } = await import('../../console/server.ts');
    const store = await openStore(a.db);
    const running = await startConsole({
      store,
      ...listen,
      ...(tls ? { tls } : {}),
      maxBodyBytes: a.maxBodyBytes,
      log: (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`),
    });
    process.stderr.write(`cellcheck console listening on ${running.url} (database ${a.db})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await running.close();
    store.close();
  },
};
