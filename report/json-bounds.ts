/**
 * Limits on the shape of a JSON document from outside (a signed result at ingest or `verify`).
 * The body size is bounded elsewhere; these bound what recursion in renderers and validators
 * meets, so a payload nested thousands of levels deep is refused instead of stored.
 */
export const JSON_BOUNDS = {
  /** Real results nest about 10 levels deep. */
  maxDepth: 64,
  maxArrayItems: 200_000,
  maxObjectKeys: 10_000,
  maxStringChars: 1024 * 1024,
} as const;

interface Place {
  readonly value: unknown;
  readonly depth: number;
  readonly parent?: Place;
  readonly key?: string | number;
}

/** JSONPath-like location, e.g. `$.devices[3].facts`, built only for the place reported. */
function pathOf(place: Place): string {
  const keys: (string | number)[] = [];
  for (let p: Place | undefined = place; p?.key !== undefined; p = p.parent) keys.unshift(p.key);
  return keys.reduce<string>(
    (path, k) => (typeof k === 'number' ? `${path}[${k}]` : /^[A-Za-z_$][\w$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`),
    '$',
  );
}

/** Why a parsed JSON value exceeds the bounds (first place found), or undefined. Iterative: no recursion to overflow. */
export function jsonBoundsProblem(value: unknown, bounds: typeof JSON_BOUNDS = JSON_BOUNDS): string | undefined {
  const stack: Place[] = [{ value, depth: 1 }];
  for (let place = stack.pop(); place !== undefined; place = stack.pop()) {
    const v = place.value;
    if (typeof v === 'string') {
      if (v.length > bounds.maxStringChars) return `${pathOf(place)}: a string of ${v.length} characters (at most ${bounds.maxStringChars})`;
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (place.depth > bounds.maxDepth) return `${pathOf(place)}: nested deeper than ${bounds.maxDepth} levels`;
    if (Array.isArray(v)) {
      if (v.length > bounds.maxArrayItems) return `${pathOf(place)}: an array of ${v.length} items (at most ${bounds.maxArrayItems})`;
      for (let i = 0; i < v.length; i++) stack.push({ value: v[i], depth: place.depth + 1, parent: place, key: i });
    } else {
      const keys = Object.keys(v);
      if (keys.length > bounds.maxObjectKeys) return `${pathOf(place)}: an object of ${keys.length} keys (at most ${bounds.maxObjectKeys})`;
      for (const k of keys) stack.push({ value: (v as Record<string, unknown>)[k], depth: place.depth + 1, parent: place, key: k });
    }
  }
  return undefined;
}
