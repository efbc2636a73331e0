import type { KeyObject } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../config/config.ts';
import type { RetryPolicy, UploadConfig } from './delivery-config.ts';
import { UsageError } from '../output.ts';
import { RUN_FILES } from '../run-dir/rundir.ts';
import { readSignedFile, signRunDir } from './signing.ts';
import { Spool, type SpoolStatus } from './spool.ts';
import { postSignedResult, type UploadOutcome, type UploadTarget } from './upload.ts';
import { readUserFile } from '../config/user-file.ts';

/** Clock, randomness, waiting and the network, injected so tests control them. */
export interface DeliveryDeps {
  readonly random?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly post?: (body: string, target: UploadTarget) => Promise<UploadOutcome>;
  /** Progress lines (never a secret). */
  readonly log?: (line: string) => void;
}

export interface FlushReport {
  readonly acknowledged: readonly string[];
  readonly rejected: readonly { readonly runId: string; readonly reason: string }[];
  /** Waits between failed tries, in order. */
  readonly delaysMs: readonly number[];
  readonly lastError?: string;
  readonly spool: SpoolStatus;
}

/** Exponential backoff with equal jitter: half the step fixed, half random, so agents spread out. */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + (random() * step) / 2);
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Sends spooled results oldest first until the spool is empty or `policy.attempts` tries in a row
 * failed; acknowledged entries are removed, refused ones moved aside, the rest stay for next time.
 */
export async function flushSpool(spool: Spool, target: UploadTarget, policy: RetryPolicy, deps: DeliveryDeps = {}): Promise<FlushReport> {
  const post = deps.post ?? postSignedResult;
  const sleep = deps.sleep ?? realSleep;
  const random = deps.random ?? Math.random;
  const acknowledged: string[] = [];
  const rejected: { runId: string; reason: string }[] = [];
  const delaysMs: number[] = [];
  let failures = 0;
  let lastError: string | undefined;
  for (let entry = spool.entries()[0]; entry; entry = spool.entries()[0]) {
    const outcome = await post(spool.read(entry), target);
    if (outcome.kind === 'acknowledged') {
      spool.acknowledge(entry);
      acknowledged.push(entry.runId);
      deps.log?.(`upload: ${entry.runId} ${outcome.duplicate ? 'was already at the console' : 'stored by the console'}`);
      failures = 0;
    } else if (outcome.kind === 'rejected') {
      spool.reject(entry, outcome.reason);
      rejected.push({ runId: entry.runId, reason: outcome.reason });
      deps.log?.(`upload: ${entry.runId} refused by the console (${outcome.reason}); kept in ${join(spool.dir, 'rejected')}`);
    } else {
      failures += 1;
      lastError = outcome.reason;
      if (failures >= policy.attempts) {
        deps.log?.(`upload: try ${failures} failed (${outcome.reason}); giving up for now, results stay spooled`);
        break;
      }
      const delay = backoffDelay(failures, policy, random);
      delaysMs.push(delay);
      deps.log?.(`upload: try ${failures} failed (${outcome.reason}); next in ${(delay / 1000).toFixed(1)} s`);
      await sleep(delay);
    }
  }
  return { acknowledged, rejected, delaysMs, ...(lastError === undefined ? {} : { lastError }), spool: spool.status() };
}

function readSecretFile(file: string, key: string): Buffer {
  return readUserFile(file, { key: `upload.${key}`, error: ConfigError });
}

/** Turns the config's upload section into a target, reading token, CA and client certificate files. */
export function uploadTarget(upload: UploadConfig, env: NodeJS.ProcessEnv = process.env): UploadTarget {
  let token: string | undefined = upload.token;
  if (upload.tokenFile !== undefined) token = readSecretFile(upload.tokenFile, 'tokenFile').toString('utf8').trim();
  if (upload.tokenEnv !== undefined) {
    token = env[upload.tokenEnv]?.trim();
    if (!token) throw new ConfigError(`upload.tokenEnv: the environment variable ${upload.tokenEnv} is not set`);
  }
  if (!token) throw new ConfigError('upload: the bearer token is empty');
  return {
    url: new URL(upload.url),
    token,
    timeoutMs: upload.timeoutMs,
    proxyEnv: env,
    ...(upload.caFile ? { ca: readSecretFile(upload.caFile, 'caFile') } : {}),
    ...(upload.certFile ? { cert: readSecretFile(upload.certFile, 'certFile') } : {}),
    ...(upload.keyFile ? { key: readSecretFile(upload.keyFile, 'keyFile') } : {}),
  };
}

export interface DeliveryOptions {
  /** Signs the run when it has no signed result yet. */
  readonly key?: KeyObject;
  readonly upload?: { readonly target: UploadTarget; readonly spoolDir: string; readonly retry: RetryPolicy };
}

export interface Delivery {
  readonly signedFile?: string;
  readonly upload?: FlushReport;
}

/**
 * Signs a run directory, then (when an upload is set) spools the signed result and flushes the
 * spool. The one call a scheduler needs per run. Safe to repeat after a crash at any point: the
 * signed file is reused byte for byte and the console treats an identical re-send as a duplicate.
 */
export async function deliverRun(runDir: string, options: DeliveryOptions, deps: DeliveryDeps = {}): Promise<Delivery> {
  if (!options.key && !options.upload) return {};
  const signedPath = join(runDir, RUN_FILES.signed);
  let signed: { file: string; text: string };
  if (options.key) signed = await signRunDir(runDir, options.key);
  else if (existsSync(signedPath)) signed = { file: signedPath, text: readSignedFile(signedPath) };
  else throw new UsageError(`${runDir}: not signed yet, and the console takes only signed results: give a key (--key or signing.keyFile)`);
  if (!options.upload) return { signedFile: signed.file };
  const spool = new Spool(options.upload.spoolDir);
  spool.put(signed.text);
  return { signedFile: signed.file, upload: await flushSpool(spool, options.upload.target, options.upload.retry, deps) };
}

/** One line on what an upload achieved and what still waits, for the terminal and logs. */
export function describeFlush(report: FlushReport, spoolDir: string): string {
  const s = report.spool;
  const parts = [`${report.acknowledged.length} delivered`, `${s.pending} waiting in ${spoolDir} (${s.pendingBytes} bytes)`];
  if (s.rejected > 0) parts.push(`${s.rejected} refused by the console, kept in ${join(spoolDir, 'rejected')}`);
  if (report.lastError && s.pending > 0) parts.push(`last error: ${report.lastError}`);
  return `Upload: ${parts.join('; ')}`;
}
