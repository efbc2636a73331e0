import { describe, expect, it } from 'vitest';
import { oidAfter } from './adapter.ts';
import { engineEnterprise, ipAddressRows, maskToPrefix, mergeAddresses, octetsToText, parseIpAddressIndex } from './facts.ts';

describe('SNMP value helpers', () => {
  it('orders OIDs by numeric arcs, not as text', () => {
    expect(oidAfter('1.3.6.1.2.1.2.2.1.2.10', '1.3.6.1.2.1.2.2.1.2.9')).toBe(true);
    expect(oidAfter('1.3.6.1.2.1.2.2.1.2.9', '1.3.6.1.2.1.2.2.1.2.10')).toBe(false);
    expect(oidAfter('1.3.6.1.2.1.2.2.1.2.1', '1.3.6.1.2.1.2.2.1.2')).toBe(true);
    expect(oidAfter('1.3.6.1.2.1.2.2.1.2.1', '1.3.6.1.2.1.2.2.1.2.1')).toBe(false);
  });

  it('keeps printable text and shows binary octets as hex', () => {
    expect(octetsToText(Buffer.from('PLC-3000\0\0'))).toBe('PLC-3000');
    expect(octetsToText(Buffer.from([0x00, 0x1b, 0x1b, 0x01, 0x02, 0x03]))).toBe('hex:001b1b010203');
    expect(octetsToText(Buffer.from([0xff, 0xfe]))).toBe('hex:fffe');
    expect(octetsToText(null)).toBeUndefined();
    expect(octetsToText(Buffer.alloc(5000, 0x41))).toHaveLength(1024);
  });

  it('turns contiguous netmasks into prefix lengths only', () => {
    expect(maskToPrefix('255.255.255.0')).toBe(24);
    expect(maskToPrefix('255.255.255.255')).toBe(32);
    expect(maskToPrefix('0.0.0.0')).toBe(0);
    expect(maskToPrefix('255.0.255.0')).toBeUndefined();
    expect(maskToPrefix('garbage')).toBeUndefined();
  });

  it('parses ipAddressTable indexes, dropping zones and rejecting bad lengths', () => {
    expect(parseIpAddressIndex('1.4.10.10.3.5')).toEqual({ address: '10.10.3.5', family: 'ipv4' });
    expect(parseIpAddressIndex('2.16.254.128.0.0.0.0.0.0.0.0.0.0.0.0.0.1')).toEqual({ address: 'fe80::1', family: 'ipv6' });
    expect(parseIpAddressIndex('3.8.10.10.3.5.0.0.0.7')).toEqual({ address: '10.10.3.5', family: 'ipv4' });
    expect(parseIpAddressIndex('1.4.10.10.3')).toBeUndefined();
    expect(parseIpAddressIndex('1.4.10.10.3.999')).toBeUndefined();
    expect(parseIpAddressIndex('9.1.1')).toBeUndefined();
  });

  it('skips broadcast rows and reads the prefix length from the ipAddressPrefix pointer', () => {
    const rows = new Map([
      ['1.4.10.10.3.5', [3, 1, '1.3.6.1.2.1.4.32.1.5.3.1.4.10.10.3.0.24']],
      ['1.4.10.10.3.255', [3, 3, '0.0']],
    ]);
    expect(ipAddressRows(rows)).toEqual([{ address: '10.10.3.5', family: 'ipv4', prefixLength: 24, ifIndex: 3, source: 'ipAddressTable' }]);
  });

  it('keeps one row per address, preferring one with a prefix length', () => {
    const merged = mergeAddresses(
      [{ address: '10.10.3.5', family: 'ipv4', source: 'ipAddrTable' }],
      [{ address: '10.10.3.5', family: 'ipv4', prefixLength: 24, source: 'ipAddressTable' }],
    );
    expect(merged).toEqual([{ address: '10.10.3.5', family: 'ipv4', prefixLength: 24, source: 'ipAddressTable' }]);
  });

  it('reads the enterprise number only from an RFC 3411 engine ID', () => {
    expect(engineEnterprise(Buffer.from('800000090300aabbccddeeff', 'hex'))).toBe(9);
    expect(engineEnterprise(Buffer.from('000000090300', 'hex'))).toBeUndefined();
  });
});
