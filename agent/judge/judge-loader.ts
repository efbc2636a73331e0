import { bundledProfile, IDENTITY_EXTRACTORS } from '../../profiles/bundled.ts';
import { loadCatalog } from '../../profiles/catalog.ts';
import { ProfileError } from '../../profiles/check-set.ts';
import { ConfigError, parseYamlText } from '../config/config.ts';
import type { Judge } from './judge.ts';
import { readUserFile } from '../config/user-file.ts';

/**
 * The judge shipped with cellcheck: bundled catalog, checks, mapping and identity sources. An
 * operator's catalog file (same schema, e.g. made from a licensed copy of the standard) replaces
 * the bundled catalog; the mapping must still fit it, or loading fails naming the problem.
 */
export function loadJudge(catalogFile?: string): Judge {
  if (catalogFile === undefined) return { profile: bundledProfile(), identity: IDENTITY_EXTRACTORS };
  const text = readUserFile(catalogFile, { error: ConfigError }).toString('utf8');
  try {
    return { profile: bundledProfile(loadCatalog(parseYamlText(text, catalogFile), catalogFile)), identity: IDENTITY_EXTRACTORS };
  } catch (err) {
    if (err instanceof ProfileError) throw new ConfigError(`${catalogFile}: the bundled mapping does not fit this catalog: ${err.message}`);
    throw err;
  }
}
