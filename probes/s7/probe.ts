import { onOneConnection } from '../exchange.ts';
import { recordingRefusals } from '../frame-evidence.ts';
import type { TcpSession } from '../tcp-session.ts';
import type { ProbeContext, ProbeDefinition } from '../types.ts';
import { ProbeUnavailable } from '../types.ts';
import type { S7ComponentIdentification, S7SzlFacts } from './facts.ts';
import { COMPONENT_FIELDS, DIAGNOSTIC_ENTRIES_KEPT, MODE_SWITCH, MODULE_INDEX, S7_SZL_READS, S7SzlFacts as S7SzlFactsSchema } from './facts.ts';
import type { Parsed, S7Request, S7RequestKind, SzlList } from './frame.ts';
import {
  buildS7Request,
  decodeComponentIdentification,
  decodeDiagnosticBuffer,
  decodeModuleIdentification,
  decodeProtection,
  decodeSzlIds,
  hex16,
  MAX_FRAME_BYTES,
  parseCotp,
  parseSetupReply,
  parseSzlList,
  parseSzlTelegram,
  REQUESTED_PDU_SIZE,
  SZL_RETURN_OBJECT_DOES_NOT_EXIST,
  SZL_RETURN_OK,
  TSAP_CALLED,
  TSAP_CALLING,
  tpktFrameLength,
} from './frame.ts';

const PROBE_ID = 's7.szl';

/** Transcript op kind of each request; replies are recorded as `s7.reply`. */
export const S7_OPS: Readonly<Record<S7RequestKind, string>> = {
  'cotp-cr': 's7.cotp-connect',
  'setup-communication': 's7.setup-communication',
  'szl-read': 's7.szl-read',
  'szl-followup': 's7.szl-followup',
};
const REPLY_OP = 's7.reply';

/** Hard caps for one SZL answered in several telegrams, so a peer cannot keep us asking. */
const MAX_TELEGRAMS = 16;
const MAX_SZL_BYTES = 16 * 1024;
/** A PDU split over more COTP fragments than this is not from a real CPU. */
const MAX_FRAGMENTS = 16;

type SzlRead =
  | { readonly status: 'ok'; readonly list: SzlList }
  | { readonly status: 'unavailable'; readonly reason: S7SzlFacts['unavailable'][number]['reason']; readonly detail: string };

/** One TPKT frame of a reply; bytes that cannot start one are recorded before the failure. */
function readTpkt(ctx: ProbeContext, session: TcpSession): Promise<Buffer> {
  const frameLength = recordingRefusals(ctx, PROBE_ID, REPLY_OP, MAX_FRAME_BYTES, tpktFrameLength);
  return session.readFrame(frameLength, { op: REPLY_OP, maxBytes: MAX_FRAME_BYTES });
}

class S7Connection {
  readonly #ctx: ProbeContext;
  readonly #session: TcpSession;
  #pduRef = 0;
  #pduSize = REQUESTED_PDU_SIZE;

  constructor(ctx: ProbeContext, session: TcpSession) {
    this.#ctx = ctx;
    this.#session = session;
  }

  get pduSize(): number {
    return this.#pduSize;
  }

  nextRef(): number {
    this.#pduRef = (this.#pduRef % 0xffff) + 1;
    return this.#pduRef;
  }

  async send(req: S7Request): Promise<void> {
    await this.#session.write(S7_OPS[req.kind], buildS7Request(req));
  }

