// Property: the hx-ws grammar, fed random strings, never throws; every error names a part of the
// input (and quotes it in its message); the valid parts still work whatever surrounds them.
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { parseHxWs } from '../../../../src/features/shim/grammar.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

type Token = { text: string; connect?: { url: string; scheme?: 'ws' | 'wss' }; send?: true; bad?: true };

/** Parts with known meaning (none contains a separator). */
const token: fc.Arbitrary<Token> = fc.oneof(
  fc.constant<Token>({ text: 'send', send: true }),
  fc.constantFrom('/chat', 'chat', '//h.org/x', 'ws://h.org/a', 'wss://h.org/b', 'http://h.org:81/c?d=1', 'https://h.org/e').map((url): Token => ({ text: `connect:${url}`, connect: { url } })),
  fc
    .tuple(fc.constantFrom('ws', 'wss', 'WSS'), fc.constantFrom('/p', 'q', '/r?s=1'))
    .map(([scheme, url]): Token => ({ text: `connect:${scheme}:${url}`, connect: { url, scheme: scheme.toLowerCase() as 'ws' | 'wss' } })),
  fc.constantFrom('connect:', 'connect:wss:', 'connect:ftp:/x', 'connect:javascript:alert(1)', 'SEND', 'sned', 'Connect:/x', 'connect', '"', '<x>').map((text): Token => ({ text, bad: true })),
  fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/[\s,]/.test(s) && s !== 'send' && !s.startsWith('connect:')).map((text): Token => ({ text, bad: true })),
);
const separator = fc.constantFrom(' ', ',', ', ', ' ,', '\n\t', ',,');

describe('hx-ws grammar: property', () => {
  it('never throws on any string, and every error quotes a part of the input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 })), (value) => {
        const got = parseHxWs(value);
        const parts = value.split(/[\s,]+/).filter(Boolean);
        expect(got.errors.length).to.be.at.most(parts.length);
        for (const e of got.errors) {
          expect(parts, 'the error names one part of the value').to.include(e.part);
          expect(e.message).to.contain(`"${e.part}"`);
        }
        expect(got.send).to.equal(parts.includes('send'));
      }),
      { numRuns: 500, seed: 11 },
    );
    expect(() => parseHxWs(null)).not.to.throw();
    expect(() => parseHxWs(undefined)).not.to.throw();
  });

  it('valid parts work whatever else is in the value; each bad or repeated connect part is one error, in order', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(token, separator), { maxLength: 8 }), fc.constantFrom('', ' ', ',', '\n'), (pairs, lead) => {
        const value = lead + pairs.map(([t, sep]) => t.text + sep).join('');
        const tokens = pairs.map(([t]) => t);
        const got = parseHxWs(value);
        const firstConnect = tokens.find((t) => t.connect);
        const expectedErrors = tokens.filter((t) => t.bad || (t.connect && t !== firstConnect)).map((t) => t.text);
        expect(got.errors.map((e) => e.part)).to.deep.equal(expectedErrors);
        for (const e of got.errors) expect(e.message).to.contain(`"${e.part}"`);
        expect(got.connect).to.deep.equal(firstConnect?.connect);
        expect(got.send).to.equal(tokens.some((t) => t.send));
      }),
      { numRuns: 500, seed: 12 },
    );
  });
});
