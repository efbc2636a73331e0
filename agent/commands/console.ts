import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { keyId, parsePublicKey } from '../../report/keys.ts';
import { UsageError } from '../output.ts';
import { readUserFile } from '../config/user-file.ts';
import { defineCommand } from './define.ts';

// console/ is loaded only by these commands (lazily), so an agent never loads the service.

function readFileOption(file: string, option: string): Buffer {
  return readUserFile(file, { key: `--${option}`, error: UsageError });
}

/** "HOST:PORT" or "[v6]:PORT". */
export function parseListen(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const port = Number(m?.[3]);
  const host = m?.[1] ?? m?.[2];
  if (!host || !(port >= 0 && port <= 65535)) throw new UsageError(`--listen ${text}: expected HOST:PORT, e.g. 0.0.0.0:8443 or [::1]:8443`);
  return { host, port };
}

/** The store's errors (bad database file, a key enrolled twice) are UserErrors: the CLI prints them and exits 2. */
async function openStore(location: string, policy?: { idleMs: number; absoluteMs: number }) {
  const { ConsoleStore } = await import('../../console/store.ts');
  return ConsoleStore.open(location, policy);
}

const DB_OPTION = { type: 'string', demandOption: true, describe: 'console database: a SQLite file, or postgres://user@host/db' } as const;

/**
 * A password from an environment variable named by the operator, or from standard input (first
 * line; not echoed on a terminal). Never from argv, where other users and shell history see it.
 */
async function readPassword(envName: string | undefined): Promise<string> {
  if (envName !== undefined) {
    const value = process.env[envName];
    if (value === undefined) throw new UsageError(`--password-env ${envName}: the variable is not set`);
    return value;
  }
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write('Password: ');
    stdin.setRawMode(true);
    let typed = '';
    try {
      for await (const chunk of stdin) {
        const text = String(chunk);
        if (text === '\u0003') throw new UsageError('cancelled');
        const end = text.search(/[\r\n]/);
        typed += end === -1 ? text : text.slice(0, end);
        if (end !== -1) break;
      }
    } finally {
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
    }
    return typed;
  }
  let all = '';
  for await (const chunk of stdin) all += String(chunk);
  return all.split(/\r?\n/)[0] ?? '';
}

const userCommand = defineCommand({
  command: 'user <action>',
  describe: 'people who log in to the web console: add (password from stdin or --password-env), delete, list',
  builder: (y) =>
    y
      .positional('action', { choices: ['add', 'delete', 'list'] as const, describe: 'what to do' })
      .option('db', DB_OPTION)
      .option('name', { type: 'string', describe: 'user name (login)' })
      .option('role', {
        choices: ['viewer', 'engineer', 'admin'] as const,
        describe: 'viewer reads; engineer also deletes runs; admin also manages users and reads the audit log',
      })
      .option('password-env', { type: 'string', describe: 'read the password from this environment variable instead of stdin' })
      .check((a) => {
        if (a.action !== 'list' && a.name === undefined) throw new UsageError(`user ${String(a.action)} needs --name`);
        if (a.action === 'add' && a.role === undefined) throw new UsageError('user add needs --role viewer|engineer|admin');
        return true;
      }),
  handler: async (a) => {
    const store = await openStore(a.db);
    try {
      if (a.action === 'list') {
        for (const u of await store.accounts.listUsers()) process.stdout.write(`${u.name}\t${u.role}\t${u.createdAt}\n`);
      } else if (a.action === 'add' && a.name !== undefined && a.role !== undefined) {
        await store.accounts.addUser(a.name, await readPassword(a.passwordEnv), a.role, 'cli', new Date());
        process.stdout.write(`User ${a.name} added with role ${a.role}.\n`);
      } else if (a.action === 'delete' && a.name !== undefined) {
        await store.accounts.deleteUser(a.name, 'cli', new Date());
        process.stdout.write(`User ${a.name} deleted; their sessions ended.\n`);
      }
    } finally {
      await store.close();
    }
  },
});

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (net.isIPv4(host) && host.startsWith('127.'));
}