  /** One S7 PDU, reassembled from COTP DT fragments and bounded by the negotiated PDU size. */
  async receivePdu(): Promise<Buffer> {
    const parts: Buffer[] = [];
    let size = 0;
    for (let i = 0; i < MAX_FRAGMENTS; i += 1) {
      const tpdu = unwrap(parseCotp(await readTpkt(this.#ctx, this.#session)));
      if (tpdu.type !== 'dt') throw new ProbeUnavailable('protocol-mismatch', `expected COTP data, got ${tpdu.type.toUpperCase()}`);
      size += tpdu.payload.length;
      if (size > this.#pduSize) throw new ProbeUnavailable('malformed', `S7 reply exceeds the negotiated PDU size of ${this.#pduSize} bytes`);
      parts.push(tpdu.payload);
      if (tpdu.last) return Buffer.concat(parts);
    }
    throw new ProbeUnavailable('malformed', `S7 reply split over more than ${MAX_FRAGMENTS} COTP fragments`);
  }

  async setup(): Promise<void> {
    const pduRef = this.nextRef();
    await this.send({ kind: 'setup-communication', pduRef, pduSize: REQUESTED_PDU_SIZE });
    this.#pduSize = unwrap(parseSetupReply(await this.receivePdu(), pduRef)).pduSize;
  }

  /** Reads one SZL, following multi-telegram answers up to the caps. */
  async readSzl(szlId: number, index: number): Promise<SzlRead> {
    let pduRef = this.nextRef();
    await this.send({ kind: 'szl-read', pduRef, szlId, index });
    let telegram = unwrap(parseSzlTelegram(await this.receivePdu(), pduRef));
    if (telegram.returnCode === SZL_RETURN_OBJECT_DOES_NOT_EXIST)
      return { status: 'unavailable', reason: 'not-available', detail: 'device answered: object does not exist' };
    const chunks: Buffer[] = [];
    let bytes = 0;
    for (let telegrams = 1; ; telegrams += 1) {
      if (telegram.returnCode !== SZL_RETURN_OK || telegram.errorCode !== 0) {
        return {
          status: 'unavailable',
          reason: 'error-code',
          detail: `return code 0x${telegram.returnCode.toString(16)}, error 0x${hex16(telegram.errorCode)}`,
        };
      }
      chunks.push(telegram.data);
      bytes += telegram.data.length;
      if (!telegram.more) break;
      if (telegrams >= MAX_TELEGRAMS || bytes > MAX_SZL_BYTES) {
        return { status: 'unavailable', reason: 'too-long', detail: `answer still continues after ${telegrams} telegrams / ${bytes} bytes` };
      }
      pduRef = this.nextRef();
      await this.send({ kind: 'szl-followup', pduRef, sequence: telegram.sequence });
      telegram = unwrap(parseSzlTelegram(await this.receivePdu(), pduRef));
    }
    const list = parseSzlList(Buffer.concat(chunks));
    if (!list.ok) return { status: 'unavailable', reason: 'malformed', detail: list.detail };
    if (list.value.id !== szlId)
      return { status: 'unavailable', reason: 'malformed', detail: `asked for SZL 0x${hex16(szlId)}, answer is SZL 0x${hex16(list.value.id)}` };
    return { status: 'ok', list: list.value };
  }
}

function unwrap<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new ProbeUnavailable(parsed.kind, parsed.detail);
  return parsed.value;
}

/** The COTP Connection Request for `called`: true when accepted (CC); a DR is noted and refuses it. */
async function cotpConnect(ctx: ProbeContext, session: TcpSession, called: number): Promise<boolean> {
  await session.write(S7_OPS['cotp-cr'], buildS7Request({ kind: 'cotp-cr', callingTsap: TSAP_CALLING, calledTsap: called }));
  const tpdu = unwrap(parseCotp(await readTpkt(ctx, session)));
  if (tpdu.type === 'cc') return true;
  if (tpdu.type !== 'dr') throw new ProbeUnavailable('protocol-mismatch', 'COTP connection request answered with data');
  ctx.transcript.note(PROBE_ID, 's7.tsap-refused', `called TSAP 0x${hex16(called)} refused (DR reason 0x${tpdu.reason.toString(16)})`);
  return false;
}

/** A peer that closes or resets the connection at the COTP connect refuses the TSAP as well. */
function endedConnection(err: unknown): ProbeUnavailable {
  if (err instanceof ProbeUnavailable && (err.kind === 'closed' || err.kind === 'reset')) return err;
  throw err;
}

/**
 * COTP connect with called TSAP 0x0102, and with 0x0200 (on a second connection) only when the
 * first is refused (DR, close or reset). A silent device is not asked twice: it would only double
 * the wait.
 */
async function run(ctx: ProbeContext): Promise<S7SzlFacts> {
  for (const [attempt, called] of TSAP_CALLED.entries()) {
    const outcome = await onOneConnection(ctx, PROBE_ID, async (session) => {
      const accepted = await cotpConnect(ctx, session, called).catch(endedConnection);
      return accepted === true ? identify(ctx, session, called, attempt > 0) : accepted;
    });
    // An ended connection is noted once it is closed on our side as well.
    if (outcome instanceof ProbeUnavailable) ctx.transcript.note(PROBE_ID, 's7.tsap-refused', `called TSAP 0x${hex16(called)}: ${outcome.message}`);
    else if (outcome) return outcome;
  }
  throw new ProbeUnavailable('refused', `COTP connection refused for called TSAPs ${TSAP_CALLED.map((t) => `0x${hex16(t)}`).join(', ')}`);
}

/** Setup Communication and the SZL reads, on a connection whose COTP connect to `called` was accepted. */
async function identify(ctx: ProbeContext, session: TcpSession, called: number, retried: boolean): Promise<S7SzlFacts> {
  const conn = new S7Connection(ctx, session);
  await conn.setup();
  const facts: S7SzlFacts = { tsap: { calling: TSAP_CALLING, called }, tsapRetried: retried, pduSize: conn.pduSize, modules: [], unavailable: [] };

  let supported: number[] | undefined;
  const idList = await conn.readSzl(0x0000, 0x0000);
  if (idList.status === 'ok') {
    const ids = decodeSzlIds(idList.list);
    if (ids.ok) facts.supportedSzlIds = supported = ids.value;
    else facts.unavailable.push({ szlId: 0x0000, index: 0, reason: 'malformed', detail: ids.detail });
  } else {
    facts.unavailable.push({ szlId: 0x0000, index: 0, reason: idList.reason, detail: idList.detail });
  }

  for (const { id, index } of S7_SZL_READS) {
    if (!supported?.includes(id)) {
      facts.unavailable.push({ szlId: id, index, reason: 'not-listed', detail: supported ? 'not in the SZL 0x0000 list' : 'SZL 0x0000 list unavailable' });
      continue;
    }
    const read = await conn.readSzl(id, index);
    if (read.status !== 'ok') {
      facts.unavailable.push({ szlId: id, index, reason: read.reason, detail: read.detail });
      continue;
    }
    const decoded = decodeInto(facts, id, read.list);
    if (decoded) facts.unavailable.push({ szlId: id, index, reason: 'malformed', detail: decoded });
  }
  return facts;
}

/** Stores one decoded SZL in the facts; returns why it could not be decoded. */
function decodeInto(facts: S7SzlFacts, id: number, list: SzlList): string | undefined {
  if (id === 0x0011) {
    const modules = decodeModuleIdentification(list);
    if (!modules.ok) return modules.detail;
    facts.modules = modules.value.map((m) => ({
      index: m.index,
      orderNumber: m.orderNumber,
      moduleType: m.moduleType,
      versionRaw: m.versionRaw,
      ...(m.version ? { version: m.version } : {}),
    }));
    const byIndex = (i: number) => facts.modules.find((m) => m.index === i);
    const orderNumber = byIndex(MODULE_INDEX.module)?.orderNumber;
    const hardware = byIndex(MODULE_INDEX.hardware)?.version;
    const firmware = byIndex(MODULE_INDEX.firmware)?.version;
    const bootLoader = byIndex(MODULE_INDEX.bootLoader)?.version;
    if (orderNumber) facts.orderNumber = orderNumber;
    if (hardware) facts.hardware = hardware;
    if (firmware) facts.firmware = firmware;
    if (bootLoader) facts.bootLoader = bootLoader;
    return undefined;
  }
  if (id === 0x001c) {
    const records = decodeComponentIdentification(list);
    if (!records.ok) return records.detail;
    const component: S7ComponentIdentification = { records: records.value };
    for (const r of records.value) {
      const field = COMPONENT_FIELDS[r.index as keyof typeof COMPONENT_FIELDS];
      if (field && r.text) component[field] = r.text;
    }
    facts.component = component;
    return undefined;
  }
  if (id === 0x00a0) {
    const entries = decodeDiagnosticBuffer(list);
    if (!entries.ok) return entries.detail;
    facts.diagnosticBuffer = {
      entryCount: entries.value.length,
      entries: entries.value
        .slice(0, DIAGNOSTIC_ENTRIES_KEPT)
        .map(({ eventId, time, ...rest }) => ({ ...rest, eventId: `0x${hex16(eventId)}`, ...(time ? { time } : {}) })),
    };
    return undefined;
  }
  const protection = decodeProtection(list);
  if (!protection.ok) return protection.detail;
  const p = protection.value;
  facts.protection = { ...p, modeSwitch: MODE_SWITCH[p.bartSch as keyof typeof MODE_SWITCH] ?? 'other' };
  return undefined;
}

/**
 * Identification of an S7 CPU over classic S7comm: one connection (a second one only when the
 * first TSAP is refused), Setup Communication, then Read SZL 0x0000 and the listed ones among
 * 0x0011, 0x001C, 0x0232 index 4 and 0x00A0 (diagnostic buffer). Nothing else is ever sent.
 */
export const s7SzlProbe: ProbeDefinition<S7SzlFacts> = {
  id: PROBE_ID,
  version: 1,
  protocol: 's7',
  safety: 'identify',
  ops: ['tcp.connect', ...Object.values(S7_OPS)],
  transport: 'tcp',
  facts: S7SzlFactsSchema,
  run,
};
