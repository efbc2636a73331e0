import { randomInt } from 'node:crypto';
import type * as NetSnmp from 'net-snmp';
import { passGate } from '../gate.ts';
import { StepTimer } from '../step-timer.ts';
import type { ProbeContext } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import type { SnmpChannel } from './channel.ts';
import type { DiscoveryReport } from './ber.ts';
import { encodeDiscoveryRequest, parseDiscoveryReport, peekMessage } from './ber.ts';
import type { WalkMethod, WalkStop } from './facts.ts';
import type { SnmpV3Credentials } from './options.ts';

/**
 * The only importer of net-snmp. It exposes reads only (GET, GETNEXT, GETBULK and the v3 engine
 * discovery): no method sends a SET, so a write cannot be expressed through it. Everything goes
 * over the probe run's one SnmpChannel, which records every datagram in and out.
 */

export type { SnmpV3Credentials } from './options.ts';

export type SnmpAccess = { readonly version: 'v1' | 'v2c'; readonly community: string } | { readonly version: 'v3'; readonly credentials: SnmpV3Credentials };

/** OctetString/Opaque as bytes, integer types as numbers, IpAddress/OID/Counter64 as text; null when the agent has no value. */
export type SnmpValue = Buffer | number | string | boolean | null;

export interface SnmpVarbind {
  readonly oid: string;
  readonly value: SnmpValue;
}

export interface ColumnWalk {
  /** Row index (OID suffix after the column) -> one value per requested column, in OID order. */
  readonly rows: ReadonlyMap<string, readonly (SnmpValue | undefined)[]>;
  readonly stop: WalkStop;
  /** The way of reading the walk ended with (the last fallback it took). */
  readonly method: WalkMethod;
  readonly requests: number;
}

/** Shared by all walks of one probe run, so the whole run stays bounded. */
export interface VarbindBudget {
  remaining: number;
}

export interface EngineReport {
  readonly engineId: Buffer;
  readonly engineBoots: number;
  readonly engineTime: number;
  readonly reportOid?: string;
}

/** The agent rejected SNMPv3 credentials (a USM Report), as opposed to not answering. */
export class SnmpAuthRejected extends ProbeUnavailable {
  readonly reason: 'unknown-user' | 'wrong-digest' | 'unsupported-security-level' | 'not-in-time-window' | 'decryption-error' | 'other';
  constructor(reason: SnmpAuthRejected['reason'], detail: string) {
    super('denied', detail);
    this.reason = reason;
  }
}

/** The agent answered a read with genErr or tooBig: it could not serve that request, another may work. */
export class SnmpRequestRefused extends ProbeUnavailable {}

/** Rows fetched per GETBULK; small, so replies stay far below typical path MTUs of old devices. */
const BULK_REPETITIONS = 8;
/** Repetitions of the second try, for agents whose reply to eight rows is too big for them. */
const FEWER_REPETITIONS = 2;

interface WalkStep {
  readonly method: WalkMethod;
  readonly pdu: 'getbulk' | 'getnext';
  readonly perColumn: boolean;
  readonly repetitions: number;
}

/** The fallback ladder of a table walk, first rung first (see WALK_METHODS). */
const WALK_LADDER: Readonly<Record<'bulk' | 'v1', readonly WalkStep[]>> = {
  bulk: [
    { method: 'getbulk', pdu: 'getbulk', perColumn: false, repetitions: BULK_REPETITIONS },
    { method: 'getbulk-fewer', pdu: 'getbulk', perColumn: false, repetitions: FEWER_REPETITIONS },
    { method: 'getbulk-per-column', pdu: 'getbulk', perColumn: true, repetitions: BULK_REPETITIONS },
    { method: 'getnext-per-column', pdu: 'getnext', perColumn: true, repetitions: 1 },
  ],
  v1: [
    { method: 'getnext', pdu: 'getnext', perColumn: false, repetitions: 1 },
    { method: 'getnext-per-column', pdu: 'getnext', perColumn: true, repetitions: 1 },
  ],
};
function budgetSpent(): ProbeUnavailable {
  return new ProbeUnavailable('budget', 'device time budget spent during an SNMP exchange');
}

/** How long to wait for one answer: the step timeout, or less once the device has shown its round trip. */
function answerWaitMs(ctx: ProbeContext): number {
  return ctx.roundTrips?.waitMs(ctx.stepTimeoutMs) ?? ctx.stepTimeoutMs;
}

/**
 * SNMPv3 engine discovery without credentials: one unauthenticated, reportable GET with no
 * variables. The Report carries the engine ID, boots and time; an answer proves v3 is enabled.
 */
