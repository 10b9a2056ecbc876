import { describe, expect, it } from 'vitest';
import { heapGrowth, summarizeHeapSnapshot } from './heap.ts';

/** A heap snapshot in V8's format (meta, flat node array, string table), edges left out. */
function snapshot(nodes: [type: string, name: string, bytes: number][]) {
  const types = ['hidden', 'array', 'string', 'object', 'code', 'closure', 'native', 'concatenated string'];
  const strings: string[] = [];
  const at = (s: string) => (strings.includes(s) ? strings.indexOf(s) : strings.push(s) - 1);
  return JSON.stringify({
    snapshot: {
      meta: {
        node_fields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'],
        node_types: [types, 'string', 'number', 'number', 'number', 'number', 'number'],
      },
    },
    nodes: nodes.flatMap(([type, name, bytes], i) => [
      types.indexOf(type),
      at(name),
      i * 2 + 1,
      bytes,
      0,
      0,
      0,
    ]),
    edges: [],
    strings,
  });
}

describe('the heap snapshot summary', () => {
  it('sums self sizes by kind and constructor, strings and code as one group, ArrayBuffer data apart', () => {
    const s = summarizeHeapSnapshot(
      snapshot([
        ['object', 'RunContext', 100],
        ['object', 'RunContext', 140],
        ['string', 'select 1', 24],
        ['concatenated string', 'a', 32],
        ['code', 'raw_parser', 1000],
        ['native', 'system / JSArrayBufferData', 1 << 20],
      ]),
    );
    expect(s.groups.get('object RunContext')).toEqual({ count: 2, bytes: 240 });
    expect(s.groups.get('strings')).toEqual({ count: 2, bytes: 56 });
    expect(s.groups.get('compiled code')).toEqual({ count: 1, bytes: 1000 });
    expect(s.jsBytes).toBe(240 + 56 + 1000);
    expect(s.arrayBufferBytes).toBe(1 << 20);
  });

  it('lists what grew most first, with the change in objects', () => {
    const idle = summarizeHeapSnapshot(
      snapshot([
        ['object', 'Socket', 300],
        ['object', 'Timeout', 80],
      ]),
    );
    const busy = summarizeHeapSnapshot(
      snapshot([
        ...Array.from({ length: 200 }, (): [string, string, number] => ['object', 'RunContext', 500]),
        ['object', 'Timeout', 80],
        ['object', 'Timeout', 80],
      ]),
    );
    const growth = heapGrowth(idle, busy, 3);
    expect(growth.map((g) => g.group)).toEqual(['object RunContext', 'object Timeout', 'object Socket']);
    expect(growth[0]).toEqual({
      group: 'object RunContext',
      'grew KB': 98,
      'more objects': 200,
      'now KB': 98,
    });
    expect(growth[2]).toMatchObject({ 'more objects': -1, 'now KB': 0 });
  });
});
