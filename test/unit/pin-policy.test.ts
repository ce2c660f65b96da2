import { describe, expect, it } from 'vitest';
import { decidePin, decidePlain, envTrustsNew, type PinDecision, type PinInput } from '../../src/roles/shared/pin-policy.js';

const A = 'SHA256:' + 'A'.repeat(43);
const B = 'SHA256:' + 'B'.repeat(43);

const base: PinInput = { pinned: undefined, seen: A, flag: undefined, vouched: false, envTrust: false, interactive: false };

describe('decidePin', () => {
  // pinned × how the new certificate is vouched for × terminal → decision
  const cases: [string, Partial<PinInput>, PinDecision][] = [
    ['known, no terminal', { pinned: A }, 'known'],
    ['known, terminal', { pinned: A, interactive: true }, 'known'],
    ['known, matching flag', { pinned: A, flag: A }, 'known'],
    ['known, env switch', { pinned: A, envTrust: true }, 'known'],
    ['known, flag naming another certificate', { pinned: A, flag: B }, 'refuse-mismatch'],
    ['changed, no terminal', { pinned: B }, 'refuse-changed'],
    ['changed, terminal: never asked', { pinned: B, interactive: true }, 'refuse-changed'],
    ['changed, env switch does not override', { pinned: B, envTrust: true }, 'refuse-changed'],
    ['changed, flag with the new one: reset first', { pinned: B, flag: A }, 'refuse-changed'],
    ['changed, vouched: reset first', { pinned: B, vouched: true }, 'refuse-changed'],
    ['unknown, no terminal, nothing said', {}, 'refuse-unknown'],
    ['unknown, terminal', { interactive: true }, 'prompt'],
    ['unknown, matching flag', { flag: A }, 'pin'],
    ['unknown, matching flag, terminal: no question', { flag: A, interactive: true }, 'pin'],
    ['unknown, flag naming another certificate', { flag: B }, 'refuse-mismatch'],
    ['unknown, flag naming another, terminal', { flag: B, interactive: true }, 'refuse-mismatch'],
    ['unknown, flag naming another, env switch', { flag: B, envTrust: true }, 'refuse-mismatch'],
    ['unknown, env switch', { envTrust: true }, 'pin'],
    ['unknown, env switch, terminal', { envTrust: true, interactive: true }, 'pin'],
    ['unknown, vouched by the local central', { vouched: true }, 'pin'],
  ];
  it.each(cases)('%s', (_name, input, want) => {
    expect(decidePin({ ...base, ...input })).toBe(want);
  });
});

describe('decidePlain', () => {
  it.each([
    [{ loopback: true, insecure: false }, 'plain'],
    [{ loopback: false, insecure: true }, 'plain'],
    [{ loopback: true, insecure: true }, 'plain'],
    [{ loopback: false, insecure: false }, 'refuse'],
  ] as const)('%j → %s', (input, want) => {
    expect(decidePlain(input)).toBe(want);
  });
});

describe('envTrustsNew', () => {
  it.each([
    ['1', true],
    ['true', true],
    ['YES', true],
    [' 1 ', true],
    ['0', false],
    ['', false],
    ['no', false],
    ['false', false],
    [undefined, false],
  ] as const)('%j → %s', (value, want) => {
    expect(envTrustsNew(value)).toBe(want);
  });
});