export async function discoverEngine(channel: SnmpChannel, onSent?: () => void): Promise<EngineReport> {
  const { ctx, probe } = channel;
  if (ctx.signal.aborted) throw budgetSpent();
  await passGate(ctx, probe, 'snmp.discovery');
  if (ctx.signal.aborted) throw budgetSpent();
  const msgId = randomInt(1, 0x7fffffff);
  const request = encodeDiscoveryRequest(msgId, randomInt(1, 0x7fffffff));
  const step = new StepTimer<EngineReport>({ signal: ctx.signal, end: (s) => s.fail(budgetSpent()) });
  const wait = answerWaitMs(ctx);
  step.arm(wait, `no SNMPv3 discovery answer from ${ctx.address}:${ctx.port} within ${wait} ms`);
  const sent = performance.now();
  const detach = channel.attach({
    owns: (id) => id === msgId,
    message: (datagram) => {
      let report: DiscoveryReport;
      try {
        report = parseDiscoveryReport(datagram);
      } catch (err) {
        step.fail(err);
        return;
      }
      ctx.roundTrips?.record(performance.now() - sent);
      step.resolve(report);
    },
    failure: (failure) => step.fail(failure),
  });
  channel
    .send({ op: 'snmp.discovery', text: 'SNMPv3 engine discovery (no user, no authentication, reportable)' }, request)
    .then(onSent, (err) => step.fail(err));
  try {
    return await step.done;
  } finally {
    detach();
  }
}

/** net-snmp, set by the first SnmpReader.open: starting the agent (`--help`) does not load it. */
let snmp: typeof NetSnmp;

const USM_REASONS: Record<string, SnmpAuthRejected['reason']> = {
  'Unknown User Name': 'unknown-user',
  'Wrong Digest (incorrect password, community or key)': 'wrong-digest',
  'Unsupported Security Level': 'unsupported-security-level',
  'Not In Time Window': 'not-in-time-window',
  'Decryption Error': 'decryption-error',
};

/** net-snmp error classes -> typed failures. */
function failureOf(err: unknown): ProbeUnavailable {
  if (err instanceof ProbeUnavailable) return err;
  if (!(err instanceof Error)) return new ProbeUnavailable('error', String(err));
  switch (err.name) {
    case 'RequestTimedOutError':
      return new ProbeUnavailable('timeout', 'no SNMP answer within the step timeout');
    case 'RequestFailedError': {
      const status = (err as { status?: number }).status;
      if (status === snmp.ErrorStatus.NoSuchName) return new ProbeUnavailable('not-supported', `agent error status noSuchName: ${err.message}`);
      if (status === snmp.ErrorStatus.AuthorizationError || status === snmp.ErrorStatus.NoAccess)
        return new ProbeUnavailable('denied', `agent refused the read: ${err.message}`);
      if (status === snmp.ErrorStatus.GeneralError || status === snmp.ErrorStatus.TooBig)
        return new SnmpRequestRefused('error', `agent error status: ${err.message}`);
      return new ProbeUnavailable('error', `agent error status: ${err.message}`);
    }
    case 'ResponseInvalidError': {
      const code = (err as { code?: number }).code;
      if (code === snmp.ResponseInvalidCode.EAuthFailure)
        return new SnmpAuthRejected(USM_REASONS[err.message] ?? 'other', `SNMPv3 credentials rejected: ${err.message}`);
      return new ProbeUnavailable('malformed', `invalid SNMP answer: ${err.message}`);
    }
    default:
      return new ProbeUnavailable('error', err.message);
  }
}

function normalise(vb: NetSnmp.Varbind): SnmpVarbind {
  if (snmp.isVarbindError(vb)) return { oid: vb.oid, value: null };
  const v = vb.value;
  if (v === undefined || v === null) return { oid: vb.oid, value: null };
  if (typeof v === 'bigint') return { oid: vb.oid, value: v.toString() };
  if (Buffer.isBuffer(v) && vb.type === snmp.ObjectType.Counter64) return { oid: vb.oid, value: BigInt(`0x${v.toString('hex') || '0'}`).toString() };
  return { oid: vb.oid, value: v };
}

function arcs(oid: string): number[] {
  return oid.split('.').map(Number);
}

/** Strict lexicographic order of OIDs by numeric arcs, as GETNEXT must follow it. */
export function oidAfter(next: string, previous: string): boolean {
  const a = arcs(next);
  const b = arcs(previous);
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if ((a[i] as number) !== (b[i] as number)) return (a[i] as number) > (b[i] as number);
  }
  return a.length > b.length;
}

