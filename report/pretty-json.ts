/** JSON.stringify leaves these out of objects (and writes null for them in arrays). */
const noJson = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/** `JSON.stringify(v, null, 2)` for a value nested at `pad`'s depth. */
const nested = (v: unknown, pad: string) => (noJson(v) ? 'null' : JSON.stringify(v, null, 2).replaceAll('\n', `\n${pad}`));

/**
 * The text of `JSON.stringify(value, null, 2)` for a plain object, in pieces: one per top-level
 * key, and one per element of a top-level array. Writing a large result this way never holds the
 * whole text in memory; joined, the pieces are byte for byte what JSON.stringify returns.
 */
export function* prettyJsonPieces(value: Readonly<Record<string, unknown>>): Generator<string> {
  const entries = Object.entries(value).filter(([, v]) => !noJson(v));
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield '{\n';
  for (const [i, [key, v]] of entries.entries()) {
    yield `  ${JSON.stringify(key)}: `;
    if (Array.isArray(v) && v.length > 0) {
      yield '[\n';
      for (const [j, el] of v.entries()) yield `    ${nested(el, '    ')}${j < v.length - 1 ? ',' : ''}\n`;
      yield '  ]';
    } else {
      yield nested(v, '  ');
    }
    yield i < entries.length - 1 ? ',\n' : '\n';
  }
  yield '}';
}