const enrollCommand = defineCommand({
  command: 'enroll',
  describe: "enrol an agent's public key (prints the agent's bearer token once), or add a reader token",
  builder: (y) =>
    y
      .option('db', DB_OPTION)
      .option('agent', { type: 'string', describe: 'agent id (as in the results: agent.id)' })
      .option('key', { type: 'string', describe: "the agent's public key (signing.pub from cellcheck keygen)" })
      .option('zone', {
        type: 'string',
        array: true,
        describe:
          "with --agent: a zone whose results the agent may post (repeatable; '*' for every zone). Replaces its zones; a re-enrolment without --zone keeps them",
      })
      .option('reader', { type: 'string', describe: 'name of a reader who may list and read results' })
      .check((a) => {
        if ((a.agent === undefined) === (a.reader === undefined)) throw new UsageError('give either --agent ID --key PUB --zone ZONE, or --reader NAME');
        if (a.agent !== undefined && a.key === undefined) throw new UsageError('--agent needs --key PUB');
        if (a.reader !== undefined && a.zone !== undefined) throw new UsageError('--zone goes with --agent: a reader reads every zone');
        return true;
      }),
  handler: async (a) => {
    const store = await openStore(a.db);
    try {
      if (a.agent !== undefined && a.key !== undefined) {
        const key = parsePublicKey(readFileOption(a.key, 'key').toString('utf8'), a.key);
        const kid = await keyId(key);
        const token = await store.enrollAgent(a.agent, key, kid, new Date(), a.zone ? { zones: a.zone } : {});
        const zones = await store.agentZones(a.agent);
        process.stdout.write(
          `Enrolled agent ${a.agent} with key ${kid}; it may post results of ${zones.includes('*') ? 'every zone' : `zone(s) ${zones.join(', ')}`}.\nBearer token (shown once; give it to the agent as upload.tokenFile or upload.tokenEnv):\n${token}\n`,
        );
      } else if (a.reader !== undefined) {
        const token = await store.addReader(a.reader, new Date());
        process.stdout.write(`Reader ${a.reader} added.\nBearer token (shown once):\n${token}\n`);
      }
    } finally {
      await store.close();
    }
  },
});

const zonesCommand = defineCommand({
  command: 'zones <action> [file]',
  describe:
    'the zone and conduit model: export the model in force (JSON, report/zone-model.schema.json), or import a file as a proposal another engineer approves in the web console',
  builder: (y) =>
    y
      .positional('action', { choices: ['export', 'import'] as const, describe: 'what to do' })
      .positional('file', { type: 'string', describe: 'import: the model file (YAML or JSON); export: where to write it (default: standard output)' })
      .option('db', DB_OPTION)
      .option('summary', { type: 'string', describe: 'import: what the change is, for the reviewer and the audit log' })
      .check((a) => {
        if (a.action === 'import' && (a.file === undefined || a.summary === undefined)) throw new UsageError('zones import needs FILE and --summary TEXT');
        return true;
      }),
  handler: async (a) => {
    const { modelInForce, modelText, parseModelText, proposeModel } = await import('../../console/zone-model-store.ts');
    const store = await openStore(a.db);
    try {
      if (a.action === 'export') {
        const inForce = await modelInForce(store);
        if (!inForce) throw new UsageError(`${store.db.location}: no zone model is approved yet`);
        if (a.file === undefined) process.stdout.write(modelText(inForce.model));
        else writeFileSync(a.file, modelText(inForce.model));
        process.stderr.write(`Zone model ${inForce.proposal.id}, approved by ${inForce.proposal.decidedBy ?? '?'} at ${inForce.proposal.decidedAt ?? '?'}.\n`);
      } else if (a.file !== undefined && a.summary !== undefined) {
        const model = parseModelText(readFileOption(a.file, 'file').toString('utf8'), a.file);
        // The command line acts as `cli` with an admin's rights, as for enrolment; the approval needs a person in the web console.
        const p = await proposeModel(store, model, a.summary, { user: 'cli', role: 'admin' }, new Date());
        process.stdout.write(
          `Proposed zone model ${p.id} (${model.zones.length} zone(s)); an engineer or admin approves it in the web console (Zone model page).\n`,
        );
      }
    } finally {
      await store.close();
    }
  },
});

