/** Small readers shared by the SMB1, SMB2 and NTLMSSP parsers. */

/** 100-ns intervals between 1601-01-01 (FILETIME's epoch) and 1970-01-01. */
const FILETIME_UNIX_OFFSET = 116_444_736_000_000_000n;
/** A FILETIME past 9999-12-31 is no clock reading. */
const FILETIME_MAX = 2_650_467_743_990_000_000n;

/** A FILETIME as ISO 8601; undefined for 0 (not given) and for values no clock can hold. */
export function filetimeToIso(value: bigint): string | undefined {
  if (value === 0n || value < FILETIME_UNIX_OFFSET || value > FILETIME_MAX) return undefined;
  return new Date(Number((value - FILETIME_UNIX_OFFSET) / 10_000n)).toISOString();
}

/** A NUL-terminated UTF-16LE string and what follows it (all of `buf` when unterminated). */
export function utf16z(buf: Buffer): { text: string; rest: Buffer } {
  for (let i = 0; i + 1 < buf.length; i += 2) {
    if (buf[i] === 0 && buf[i + 1] === 0) return { text: buf.subarray(0, i).toString('utf16le'), rest: buf.subarray(i + 2) };
  }
  return { text: buf.subarray(0, buf.length - (buf.length % 2)).toString('utf16le'), rest: Buffer.alloc(0) };
}

/** A GUID as Windows prints it: the first three fields little-endian. */
export function guidText(b: Buffer): string {
  const h = (x: Buffer) => x.toString('hex');
  const le = (x: Buffer) => h(Buffer.from(x).reverse());
  return `${le(b.subarray(0, 4))}-${le(b.subarray(4, 6))}-${le(b.subarray(6, 8))}-${h(b.subarray(8, 10))}-${h(b.subarray(10, 16))}`;
}
