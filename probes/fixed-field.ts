import { printableText } from './it-services/text.ts';

/**
 * A text field of a reply laid out at fixed offsets (PCWorx, ProConOS): the bytes from `start` up
 * to the first NUL or `end`, printable ASCII only, trimmed; undefined when empty or past the reply.
 */
export function fixedField(reply: Buffer, start: number, end: number): string | undefined {
  const window = reply.subarray(start, Math.min(end, reply.length));
  const nul = window.indexOf(0);
  const text = printableText(nul < 0 ? window : window.subarray(0, nul)).text.trim();
  return text === '' ? undefined : text;
}

/** Every named field of `fields` ([start, end) each) that holds text in the reply. */
export function fixedFields<K extends string>(reply: Buffer, fields: Readonly<Record<K, readonly [number, number]>>): Partial<Record<K, string>> {
  const texts: Partial<Record<K, string>> = {};
  for (const [name, [start, end]] of Object.entries(fields) as [K, readonly [number, number]][]) {
    const value = fixedField(reply, start, end);
    if (value !== undefined) texts[name] = value;
  }
  return texts;
}
