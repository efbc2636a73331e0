import { describe, expect, it } from 'vitest';
import { Transcript } from './transcript.ts';

describe('Transcript', () => {
  it('masks a secret that straddles the kept-bytes limit, leaving none of it in the hex', () => {
    const transcript = new Transcript(() => 0, { entryBytes: 16, entries: 10 });
    transcript.redact('s3cr3t-pass');
    // The secret starts 4 bytes before the cut: only "s3cr" would be kept.
    const bytes = Buffer.from(`${'A'.repeat(12)}s3cr3t-pass${'B'.repeat(8)}`, 'latin1');
    transcript.tx('p', 'op', bytes);
    const [entry] = transcript.entries();
    expect(entry?.truncated).toBe(true);
    expect(Buffer.from(entry?.hex ?? '', 'hex').toString('latin1')).toBe(`${'A'.repeat(12)}****`);
  });

  it('masks every whole secret inside the kept bytes and in texts', () => {
    const transcript = new Transcript();
    transcript.redact('public');
    transcript.tx('p', 'snmp.get', Buffer.from('..public..public', 'latin1'), 'community public');
    const [entry] = transcript.entries();
    expect(Buffer.from(entry?.hex ?? '', 'hex').toString('latin1')).toBe('..******..******');
    expect(entry?.text).not.toContain('public');
  });
});
