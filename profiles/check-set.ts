import type { CheckInstance, RegisteredCheckKind } from './checks/types.ts';
import { CheckInstance as CheckInstanceSchema } from './checks/types.ts';
import { UserError } from './user-error.ts';

export interface LoadedCheck {
  readonly instance: CheckInstance;
  readonly kind: RegisteredCheckKind;
}

export class ProfileError extends UserError {
  override name = 'ProfileError';
}

/** Joins check instances (data) to their kinds (code); unknown kinds and bad parameters fail loading. */
export function loadCheckSet(kinds: readonly RegisteredCheckKind[], instances: readonly unknown[]): ReadonlyMap<string, LoadedCheck> {
  const kindById = new Map<string, RegisteredCheckKind>();
  for (const k of kinds) {
    if (kindById.has(k.id)) throw new ProfileError(`check kind ${k.id} is registered twice`);
    kindById.set(k.id, k);
  }
  const out = new Map<string, LoadedCheck>();
  for (const raw of instances) {
    const parsed = CheckInstanceSchema.safeParse(raw);
    if (!parsed.success) throw new ProfileError(`check instance ${JSON.stringify(raw).slice(0, 80)}: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
    const instance = parsed.data;
    const kind = kindById.get(instance.kind);
    if (!kind) throw new ProfileError(`check ${instance.id} uses unknown kind ${instance.kind}`);
    const params = kind.params.safeParse(instance.params);
    if (!params.success) throw new ProfileError(`check ${instance.id}: bad params for kind ${kind.id}: ${params.error.issues[0]?.message ?? 'invalid'}`);
    if (out.has(instance.id)) throw new ProfileError(`check ${instance.id} is defined twice`);
    out.set(instance.id, { instance, kind });
  }
  return out;
}
