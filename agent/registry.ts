import { PROBES, type RegisteredProbe } from '../probes/registry.ts';
import { bundledProfile, IDENTITY_EXTRACTORS } from '../profiles/bundled.ts';
import type { Judge } from './judge.ts';

export function loadProbes(): readonly RegisteredProbe[] {
  return PROBES;
}

export function loadJudge(): Judge {
  return { profile: bundledProfile(), identity: IDENTITY_EXTRACTORS };
}
