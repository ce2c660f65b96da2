import { describe, expect, it } from 'vitest';
import { afterFailure, centralList, learn, MAX_CENTRALS, parseCentralHosts, succeeded, SUSPECT_MS } from '../../src/roles/shared/central-list.js';

const ab = centralList(['a:8000', 'b:8000']);
const NOW = 1_000_000;

describe('central list', () => {
  it.each([
    { value: 'a', out: ['a:8000'] },
    { value: 'a, b:9000 ,,', out: ['a:8000', 'b:9000'] },
    { value: '[::1]:9000,::1,[fe80::1]', out: ['[::1]:9000', '[::1]:8000', '[fe80::1]:8000'] },
  ])('parses --host $value', ({ value, out }) => {
    expect(parseCentralHosts(value, 8000)).toEqual(out);
  });

  it.each([
    { name: 'a standby names the leader: go there', err: { code: 'NOT_LEADER', details: { leader: 'b:8000' } }, current: 'b:8000', addresses: ['a:8000', 'b:8000'], suspect: [] },
    { name: 'a standby names a leader we did not know: learn it and go there', err: { code: 'NOT_LEADER', details: { leader: 'c:8000', centrals: ['c:8000', 'a:8000'] } }, current: 'c:8000', addresses: ['a:8000', 'b:8000', 'c:8000'], suspect: [] },
    { name: 'a standby that knows no leader yet: the next one', err: { code: 'NOT_LEADER', details: {} }, current: 'b:8000', addresses: ['a:8000', 'b:8000'], suspect: [] },
    { name: 'unreachable: the next one, and this one is suspect', err: { code: 'UNREACHABLE' }, current: 'b:8000', addresses: ['a:8000', 'b:8000'], suspect: ['a:8000'] },
    { name: 'details of other errors are not trusted as addresses', err: { code: 'TIMEOUT', details: { leader: 'evil:1' } }, current: 'b:8000', addresses: ['a:8000', 'b:8000'], suspect: ['a:8000'] },
  ])('$name', ({ err, current, addresses, suspect }) => {
    const next = afterFailure(ab, err, NOW);
    expect(next.current).toBe(current);
    expect(next.addresses).toEqual(addresses);
    expect(Object.keys(next.suspectUntil)).toEqual(suspect);
  });

  it('after losing the leader, stays with the standby that still names it until the standby leads', () => {
    // The link to a broke: b is next; b stands by and names a (the dead leader) until its lease runs out.
    const lost = afterFailure(ab, { code: 'DISCONNECTED' }, NOW);
    expect(lost.current).toBe('b:8000');
    const told = afterFailure(lost, { code: 'NOT_LEADER', details: { leader: 'a:8000' } }, NOW + 250);
    expect(told.current).toBe('b:8000');
    expect(afterFailure(told, { code: 'NOT_LEADER', details: { leader: 'a:8000' } }, NOW + 500).current).toBe('b:8000');
    // Once a's failure is old, a standby's word sends us there again.
    expect(afterFailure(told, { code: 'NOT_LEADER', details: { leader: 'a:8000' } }, NOW + SUSPECT_MS + 1).current).toBe('a:8000');
  });

  it('when every central failed lately, tries the one that failed first; success clears suspicion', () => {
    const one = afterFailure(ab, { code: 'UNREACHABLE' }, NOW);
    const both = afterFailure(one, { code: 'UNREACHABLE' }, NOW + 100);
    expect(both.current).toBe('a:8000');
    expect(Object.keys(succeeded(both).suspectUntil)).toEqual(['b:8000']);
    const single = centralList(['a:8000']);
    expect(afterFailure(single, { code: 'UNREACHABLE' }, NOW).current).toBe('a:8000');
  });

  it('keeps at most MAX_CENTRALS addresses, the given ones first', () => {
    const many = learn(ab, Array.from({ length: 40 }, (_, i) => `h${i}:1`));
    expect(many.addresses).toHaveLength(MAX_CENTRALS);
    expect(many.addresses.slice(0, 2)).toEqual(['a:8000', 'b:8000']);
    expect(many.current).toBe('a:8000');
    expect(learn(ab, undefined)).toBe(ab);
  });
});
