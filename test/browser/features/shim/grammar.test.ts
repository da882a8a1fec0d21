import { expect } from '@open-wc/testing';
import { parseHxWs } from '../../../../src/features/shim/grammar.js';
import '../../../../src/full.js'; // every feature, as before the core/feature split

describe('hx-ws grammar', () => {
  const ok: [string, object][] = [
    ['connect:/chat', { connect: { url: '/chat' }, send: false }],
    ['connect:wss:/chat', { connect: { url: '/chat', scheme: 'wss' }, send: false }],
    ['connect:ws:chat', { connect: { url: 'chat', scheme: 'ws' }, send: false }],
    ['connect:wss://h.org/x', { connect: { url: 'wss://h.org/x' }, send: false }],
    ['connect:http://h.org:81/x?y=1', { connect: { url: 'http://h.org:81/x?y=1' }, send: false }],
    ['send', { send: true }],
    ['connect:/a, send', { connect: { url: '/a' }, send: true }],
    ['  send\n\tconnect:/a  ', { connect: { url: '/a' }, send: true }],
    ['send,connect:/a', { connect: { url: '/a' }, send: true }],
    ['', { send: false }],
  ];
  for (const [value, want] of ok) {
    it(`parses ${JSON.stringify(value)}`, () => {
      const got = parseHxWs(value);
      expect(got.errors).to.deep.equal([]);
      expect({ ...got, errors: undefined }).to.deep.equal({ ...want, errors: undefined, send: (want as { send: boolean }).send });
    });
  }

  const bad: [string, string, object][] = [
    ['sned', 'sned', { send: false }],
    ['connect:', 'connect:', { send: false }],
    ['connect:ftp:/x, send', 'connect:ftp:/x', { send: true }],
    ['connect:wss:', 'connect:wss:', { send: false }],
    ['connect:/a connect:/b', 'connect:/b', { connect: { url: '/a' }, send: false }],
  ];
  for (const [value, part, rest] of bad) {
    it(`names the bad part of ${JSON.stringify(value)} and keeps the good ones`, () => {
      const got = parseHxWs(value);
      expect(got.errors.map((e) => e.part)).to.deep.equal([part]);
      expect(got.errors[0]!.message).to.contain(`"${part}"`);
      expect({ connect: got.connect, send: got.send }).to.deep.equal({ connect: undefined, ...rest });
    });
  }
});
