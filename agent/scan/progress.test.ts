import { describe, expect, it } from 'vitest';
import type { ProgressEvent } from './collect.ts';
import { isLiveTerminal, progressReporter } from './progress.ts';

const EVENTS: ProgressEvent[] = [
  { type: 'device-start', address: '127.83.3.10' },
  { type: 'device-start', address: '127.83.3.11' },
  { type: 'discovered', address: '127.83.3.10', open: [23, 502] },
  { type: 'discovered', address: '127.83.3.11', open: [] },
  { type: 'device-done', address: '127.83.3.11', found: false },
  { type: 'probe', address: '127.83.3.10', probe: 'modbus.device-id', port: 502 },
  { type: 'device-done', address: '127.83.3.10', found: true },
];

function capture(live: boolean, color = false, columns?: number) {
  const writes: string[] = [];
  const stream = { write: (t: string) => writes.push(t), isTTY: live, ...(columns === undefined ? {} : { columns }) };
  const report = progressReporter(stream, { live, color });
  for (const e of EVENTS) report(e);
  return writes;
}

/** The only control sequences the reporter writes: dim, reset, clear line. */
const plain = (text: string) => ['\u001b[2m', '\u001b[0m', '\u001b[2K'].reduce((t, code) => t.replaceAll(code, ''), text);

describe('scan progress', () => {
  it('prints plain lines, no control codes, in pipes and CI', () => {
    expect(capture(false).join('')).toBe('127.83.3.10: open TCP 23, 502\n127.83.3.10: probing modbus.device-id on 502\n127.83.3.10: done\n');
  });

  it('on a terminal keeps one status line per moment and leaves it clear at the end', () => {
    const writes = capture(true);
    const screen = writes.join('');
    expect(screen).toContain('127.83.3.10: open TCP 23, 502\n');
    expect(screen).toContain('127.83.3.10 probing modbus.device-id');
    expect(screen).toContain('[1 checked, 0 found]');
    expect(screen).not.toContain('127.83.3.11: ');
    // The last write only clears the status line: the summary that follows starts on a clean line.
    expect(writes.at(-1)).toBe('\r\u001b[2K127.83.3.10: done\n');
  });

  it('colours the status line only when asked, and fits the terminal width (at most 100 columns)', () => {
    expect(capture(true, false).join('')).not.toContain('\u001b[2m');
    expect(capture(true, true).join('')).toContain('\u001b[2m');
    for (const columns of [40, 200]) {
      for (const w of capture(true, true, columns)) {
        for (const line of plain(w).split(/[\r\n]/)) expect(line.length).toBeLessThanOrEqual(Math.min(columns, 100));
      }
    }
  });

  it('is live only on a terminal, outside CI, and not on a dumb terminal', () => {
    expect(isLiveTerminal({ write: () => true, isTTY: true }, {})).toBe(true);
    expect(isLiveTerminal({ write: () => true, isTTY: false }, {})).toBe(false);
    expect(isLiveTerminal({ write: () => true, isTTY: true }, { CI: 'true' })).toBe(false);
    expect(isLiveTerminal({ write: () => true, isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});