export function oidUnder(oid: string, prefix: string): boolean {
  return oid.startsWith(`${prefix}.`);
}

interface Pending {
  readonly op: string;
  readonly text: string;
}

/**
 * One net-snmp session with one kind of access, on the probe run's channel. Requests are sent one
 * at a time, with no retransmission, each bounded by the step timeout and the device budget.
 */
export class SnmpReader {
  readonly version: SnmpAccess['version'];
  readonly #session: NetSnmp.Session;
  readonly #ctx: ProbeContext;
  readonly #probe: string;
  #pending: Pending | undefined;
  /** An answer came, so an SNMPv3 session has its engine: later requests are one round trip. */
  #discovered = false;
  #closed = false;

  private constructor(channel: SnmpChannel, access: SnmpAccess) {
    this.#ctx = channel.ctx;
    this.#probe = channel.probe;
    this.version = access.version;
    const socket = channel.sessionSocket(
      (datagram) => {
        const peek = peekMessage(datagram);
        // net-snmp precedes the first v3 request with its own engine discovery (unauthenticated).
        return peek?.version === 3 && !peek.authenticated
          ? { op: 'snmp.discovery', text: 'SNMPv3 engine discovery before the first authenticated request' }
          : { op: this.#pending?.op ?? 'snmp.unknown', text: this.#pending?.text };
      },
      (failure) => this.#session.cancelRequests(failure),
    );
    const common = { port: this.#ctx.port, retries: 0, timeout: this.#ctx.stepTimeoutMs, dgramModule: { createSocket: () => socket } };
    if (access.version === 'v3') {
      const c = access.credentials;
      const user: NetSnmp.User = {
        name: c.user,
        level: snmp.SecurityLevel.authPriv,
        authProtocol: snmp.AuthProtocols[c.authProtocol],
        authKey: c.authKey,
        privProtocol: snmp.PrivProtocols[c.privProtocol],
        privKey: c.privKey,
      };
      this.#session = snmp.createV3Session(this.#ctx.address, user, { ...common, version: snmp.Version3 });
    } else {
      this.#session = snmp.createSession(this.#ctx.address, access.community, { ...common, version: access.version === 'v1' ? snmp.Version1 : snmp.Version2c });
    }
    // A reply net-snmp cannot decode ends the pending request at once instead of waiting for its timeout.
    this.#session.on('error', (err: Error) => this.#session.cancelRequests(new ProbeUnavailable('malformed', `undecodable SNMP answer: ${err.message}`)));
  }

  static async open(channel: SnmpChannel, access: SnmpAccess): Promise<SnmpReader> {
    snmp ??= await import('net-snmp');
    if (channel.ctx.signal.aborted) throw budgetSpent();
    return new SnmpReader(channel, access);
  }

  async #request<T>(op: string, oids: readonly string[], send: (cb: (err: Error | null, result?: T) => void) => void): Promise<T> {
    if (this.#closed) throw new ProbeUnavailable('closed', 'SNMP session already closed');
    if (this.#ctx.signal.aborted) throw budgetSpent();
    await passGate(this.#ctx, this.#probe, op);
    if (this.#ctx.signal.aborted) throw budgetSpent();
    // net-snmp times the request by the step timeout (its `timeout`); the step adds the device
    // budget and the shorter wait of a device whose round trip is known.
    const end = (failure: ProbeUnavailable) => (s: StepTimer<T>) => {
      s.fail(failure);
      this.#session.cancelRequests(failure);
    };
    const step = new StepTimer<T>({ signal: this.#ctx.signal, end: end(budgetSpent()) });
    // The first SNMPv3 request is two round trips: net-snmp's own engine discovery, then the request.
    const wait = Math.min(this.#ctx.stepTimeoutMs, answerWaitMs(this.#ctx) * (this.version === 'v3' && !this.#discovered ? 2 : 1));
    step.arm(wait, end(new ProbeUnavailable('timeout', `no SNMP answer within ${wait} ms`)));
    const sent = performance.now();
    this.#pending = { op, text: oids.join(' ') };
    try {
      send((err, result) => {
        this.#pending = undefined;
        if (err || result === undefined) {
          step.fail(failureOf(err ?? new Error('empty SNMP answer')));
          return;
        }
        this.#discovered = true;
        this.#ctx.roundTrips?.record(performance.now() - sent);
        step.resolve(result);
      });
    } catch (err) {
      step.fail(failureOf(err));
    }
    return step.done;
  }

  async get(oids: readonly string[]): Promise<SnmpVarbind[]> {
    const vbs = await this.#request<NetSnmp.Varbind[]>('snmp.get', oids, (cb) => this.#session.get([...oids], cb));
    return vbs.map(normalise);
  }

  /** One answer list per requested OID: one entry for GETNEXT, up to the repetitions for GETBULK. */
  async #next(oids: readonly string[], step: WalkStep): Promise<SnmpVarbind[][]> {
    if (step.pdu === 'getnext') {
      const vbs = await this.#request<NetSnmp.Varbind[]>('snmp.getnext', oids, (cb) => this.#session.getNext([...oids], cb));
      return vbs.map((vb) => [normalise(vb)]);
    }
    // net-snmp answers GETBULK with one list per requested OID (its typings say a flat list).
    const vbs = await this.#request<(NetSnmp.Varbind | NetSnmp.Varbind[])[]>('snmp.getbulk', oids, (cb) =>
      this.#session.getBulk([...oids], 0, step.repetitions, cb),
    );
    return vbs.map((column) => (Array.isArray(column) ? column.map(normalise) : [normalise(column)]));
  }

  /**
   * Reads the given columns of one table row by row. Bounded by `maxRows` and the shared varbind
   * budget; an answer whose OID does not increase (a looping agent) ends the walk at once. When the
   * agent answers genErr or tooBig, the same request is asked again the next way down the ladder
   * (some embedded agents break on GETBULK over several columns, or on long answers, while GETNEXT
   * works); the rows read so far are kept. Every try is a request of its own.
   */
  async walkColumns(columns: readonly string[], maxRows: number, budget: VarbindBudget): Promise<ColumnWalk> {
    const rows = new Map<string, (SnmpValue | undefined)[]>();
    const last = [...columns];
    const ladder = WALK_LADDER[this.version === 'v1' ? 'v1' : 'bulk'];
    let rung = 0;
    let active = columns.map((_, i) => i);
    let requests = 0;
    const result = (stop: WalkStop): ColumnWalk => ({ rows: sortRows(rows), stop, method: (ladder[rung] as WalkStep).method, requests });
    while (active.length > 0) {
      const step = ladder[rung] as WalkStep;
      const asked = step.perColumn ? active.slice(0, 1) : active;
      let answers: SnmpVarbind[][];
      try {
        requests += 1;
        answers = await this.#next(
          asked.map((c) => last[c] as string),
          step,
        );
      } catch (err) {
        const failure = failureOf(err);
        if (failure.kind === 'budget') throw failure;
        if (failure instanceof SnmpRequestRefused && rung < ladder.length - 1) {
          rung += 1;
          continue;
        }
        // SNMPv1 signals the end of the MIB view with noSuchName for the whole request.
        if (failure.kind === 'not-supported') return result('end');
        return result(failure.kind === 'timeout' || failure.kind === 'malformed' || failure.kind === 'denied' ? failure.kind : 'error');
      }
      const closed = new Set<number>();
      let progressed = false;
      for (const [k, c] of asked.entries()) {
        const column = columns[c] as string;
        let open = true;
        for (const vb of answers[k] ?? []) {
          if (vb.value === null || !oidUnder(vb.oid, column)) {
            open = false;
            break;
          }
          if (!oidAfter(vb.oid, last[c] as string)) return result('oid-not-increasing');
          if (budget.remaining <= 0) return result('varbind-limit');
          const index = vb.oid.slice(column.length + 1);
          let row = rows.get(index);
          if (!row) {
            if (rows.size >= maxRows) return result('row-limit');
            row = new Array<SnmpValue | undefined>(columns.length).fill(undefined);
            rows.set(index, row);
          }
          budget.remaining -= 1;
          row[c] = vb.value;
          last[c] = vb.oid;
        }
        if (!open) closed.add(c);
        else if ((answers[k]?.length ?? 0) > 0) progressed = true;
      }
      // A GETBULK answer may stop short of some columns (RFC 3416 4.2.3): they are asked again, unless nothing moved.
      active = progressed ? active.filter((c) => !closed.has(c)) : active.filter((c) => !asked.includes(c));
    }
    return result('end');
  }

  /** Ends the session (the channel stays open); net-snmp fails any request still pending. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return new Promise<void>((resolve) => {
      this.#session.on('close', () => resolve());
      try {
        this.#session.close();
      } catch {
        resolve();
      }
    });
  }
}

function sortRows(rows: Map<string, (SnmpValue | undefined)[]>): Map<string, (SnmpValue | undefined)[]> {
  return new Map([...rows.entries()].sort(([a], [b]) => (a === b ? 0 : oidAfter(a, b) ? 1 : -1)));
}
