/** Words wrapped to `width` columns, continuation lines indented by `indent` spaces. */
export function wrap(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  const lead = /^ */.exec(text)?.[0] ?? '';
  let line = lead;
  for (const word of text.slice(lead.length).split(' ')) {
    const room = width - (lines.length === 0 ? 0 : indent);
    if (line.trim() && line.length + 1 + word.length > room) {
      lines.push(line);
      line = word;
    } else line = line.trim() ? `${line} ${word}` : `${line}${word}`;
  }
  if (line) lines.push(line);
  return lines.map((l, i) => (i === 0 ? l : `${' '.repeat(indent)}${l}`.slice(0, width)));
}