export const consoleCommand = defineCommand({
  command: 'console',
  describe: 'run the console: web UI for people, ingest API for agents; `console enroll` adds agents and readers, `console user` people',
  builder: (y) =>
    y
      .command(enrollCommand)
      .command(userCommand)
      .command(zonesCommand)
      .option('db', { ...DB_OPTION, describe: 'console database: a SQLite file (created if missing), or postgres://user@host/db' })
      .option('session-idle-minutes', { type: 'number', default: 30, describe: 'a web session unused this long ends' })
      .option('session-max-hours', { type: 'number', default: 12, describe: 'a web session ends this long after login, used or not' })
      .option('max-clock-skew-minutes', {
        type: 'number',
        default: 10,
        describe: "refuse a result collected more than this far ahead of the console's clock",
      })
      .option('listen', { type: 'string', default: '127.0.0.1:8443', describe: 'HOST:PORT to listen on' })
      .option('tls-cert', { type: 'string', describe: "server certificate (PEM), issued by the operator's CA" })
      .option('tls-key', { type: 'string', describe: 'private key of the server certificate (PEM)' })
      .option('client-ca', { type: 'string', describe: 'require client certificates issued by this CA (PEM)' })
      .option('max-body-bytes', { type: 'number', default: 32 * 1024 * 1024, describe: 'largest accepted request body' })
      .option('trust-proxy', {
        type: 'string',
        array: true,
        describe: 'address of a reverse proxy whose X-Forwarded-For names the client, so login throttling counts each client, not the proxy (repeatable)',
      })
      .option('max-inflight-bytes', {
        type: 'number',
        describe: 'upload bytes held in memory at once across all requests; beyond it uploads get 503 and are sent again (default: twice --max-body-bytes)',
      }),
  handler: async (a) => {
    const listen = parseListen(a.listen);
    if ((a.tlsCert === undefined) !== (a.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
    if (a.tlsCert === undefined && !isLoopback(listen.host))
      throw new UsageError(`--listen ${a.listen}: plain HTTP only on a loopback address; give --tls-cert and --tls-key`);
    if (a.clientCa !== undefined && a.tlsCert === undefined) throw new UsageError('--client-ca needs TLS (--tls-cert and --tls-key)');
    if (!(Number.isInteger(a.maxBodyBytes) && a.maxBodyBytes > 0)) throw new UsageError('--max-body-bytes: a positive whole number of bytes');
    if (a.maxInflightBytes !== undefined && !(Number.isInteger(a.maxInflightBytes) && a.maxInflightBytes >= a.maxBodyBytes))
      throw new UsageError('--max-inflight-bytes: a whole number of bytes, at least --max-body-bytes');
    const badProxy = (a.trustProxy ?? []).find((p) => net.isIP(p) === 0);
    if (badProxy !== undefined) throw new UsageError(`--trust-proxy ${badProxy}: an IP address, as the proxy connects from`);
    if (!(a.sessionIdleMinutes > 0 && a.sessionIdleMinutes <= 24 * 60)) throw new UsageError('--session-idle-minutes: more than 0, at most 1440');
    if (!(a.sessionMaxHours > 0 && a.sessionMaxHours <= 7 * 24)) throw new UsageError('--session-max-hours: more than 0, at most 168');
    if (!(a.maxClockSkewMinutes >= 0 && a.maxClockSkewMinutes <= 24 * 60)) throw new UsageError('--max-clock-skew-minutes: 0 to 1440');
    const tls =
      a.tlsCert !== undefined && a.tlsKey !== undefined
        ? {
            cert: readFileOption(a.tlsCert, 'tls-cert'),
            key: readFileOption(a.tlsKey, 'tls-key'),
            ...(a.clientCa ? { clientCa: readFileOption(a.clientCa, 'client-ca') } : {}),
          }
        : undefined;
    const { startConsole } = await import('../../console/server.ts');
    const store = await openStore(a.db, { idleMs: a.sessionIdleMinutes * 60_000, absoluteMs: a.sessionMaxHours * 3600_000 });
    const running = await startConsole({
      store,
      ...listen,
      ...(tls ? { tls } : {}),
      maxBodyBytes: a.maxBodyBytes,
      ...(a.maxInflightBytes !== undefined ? { maxInFlightBytes: a.maxInflightBytes } : {}),
      maxClockSkewMs: a.maxClockSkewMinutes * 60_000,
      ...(a.trustProxy ? { trustedProxies: a.trustProxy } : {}),
      log: (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`),
    });
    process.stderr.write(`cellcheck console listening on ${running.url} (database ${store.db.location})\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
    await running.close();
    await store.close();
  },
});
