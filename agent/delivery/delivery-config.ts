import { z } from 'zod';

/** `signing:` in the config: the agent's Ed25519 private key (made by `cellcheck keygen`) and the id it signs as. */
export const SigningConfig = z.strictObject({
  keyFile: z.string().min(1).optional(),
  /** The agent id results carry and the console enrols (default: the host name). */
  agentId: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, 'letters, digits, ".", "_" or "-", at most 128')
    .optional(),
});

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost|\[::1\])$/;

/**
 * `upload:` in the config: where signed results go. The token is given one way only; a token in
 * the file itself is accepted but tokenFile or tokenEnv keep it out of the config.
 */
export const UploadConfig = z
  .strictObject({
    url: z
      .url({ protocol: /^https?$/, error: 'an http(s) URL of the console, e.g. https://console.example:8443' })
      .refine(
        (u) => u.startsWith('https:') || LOOPBACK.test(new URL(u).hostname),
        'plain http only to a loopback console; use https (the token must not cross a network in clear)',
      ),
    token: z.string().min(1).optional(),
    tokenFile: z.string().min(1).optional(),
    tokenEnv: z.string().min(1).optional(),
    /** The operator's CA certificate (PEM) that the console's certificate chains to. */
    caFile: z.string().min(1).optional(),
    /** Client certificate and key (PEM), for a console that asks for one. */
    certFile: z.string().min(1).optional(),
    keyFile: z.string().min(1).optional(),
    /** Signed results wait here until the console acknowledges them. */
    spoolDir: z.string().min(1).default('spool'),
    timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
    retry: z
      .strictObject({
        /** Failed tries in a row after which a flush stops; the rest stays spooled for the next one. */
        attempts: z.number().int().min(1).max(100).default(4),
        baseDelayMs: z.number().int().min(1).max(3_600_000).default(2_000),
        maxDelayMs: z.number().int().min(1).max(86_400_000).default(300_000),
      })
      .prefault({}),
  })
  .refine(
    (u) => [u.token, u.tokenFile, u.tokenEnv].filter((t) => t !== undefined).length === 1,
    'give the bearer token exactly one way: token, tokenFile or tokenEnv',
  )
  .refine((u) => (u.certFile === undefined) === (u.keyFile === undefined), 'a client certificate needs both certFile and keyFile');
export type UploadConfig = z.infer<typeof UploadConfig>;
export type RetryPolicy = UploadConfig['retry'];
