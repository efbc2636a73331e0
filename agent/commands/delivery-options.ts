import type { Options } from 'yargs';
import type { Config } from '../config/config.ts';
import type { UploadConfig } from '../delivery/delivery-config.ts';
import { type Delivery, type DeliveryOptions, describeFlush, uploadTarget } from '../delivery/deliver.ts';
import type { OutputOptions } from '../output.ts';
import { UsageError } from '../output.ts';
import { loadSigningKey } from '../delivery/signing.ts';

/** Options of the commands that sign and may upload their run (`scan`, `demo`). */
export const SIGNING_OPTIONS = {
  key: { type: 'string' as const, describe: 'sign the result with this Ed25519 private key (overrides signing.keyFile); writes result.signed.json' },
} satisfies Record<string, Options>;

export const UPLOAD_OPTIONS = {
  upload: { type: 'boolean' as const, default: false, describe: "post the signed result to the config's upload.url (spooled when that fails)" },
} satisfies Record<string, Options>;

/** Reads keys and secrets before anything is scanned, so a wrong path fails at once (exit 2). */
export function deliveryOptions(argv: { key?: string | undefined; upload?: boolean | undefined }, config?: Config): DeliveryOptions {
  const keyFile = argv.key ?? config?.signing?.keyFile;
  if (argv.upload && !config?.upload) throw new UsageError('--upload needs an upload section in the config (upload: {url, token | tokenFile | tokenEnv, ...})');
  if (argv.upload && keyFile === undefined) throw new UsageError('--upload needs a signing key: --key FILE or signing.keyFile in the config');
  const upload = argv.upload && config?.upload ? uploadOptions(config.upload) : undefined;
  return { ...(keyFile === undefined ? {} : { key: loadSigningKey(keyFile) }), ...(upload ? { upload } : {}) };
}

/** The config's upload section as delivery takes it; token and certificate files are read now. */
export function uploadOptions(upload: UploadConfig, spoolDir: string = upload.spoolDir): NonNullable<DeliveryOptions['upload']> {
  return { target: uploadTarget(upload), spoolDir, retry: upload.retry };
}

export function progressLog(output: OutputOptions): ((line: string) => void) | undefined {
  return output.quiet ? undefined : (line) => process.stderr.write(`${line}\n`);
}

/** What happened to the signed result, on stderr (stdout stays the result's). */
export function reportDelivery(delivery: Delivery, options: DeliveryOptions): void {
  if (delivery.signedFile) process.stderr.write(`Signed result: ${delivery.signedFile}\n`);
  if (delivery.upload && options.upload) process.stderr.write(`${describeFlush(delivery.upload, options.upload.spoolDir)}\n`);
}
