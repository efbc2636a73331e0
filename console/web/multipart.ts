/**
 * A multipart/form-data body (RFC 7578) with text fields and at most one file: what the evidence
 * upload form sends. Our own reader of the layout: parts separated by `--boundary` lines, each
 * with headers, a blank line and its bytes; the last boundary ends in `--`. Anything else is
 * refused with the reason, never half read.
 */

export interface UploadedFile {
  readonly field: string;
  readonly name: string;
  readonly type: string;
  readonly bytes: Buffer;
}

export interface MultipartForm {
  readonly fields: URLSearchParams;
  readonly file?: UploadedFile;
}

const MAX_PARTS = 20;
const MAX_FIELD_BYTES = 8 * 1024;

/** The boundary a content-type names (RFC 2046: 1 to 70 characters), or undefined. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  const [type, ...params] = (contentType ?? '').split(';').map((p) => p.trim());
  if (type?.toLowerCase() !== 'multipart/form-data') return undefined;
  for (const p of params) {
    const m = /^boundary=(?:"([^"]{1,70})"|([^\s";]{1,70}))$/i.exec(p);
    if (m) return m[1] ?? m[2];
  }
  return undefined;
}

/** A header parameter (`name="x"`), with the quoted-string escapes browsers use for `"` and `\`. */
function param(header: string, key: string): string | undefined {
  const m = new RegExp(`;\\s*${key}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(header);
  return m?.[1]?.replace(/\\(.)/g, '$1');
}

export function parseMultipart(body: Buffer, boundary: string): MultipartForm | string {
  const delimiter = Buffer.from(`--${boundary}`);
  // Every part after the first starts on a new line.
  const separator = Buffer.from(`\r\n--${boundary}`);
  if (!body.subarray(0, delimiter.length).equals(delimiter)) return 'the body does not start with its boundary';
  const fields = new URLSearchParams();
  let file: UploadedFile | undefined;
  let at = delimiter.length;
  for (let parts = 0; ; parts++) {
    if (body.subarray(at, at + 2).toString('latin1') === '--') return file ? { fields, file } : { fields };
    if (parts >= MAX_PARTS) return `more than ${MAX_PARTS} parts`;
    if (body.subarray(at, at + 2).toString('latin1') !== '\r\n') return 'a boundary line does not end in CRLF';
    const headerEnd = body.indexOf('\r\n\r\n', at + 2);
    if (headerEnd < 0 || headerEnd - at > 4096) return 'a part has no end of its headers';
    const headers = body
      .subarray(at + 2, headerEnd)
      .toString('utf8')
      .split('\r\n');
    const next = body.indexOf(separator, headerEnd + 4);
    if (next < 0) return 'the body ends before its closing boundary';
    const content = body.subarray(headerEnd + 4, next);
    const disposition = headers.find((h) => /^content-disposition:\s*form-data/i.test(h));
    const name = disposition && param(disposition, 'name');
    if (!disposition || name === undefined) return 'a part is not a named form-data field';
    const filename = param(disposition, 'filename');
    if (filename !== undefined) {
      if (file) return 'more than one file';
      const type = headers.find((h) => /^content-type:/i.test(h))?.replace(/^content-type:\s*/i, '') ?? 'application/octet-stream';
      file = { field: name, name: filename, type, bytes: content };
    } else {
      if (content.length > MAX_FIELD_BYTES) return `field ${name} is longer than ${MAX_FIELD_BYTES} bytes`;
      fields.append(name, content.toString('utf8'));
    }
    at = next + separator.length;
  }
}
