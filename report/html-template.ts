/**
 * HTML built by one tagged template that escapes whatever it interpolates, so text from a device,
 * a config or a database cannot become markup by a forgotten call. Only `SafeHtml` (made by
 * `html` itself, or by `trustedHtml` for the code's own constants) is inserted as it is.
 */
export class SafeHtml {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  toString(): string {
    return this.text;
  }
}

/** What may be interpolated: text and numbers (escaped), fragments, lists of them; nothing at all for null, undefined and false. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text as HTML text or attribute value (double- or single-quoted). */
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);

function render(v: HtmlValue): string {
  if (v instanceof SafeHtml) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  if (v === null || v === undefined || v === false) return '';
  return escapeHtml(String(v));
}

/** `html\`<td>${name}</td>\``: the literal parts as written, every interpolation escaped unless it is SafeHtml. */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Values joined by a separator that is itself a fragment (html`<br>`). */
export function joinHtml(parts: readonly HtmlValue[], separator: SafeHtml): SafeHtml {
  return new SafeHtml(parts.map(render).join(separator.text));
}

/** For markup the code itself holds (a stylesheet, a script), never for data. */
export const trustedHtml = (text: string): SafeHtml => new SafeHtml(text);
