/// <reference types="node" />
/**
 * A recovering client for the Node tests: a raw `ws` client that speaks the wire format of
 * docs/protocol.md ("Recovery") directly, and helpers to read what it got.
 */
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { formatOffer, takeRecoveryControls } from '../../../src/protocol.js';

/**
 * A recovering client: connects with the flag (and `query`, e.g. `&token=t`), sends its offer,
 * collects every text message.
 */
export async function recoveringClient(url: string, offer: { session?: string; position?: string } = {}, query = '') {
  const ws = new WebSocket(`${url}?hx-ws-recover=1${query}`);
  const texts: string[] = [];
  ws.on('message', (data, binary) => {
    if (!binary) texts.push(String(data));
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  ws.send(formatOffer(offer));
  await until(() => texts.length > 0);
  const answer = takeRecoveryControls(texts.shift()!).session;
  assert.ok(answer, 'the first message answers the offer');
  return { ws, texts, answer };
}

/** Resolves once `check` holds, polling; rejects after `ms`. */
export async function until(check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** Positions and bodies of stamped messages. */
export function stamped(texts: string[]): Array<{ p: string; body: string }> {
  return texts.map((t) => {
    const { position, rest } = takeRecoveryControls(t);
    assert.ok(position, `stamped: ${t}`);
    return { p: position, body: rest };
  });
}
