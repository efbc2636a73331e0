import { parse as parseYaml } from 'yaml';
import { ZoneModel } from '../profiles/zone-model.ts';
import { ZONE_MODEL_SCHEMA_ID } from '../report/write-schema.ts';
import { StoreError } from './db.ts';
import type { Actor, Proposal } from './proposals.ts';
import type { ConsoleStore } from './store.ts';

/**
 * The plant's zone model in the console (issue 21). A model is changed like every other change
 * people make here: proposed whole, approved by someone else (console/proposals.ts, four eyes,
 * audited). The model in force is the approved `zone-model` proposal decided last; each new
 * proposal replaces it, so a proposal made on a model that was changed meanwhile cannot be approved.
 */
export const ZONE_MODEL_KIND = 'zone-model';
/** One model per console: the whole plant. */
export const ZONE_MODEL_SUBJECT = 'plant';

export interface ModelInForce {
  readonly model: ZoneModel;
  readonly proposal: Proposal;
}

/** The model as a file: its published schema (report/zone-model.schema.json) named first, stable JSON, so exports of one version are byte-identical and diff well. */
export function modelText(model: ZoneModel): string {
  return `${JSON.stringify({ $schema: ZONE_MODEL_SCHEMA_ID, ...model }, null, 2)}\n`;
}

/** Every problem of a model document, each as `key: what is wrong`. */
export function modelProblems(data: unknown): { model: ZoneModel } | { problems: string[] } {
  const parsed = ZoneModel.safeParse(data);
  if (parsed.success) return { model: parsed.data };
  return { problems: parsed.error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(file)'}: ${i.message}`) };
}

/**
 * Reads a model file (YAML or JSON, which is YAML too). A `$schema` key must name the published
 * schema and is then dropped. Throws a StoreError naming the source and every problem.
 */
export function parseModelText(text: string, source: string): ZoneModel {
  let data: unknown;
  try {
    data = parseYaml(text, { maxAliasCount: 0 });
  } catch (err) {
    throw new StoreError(`${source}: not YAML or JSON: ${(err as Error).message.split('\n')[0]}`);
  }
  if (typeof data === 'object' && data !== null && !Array.isArray(data) && '$schema' in data) {
    const { $schema, ...rest } = data as Record<string, unknown>;
    if ($schema !== ZONE_MODEL_SCHEMA_ID) throw new StoreError(`${source}: $schema: expected ${ZONE_MODEL_SCHEMA_ID}, found ${JSON.stringify($schema)}`);
    data = rest;
  }
  const checked = modelProblems(data);
  if ('problems' in checked) throw new StoreError(`${source}: not a zone model:\n  ${checked.problems.join('\n  ')}`);
  return checked.model;
}

function modelOf(p: Proposal): ZoneModel {
  const checked = modelProblems(p.payload);
  if ('problems' in checked) throw new StoreError(`zone model ${p.id} no longer passes the schema: ${checked.problems.join('; ')}`);
  return checked.model;
}

/** The approved zone-model proposal decided last, read or not. */
async function newestApproved(store: ConsoleStore): Promise<Proposal | undefined> {
  const approved = await store.proposals.list({ kind: ZONE_MODEL_KIND, subject: ZONE_MODEL_SUBJECT, statuses: ['approved'] });
  return approved.sort((a, b) => (a.decidedAt ?? '').localeCompare(b.decidedAt ?? '')).at(-1);
}

/**
 * The model in force of each store, by the approved proposal it came from: the model is checked
 * once per approval and stays the same object across requests, so the ranges profiles/zone-model.ts
 * parses once per model object stay parsed too. A newer approval has another id and replaces it; a
 * stored payload that changed under the same id (an edited database) is checked again rather than
 * trusted. Callers never change the model (they change a structuredClone).
 */
const inForceOf = new WeakMap<ConsoleStore, { id: string; payload: string; model: ZoneModel }>();

/** The model in force; undefined before the first approval. A StoreError when it no longer passes the schema. */
export async function modelInForce(store: ConsoleStore): Promise<ModelInForce | undefined> {
  const newest = await newestApproved(store);
  if (!newest) return undefined;
  const payload = JSON.stringify(newest.payload);
  const kept = inForceOf.get(store);
  if (kept?.id === newest.id && kept.payload === payload) return { model: kept.model, proposal: newest };
  const model = modelOf(newest);
  inForceOf.set(store, { id: newest.id, payload, model });
  return { model, proposal: newest };
}

/** The model in force, or why it cannot be read: for pages, which say so and still let people propose a replacement. */
export async function readModelInForce(store: ConsoleStore): Promise<{ inForce?: ModelInForce; problem?: string }> {
  try {
    const inForce = await modelInForce(store);
    return inForce ? { inForce } : {};
  } catch (err) {
    if (err instanceof StoreError) return { problem: err.message };
    throw err;
  }
}

/** Every zone-model proposal, newest first: the model's history with who proposed and who decided. */
export async function modelHistory(store: ConsoleStore): Promise<Proposal[]> {
  return (await store.proposals.list({ kind: ZONE_MODEL_KIND, subject: ZONE_MODEL_SUBJECT })).reverse();
}

/** A proposed model, or undefined when `id` is no zone-model proposal. */
export async function proposedModel(store: ConsoleStore, id: string): Promise<ModelInForce | undefined> {
  const p = await store.proposals.get(id);
  return p && p.kind === ZONE_MODEL_KIND && p.payload !== null ? { model: modelOf(p), proposal: p } : undefined;
}

/** Proposes `model` to replace the one in force (readable or not); another engineer or an admin approves it. */
export async function proposeModel(store: ConsoleStore, model: ZoneModel, summary: string, actor: Actor, at: Date): Promise<Proposal> {
  const current = await newestApproved(store);
  return store.proposals.propose(
    { kind: ZONE_MODEL_KIND, subject: ZONE_MODEL_SUBJECT, payload: model, summary, ...(current ? { replaces: current.id } : {}) },
    actor,
    at,
  );
}
