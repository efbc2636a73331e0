import aliases from './data/check-aliases.json' with { type: 'json' };

/**
 * Check ids renamed after they appeared in a result.json: old id -> current id (README, "Renamed
 * check ids"). Stored runs keep their old ids, so whatever compares runs reads them through this.
 */
export const CHECK_ALIASES: Readonly<Record<string, string>> = aliases;

export function isRenamedCheckId(id: string): boolean {
  return Object.hasOwn(CHECK_ALIASES, id);
}

export function currentCheckId(id: string): string {
  return isRenamedCheckId(id) ? (CHECK_ALIASES[id] ?? id) : id;
}
