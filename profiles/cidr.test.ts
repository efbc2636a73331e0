import { describe, expect, it } from 'vitest';
import { cidrContains, expandCidr, parseCidr } from './cidr.ts';

function cidr(text: string) {
  const c = parseCidr(text);
  if (typeof c === 'string') throw new Error(c);
  return c;
}

describe('CIDR', () => {
  it('expands a /28 to its 14 host addresses', () => {
    const hosts = expandCidr(cidr('10.10.3.0/28'));
    expect(hosts).toHaveLength(14);
    expect(hosts[0]).toBe('10.10.3.1');
    expect(hosts.at(-1)).toBe('10.10.3.14');
  });

  it('keeps both addresses of a /31 and the one of a /32', () => {
    expect(expandCidr(cidr('192.168.0.4/31'))).toEqual(['192.168.0.4', '192.168.0.5']);
    expect(expandCidr(cidr('127.0.0.1/32'))).toEqual(['127.0.0.1']);
  });

  it('crosses octet boundaries', () => {
    expect(expandCidr(cidr('10.0.0.0/23'))).toContain('10.0.1.0');
  });

  it.each([
    ['10.10.3.0', 'expected an IPv4 range'],
    ['10.10.3.0/33', 'longer than 32'],
    ['10.10.300.0/24', 'not an IPv4 address'],
    ['10.10.3.5/28', 'host bits are set'],
    ['fe80::/64', 'expected an IPv4 range'],
  ])('refuses %s', (text, reason) => {
    expect(parseCidr(text)).toContain(reason);
  });

  it('tells membership', () => {
    expect(cidrContains(cidr('10.10.3.0/28'), '10.10.3.15')).toBe(true);
    expect(cidrContains(cidr('10.10.3.0/28'), '10.10.3.16')).toBe(false);
    expect(cidrContains(cidr('10.10.3.0/28'), 'not-an-ip')).toBe(false);
  });
});
