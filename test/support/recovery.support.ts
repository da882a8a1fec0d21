// Helpers of the recovery tests (not a test file itself): a recovering page on a channel of the
// test server, and a drop that keeps the page out while something happens.
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import '../../src/index.js';
import type { HxWsConnectElement } from '../../src/elements/connect-element.js';
import type { HxWsErrorEvent, HxWsOpenEvent } from '../../src/events.js';
import type { Channel } from './server.js';

/** A message to the page's room: `m{i}` appended to `#log`. */
export const MESSAGE = '<div id="log" hx-swap-oob="beforeend"><p>m{i}</p></div>';

export interface Page {
  el: HxWsConnectElement;
  opens: HxWsOpenEvent[];
  errors: HxWsErrorEvent[];
  log: () => string[];
}

/** A recovering page on `url` (the channel's `/hxr/` path unless given), once its socket opened. */
export async function recoveringPage(ch: Channel, resumeFrom?: string, url = ch.hxrPath()): Promise<Page> {
  // Heard on the document from the start: the first open may come before the fixture resolves.
  const opens: HxWsOpenEvent[] = [];
  const errors: HxWsErrorEvent[] = [];
  const mine = (e: Event) => (e.target as Element).closest('hx-ws-connect')?.url === url;
  document.addEventListener('hx-ws-open', (e) => mine(e) && opens.push(e));
  document.addEventListener('hx-ws-error', (e) => mine(e) && errors.push(e));
  const wrap = await fixture<HTMLDivElement>(html`<div>
    <div id="snapshot"></div>
    <div id="log"></div>
    <hx-ws-connect recover resume-from=${resumeFrom ?? ''} .reconnectDelay=${() => 20} url=${url}></hx-ws-connect>
  </div>`);
  const el = wrap.querySelector('hx-ws-connect')!;
  const log = () => [...wrap.querySelectorAll('#log p')].map((p) => p.textContent!);
  await waitUntil(() => opens.length === 1, 'opened', { timeout: 5000 }).catch((e: Error) => {
    throw new Error(`${e.message}: ${el.connection.status} ${el.connection.url} ${errors.map((x) => x.message).join('; ')}`);
  });
  return { el, opens, errors, log };
}

/** `m<from>` ... `m<to - 1>`. */
export const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m${from + i}`);

/** Cuts the TCP connection, runs `whileDown` with the page unable to reconnect, then lets it back in. */
export async function down(ch: Channel, page: Page, whileDown: () => Promise<unknown>): Promise<void> {
  const before = page.opens.length;
  await ch.refuse(1_000_000);
  await ch.drop();
  await waitUntil(() => page.el.connection.status !== 'open', 'the page saw the drop', { timeout: 5000 });
  await whileDown();
  await ch.refuse(0);
  await waitUntil(() => page.opens.length === before + 1, 'reopened', { timeout: 5000 });
}


/**
 * The 50-missed-messages run: 5 messages live, the page cut off while `roomcast` sends 50 to its
 * room, back (`onBack` runs then), 5 live again; the page must have all 60 in order, once, with
 * one recovered reconnect, one snapshot and no error but the socket's.
 */
export async function missFifty(
  ch: Channel,
  page: Page,
  roomcast: (start: number, count: number) => Promise<unknown>,
  onBack: () => Promise<void> = async () => {},
  settleMs = 50,
): Promise<void> {
  expect(page.opens[0]!.recovered).to.equal(false);
  await roomcast(0, 5);
  await waitUntil(() => page.log().length === 5, 'live messages', { timeout: 5000 });
  await down(ch, page, () => roomcast(5, 50));
  await onBack();
  expect(page.opens[1]!.recovered).to.equal(true);
  await waitUntil(() => page.log().length >= 55, 'the missed messages', { timeout: 5000 });
  await roomcast(55, 5);
  await waitUntil(() => page.log().length >= 60, 'live again', { timeout: 5000 });
  await new Promise((r) => setTimeout(r, settleMs));
  expect(page.log()).to.deep.equal(range(0, 60));
  expect(await ch.recoveries()).to.deep.equal([false, true]);
  expect(page.el.parentElement!.querySelector('#snapshot')!.textContent, 'no second snapshot').to.equal('snapshot 1');
  expect(page.errors.map((e) => e.reason).filter((r) => r !== 'socket')).to.deep.equal([]);
}

/**
 * The trimmed-log run: 3 messages live, the page cut off while `roomcast` sends `missed` more
 * (past what the log keeps), back (`onBack` runs then): it must come back not recovered, with a
 * fresh snapshot and none of the missed messages (no partial replay).
 */
export async function missTrimmed(
  ch: Channel,
  page: Page,
  roomcast: (start: number, count: number) => Promise<unknown>,
  missed: number,
  onBack: () => Promise<void> = async () => {},
): Promise<void> {
  await roomcast(0, 3);
  await waitUntil(() => page.log().length === 3, 'live messages', { timeout: 5000 });
  await down(ch, page, () => roomcast(3, missed));
  await onBack();
  expect(page.opens[1]!.recovered).to.equal(false);
  await waitUntil(async () => (await ch.recoveries()).length === 2, 'second connection', { timeout: 5000 });
  expect(await ch.recoveries()).to.deep.equal([false, false]);
  await waitUntil(() => page.el.parentElement!.querySelector('#snapshot')!.textContent === 'snapshot 2', 'the fresh snapshot', { timeout: 5000 });
  await new Promise((r) => setTimeout(r, 100));
  expect(page.log(), 'none of the missed messages').to.deep.equal(range(0, 3));
}
