import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';

/** Debian's nmap: its NSE scripts (fox-info, pcworx-info) are independent clients of our fixtures. */
export const NMAP = '/usr/bin/nmap';

/** Why the nmap cross-checks are skipped here, or false. */
export const nmapMissing = (): string | false => (existsSync(NMAP) ? false : `no ${NMAP}: apt-get install -y nmap`);

const run = promisify(execFile);
const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Runs one NSE script against host:port (a TCP connect scan, no ping, no DNS; `+` runs it on any
 * port) and returns the key/value table it printed. Asynchronous on purpose: the fixture under test
 * lives in this process and must keep serving while nmap talks to it.
 */
export async function nmapScript(host: string, port: number, script: string): Promise<Record<string, string>> {
  const stdout = await nmapXml(host, port, script);
  const table: Record<string, string> = {};
  for (const [, key = '', value = ''] of stdout.matchAll(/<elem key="([^"]*)">([^<]*)<\/elem>/g)) table[key] = xmlText(value);
  return table;
}

/** The text a script printed, for scripts that print lines rather than a key/value table (rdp-enum-encryption). */
export async function nmapScriptText(host: string, port: number, script: string, scriptArgs?: string): Promise<string> {
  const output = /<script id="[^"]*" output="([^"]*)"/.exec(await nmapXml(host, port, script, scriptArgs))?.[1] ?? '';
  return xmlText(output.replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCharCode(Number.parseInt(code, 16))));
}

const xmlText = (xml: string) => xml.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => ENTITIES[name] ?? '');

async function nmapXml(host: string, port: number, script: string, scriptArgs?: string): Promise<string> {
  const args = scriptArgs === undefined ? [] : ['--script-args', scriptArgs];
  const { stdout } = await run(NMAP, ['-n', '-Pn', '-sT', '-p', String(port), '--script', `+${script}`, ...args, '-oX', '-', host], { timeout: 60_000 });
  return stdout;
}
