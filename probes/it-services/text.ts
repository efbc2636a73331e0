/** Longest banner or greeting text kept in facts; the transcript keeps the raw bytes. */
export const TEXT_LIMIT = 1024;

/**
 * Printable ASCII from peer bytes: CR LF and CR NUL become one newline, tabs become spaces, other
 * control and non-ASCII bytes are dropped, so facts never carry terminal escapes or binary.
 */
export function printableText(bytes: Uint8Array, limit = TEXT_LIMIT): { text: string; truncated: boolean } {
  let out = '';
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes[i] as number;
    if (b === 0x0d) {
      const next = bytes[i + 1];
      if (next === 0x0a || next === 0x00) i += 1;
      out += '\n';
    } else if (b === 0x0a) out += '\n';
    else if (b === 0x09) out += ' ';
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    if (out.length > limit) return { text: out.slice(0, limit), truncated: true };
  }
  return { text: out, truncated: false };
}

/** The first `name version` looking token of a greeting, verbatim (e.g. `vsFTPd 3.0.3`, `SimFTPd/2.1`). */
export function softwareToken(text: string): string | undefined {
  return /[A-Za-z][\w.-]*[ /_-]v?\d+(?:\.\d+)+[\w.-]*/.exec(text)?.[0];
}
