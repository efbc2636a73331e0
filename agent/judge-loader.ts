import { bundledProfile, IDENTITY_EXTRACTORS } from '../profiles/bundled.ts';
import type { Judge } from './judge.ts';

/** The judge shipped with cellcheck: bundled catalog, checks, mapping and identity sources. */
export function loadJudge(): Judge {
  return { profile: bundledProfile(), identity: IDENTITY_EXTRACTORS };
}
