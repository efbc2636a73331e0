import { createHash } from 'node:crypto';
import { writeAudit } from './audit.ts';
import type { Sql, SqlDb } from './db.ts';

/**
 * Small evidence files kept with the answers that cite them (a signed checklist, a photo of a
 * nameplate): stored once by their SHA-256, which an answer's evidence names as `sha256:<hex>`.
 * Every console user may read them (like every zone); they are served as downloads, never shown
 * inline, so an uploaded page cannot run in the console's origin.
 */

export const MAX_EVIDENCE_BYTES = 2 * 1024 * 1024;

export interface EvidenceFile {
  readonly sha256: string;
  /** The zone it was first uploaded for. */
  readonly zone: string;
  readonly name: string;
  readonly mediaType: string;
  readonly size: number;
  readonly uploadedBy: string;
  readonly uploadedAt: string;
}

/** A file name fit for a list and a download header: no path, printable ASCII without quotes, at most 200 characters. */
export function cleanName(name: string): string {
  const base = name.split(/[/\\]/).at(-1) ?? '';
  const clean = base
    .replace(/[^\x20-\x7e]|["';\\]/g, '_')
    .trim()
    .slice(0, 200);
  return clean === '' ? 'evidence' : clean;
}

const cleanType = (type: string) => (/^[\w.+-]+\/[\w.+-]+$/.test(type) ? type.toLowerCase() : 'application/octet-stream');

const fileOf = (r: Record<string, unknown>): EvidenceFile => ({
  sha256: String(r.sha256),
  zone: String(r.zone),
  name: String(r.name),
  mediaType: String(r.media_type),
  size: Number(r.size),
  uploadedBy: String(r.uploaded_by),
  uploadedAt: String(r.uploaded_at),
});

/** Keeps a file (once per content), audited; returns it as stored (the first upload's name when the content was known). */
export async function storeEvidence(
  db: SqlDb,
  zone: string,
  file: { name: string; type: string; bytes: Buffer },
  actor: string,
  at: Date,
): Promise<EvidenceFile> {
  const sha256 = createHash('sha256').update(file.bytes).digest('hex');
  return db.transaction(async (tx) => {
    const added = await tx.run(
      `INSERT INTO evidence_files (sha256, zone, name, media_type, size, content_base64, uploaded_by, uploaded_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO NOTHING`,
      [sha256, zone, cleanName(file.name), cleanType(file.type), file.bytes.length, file.bytes.toString('base64'), actor, at.toISOString()],
    );
    if (added > 0)
      await writeAudit(tx, {
        at: at.toISOString(),
        actor,
        action: 'evidence.upload',
        subject: `zone ${zone}`,
        detail: `sha256:${sha256} ${cleanName(file.name)} (${file.bytes.length} bytes)`,
      });
    return (await evidenceInfo(tx, sha256)) as EvidenceFile;
  });
}

export async function evidenceInfo(sql: Sql, sha256: string): Promise<EvidenceFile | undefined> {
  const row = await sql.get('SELECT sha256, zone, name, media_type, size, uploaded_by, uploaded_at FROM evidence_files WHERE sha256 = ?', [sha256]);
  return row ? fileOf(row) : undefined;
}

export async function evidenceBytes(sql: Sql, sha256: string): Promise<{ file: EvidenceFile; bytes: Buffer } | undefined> {
  const row = await sql.get('SELECT * FROM evidence_files WHERE sha256 = ?', [sha256]);
  return row ? { file: fileOf(row), bytes: Buffer.from(String(row.content_base64), 'base64') } : undefined;
}

/** The files uploaded for a zone, newest first. */
export async function zoneEvidence(sql: Sql, zone: string): Promise<EvidenceFile[]> {
  const rows = await sql.all(
    'SELECT sha256, zone, name, media_type, size, uploaded_by, uploaded_at FROM evidence_files WHERE zone = ? ORDER BY uploaded_at DESC, sha256',
    [zone],
  );
  return rows.map(fileOf);
}
