/**
 * Windows releases by the build number their NTLM version block (SMB, RDP) reports. Client and
 * server releases share builds, so both are named; a build not listed is reported as the number.
 */
const RELEASES: Readonly<Record<number, string>> = {
  2600: 'Windows XP',
  3790: 'Windows Server 2003 / XP x64',
  6001: 'Windows Vista SP1 / Server 2008',
  6002: 'Windows Vista SP2 / Server 2008 SP2',
  6003: 'Windows Server 2008 SP2',
  7600: 'Windows 7 / Server 2008 R2',
  7601: 'Windows 7 SP1 / Server 2008 R2 SP1',
  9200: 'Windows 8 / Server 2012',
  9600: 'Windows 8.1 / Server 2012 R2',
  10240: 'Windows 10 1507',
  14393: 'Windows 10 1607 / Server 2016',
  17763: 'Windows 10 1809 / Server 2019',
  19044: 'Windows 10 21H2',
  19045: 'Windows 10 22H2',
  20348: 'Windows Server 2022',
  22621: 'Windows 11 22H2',
  22631: 'Windows 11 23H2',
  26100: 'Windows 11 24H2 / Server 2025',
};

export interface NtlmOsVersion {
  readonly major: number;
  readonly minor: number;
  readonly build: number;
}

/**
 * The OS as an identity value, e.g. `Windows NT 10.0.17763 (Windows 10 1809 / Server 2019)`;
 * undefined for build 0, which Windows never sends (Samba does, with a fixed version).
 */
export function windowsOsName(v: NtlmOsVersion): string | undefined {
  if (v.build === 0) return undefined;
  const release = RELEASES[v.build];
  return `Windows NT ${v.major}.${v.minor}.${v.build}${release ? ` (${release})` : ''}`;
}
