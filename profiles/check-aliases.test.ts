import { describe, expect, it } from 'vitest';
import { CHECK_INSTANCES } from './bundled.ts';
import { CHECK_ALIASES, currentCheckId } from './check-aliases.ts';
import { CheckInstance } from './checks/types.ts';

const current = new Set(CHECK_INSTANCES.map((c) => CheckInstance.parse(c).id));

describe('renamed check ids (profiles/data/check-aliases.json)', () => {
  it('every alias points to a check that exists, never to another alias', () => {
    const targets = Object.values(CHECK_ALIASES);
    expect(targets.filter((id) => !current.has(id))).toEqual([]);
    expect(targets.filter((id) => Object.hasOwn(CHECK_ALIASES, id))).toEqual([]);
  });

  it('no old id is still a current id, and no two old ids share a target', () => {
    expect(Object.keys(CHECK_ALIASES).filter((id) => current.has(id))).toEqual([]);
    expect(new Set(Object.values(CHECK_ALIASES)).size).toBe(Object.keys(CHECK_ALIASES).length);
  });

  it('reads an old id as its current one and leaves any other id alone', () => {
    expect(currentCheckId('telnet.exposed')).toBe('telnet.absent');
    expect(currentCheckId('telnet.absent')).toBe('telnet.absent');
    expect(currentCheckId('host.time-sync')).toBe('host.time-sync');
    expect(currentCheckId('constructor')).toBe('constructor');
  });
});

describe('check names', () => {
  const instances = CHECK_INSTANCES.map((c) => CheckInstance.parse(c));
  const byKind = Map.groupBy(instances, (c) => c.kind);

  it('every kind and instance id is protocol.noun, the instance id ending in its kind noun', () => {
    const style = /^[a-z0-9]+\.[a-z0-9-]+$/;
    expect(instances.flatMap((c) => [c.id, c.kind]).filter((id) => !style.test(id))).toEqual([]);
    const unlike = instances.filter((c) => {
      const [, noun = ''] = c.kind.split('.');
      const [, own = ''] = c.id.split('.');
      return own !== noun && !own.endsWith(`-${noun}`);
    });
    expect(unlike.map((c) => `${c.id} (${c.kind})`)).toEqual([]);
  });

  it('a kind with one instance and no subject to choose lends it its id', () => {
    const differ = [...byKind.values()].filter((list) => list.length === 1 && Object.keys(list[0]?.params ?? {}).length === 0 && list[0]?.id !== list[0]?.kind);
    expect(differ.flat().map((c) => `${c.id} (${c.kind})`)).toEqual([]);
  });
});
