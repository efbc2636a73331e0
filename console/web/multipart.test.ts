import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundaryOf, parseMultipart } from './multipart.ts';

const B = '----cellcheckBoundary7MA4YWxk';
const part = (headers: string, content: string | Buffer) =>
  Buffer.concat([Buffer.from(`--${B}\r\n${headers}\r\n\r\n`), Buffer.from(content), Buffer.from('\r\n')]);
const body = (...parts: Buffer[]) => Buffer.concat([...parts, Buffer.from(`--${B}--\r\n`)]);

describe('multipart/form-data bodies', () => {
  it('reads text fields and one file byte for byte, as a browser sends them', async () => {
    const bytes = Buffer.from([0, 0xff, 0x0d, 0x0a, 0x2d, 0x2d, 0x41]);
    const sent = new FormData();
    sent.append('csrf', 'tok"en');
    sent.append('file', new Blob([bytes], { type: 'image/png' }), 'name "q".png');
    const request = new Request('http://x/', { method: 'POST', body: sent });
    const boundary = boundaryOf(request.headers.get('content-type') ?? '');
    expect(boundary).toBeDefined();
    const parsed = parseMultipart(Buffer.from(await request.arrayBuffer()), boundary ?? '');
    if (typeof parsed === 'string') throw new Error(parsed);
    expect(parsed.fields.get('csrf')).toBe('tok"en');
    expect(parsed.file).toMatchObject({ field: 'file', type: 'image/png' });
    expect(parsed.file?.name).toContain('.png');
    expect(parsed.file?.bytes.equals(bytes)).toBe(true);
  });

  it('takes the boundary only from multipart/form-data', () => {
    expect(boundaryOf(`multipart/form-data; boundary=${B}`)).toBe(B);
    expect(boundaryOf(`multipart/form-data; boundary="${B}"`)).toBe(B);
    expect(boundaryOf(`multipart/mixed; boundary=${B}`)).toBeUndefined();
    expect(boundaryOf('multipart/form-data')).toBeUndefined();
    expect(boundaryOf(`multipart/form-data; boundary=${'x'.repeat(71)}`)).toBeUndefined();
  });

  it('refuses what is not a well-formed form, naming why', () => {
    const field = part('Content-Disposition: form-data; name="a"', '1');
    const file = (name: string) => part(`Content-Disposition: form-data; name="f"; filename="${name}"`, 'x');
    expect(parseMultipart(Buffer.from('junk'), B)).toBe('the body does not start with its boundary');
    expect(parseMultipart(field, B)).toBe('the body ends before its closing boundary');
    expect(parseMultipart(body(file('a'), file('b')), B)).toBe('more than one file');
    expect(parseMultipart(body(part('Content-Type: text/plain', 'x')), B)).toBe('a part is not a named form-data field');
    expect(parseMultipart(body(...Array.from({ length: 21 }, () => field)), B)).toBe('more than 20 parts');
    expect(parseMultipart(body(part('Content-Disposition: form-data; name="a"', 'x'.repeat(9000))), B)).toBe('field a is longer than 8192 bytes');
    expect(parseMultipart(Buffer.from(`--${B}XX`), B)).toBe('a boundary line does not end in CRLF');
    expect(parseMultipart(Buffer.from(`--${B}\r\nContent-Disposition: form-data; name="a"`), B)).toBe('a part has no end of its headers');
    expect(parseMultipart(body(field), B)).toEqual({ fields: new URLSearchParams('a=1') });
  });

  it('never throws on damaged bodies: random bytes, and a valid body cut or with bytes changed', () => {
    const valid = body(part('Content-Disposition: form-data; name="csrf"', 't'), part('Content-Disposition: form-data; name="file"; filename="a.bin"', 'xyz'));
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.nat(valid.length),
        fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 8 }),
        (random, cut, flips) => {
          const damaged = Buffer.from(valid.subarray(0, cut));
          for (const [at, byte] of flips) if (at < damaged.length) damaged[at] = byte;
          for (const input of [Buffer.from(random), damaged]) {
            const parsed = parseMultipart(input, B);
            expect(typeof parsed === 'string' || parsed.fields instanceof URLSearchParams).toBe(true);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
