// Helpers of the reliability and chaos tests (not a test file itself): a page that sends
// numbered requests, with or without files, through the real server helper (`/hx/` channels).
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/index.js';
import type { HxWsConnectElement } from '../../src/elements/connect-element.js';
import type { HxWsErrorEvent, OutgoingRequest } from '../../src/events.js';
import type { HxWsSendElement } from '../../src/elements/send-element.js';
import type { Channel, Delivery } from './server.js';
import { sha256 } from './send.support.js';

/** How a request travels: no file, files out of band, files inline. */
export type Kind = 'plain' | 'oob' | 'inline';

/** A deterministic little file set for request `rid` (0-2 files, text and binary). */
export function filesFor(rid: number): File[] {
  const count = 1 + (rid % 2);
  return Array.from({ length: count }, (_, i) => {
    const size = 1 + ((rid * 37 + i * 101) % 700);
    const bytes = new Uint8Array(size);
    for (let j = 0; j < size; j++) bytes[j] = (rid * 13 + i * 7 + j * 31) & 0xff;
    return i === 0 && rid % 3 === 0
      ? new File([`text of request ${rid} `.repeat(1 + (size % 9))], `r${rid}-${i}.txt`, { type: 'text/plain' })
      : new File([bytes], `r${rid}-${i}.bin`, { type: 'application/octet-stream' });
  });
}

/** A connecting element with one sender per kind, and every error event it heard. */
export interface SendingPage {
  conn: HxWsConnectElement;
  senders: Record<Kind, HxWsSendElement>;
  errors: HxWsErrorEvent[];
  /** Sends request `rid` of `kind`; resolves to the request (sent or queued), or null. */
  send(rid: number, kind: Kind): Promise<OutgoingRequest | null>;
}

/**
 * `<hx-ws-connect>` on the channel's real server helper, with `attrs` set as properties; with
 * `recover`, in recovery mode on the helper that has recovery on (`/hxr/`).
 */
export async function sendingPage(ch: Channel, props: Partial<HxWsConnectElement> = {}, ack = false, recover = false): Promise<SendingPage> {
  const conn = await fixture<HxWsConnectElement>(html`<hx-ws-connect url=${recover ? ch.hxrPath() : ch.hxPath()} ?ack=${ack} ?recover=${recover}>
    <ol id="log"></ol>
    <hx-ws-send id="plain"><form></form></hx-ws-send>
    <hx-ws-send id="oob" encoding="multipart/json-files-oob"><form><input type="file" name="f" multiple></form></hx-ws-send>
    <hx-ws-send id="inline" encoding="multipart/json-files-inline"><form><input type="file" name="f" multiple></form></hx-ws-send>
  </hx-ws-connect>`);
  Object.assign(conn, props);
  const errors: HxWsErrorEvent[] = [];
  conn.addEventListener('hx-ws-error', (e) => errors.push(e));
  const senders = {
    plain: conn.querySelector<HxWsSendElement>('#plain')!,
    oob: conn.querySelector<HxWsSendElement>('#oob')!,
    inline: conn.querySelector<HxWsSendElement>('#inline')!,
  };
  const send = (rid: number, kind: Kind) => {
    const sender = senders[kind];
    sender.vals = { rid: String(rid) };
    const input = sender.querySelector<HTMLInputElement>('input[type=file]');
    if (input) {
      const dt = new DataTransfer();
      for (const f of filesFor(rid)) dt.items.add(f);
      input.files = dt.files;
    }
    return sender.send();
  };
  return { conn, senders, errors, send };
}

/** Checks that a delivered request is whole: its files have the bytes request `rid` sent. */
export async function expectWhole(d: Delivery, kind: Kind): Promise<void> {
  const rid = Number(d.rid);
  if (kind === 'plain') {
    expect(d.files, `request ${rid}: no files`).to.deep.equal([]);
    return;
  }
  const files = filesFor(rid);
  expect(d.files.map((f) => f.name), `request ${rid}: its files`).to.deep.equal(files.map((f) => f.name));
  for (let i = 0; i < files.length; i++) {
    expect(d.files[i].serialization.startsWith(kind === 'oob' ? 'file/oob' : 'file/inline'), `request ${rid}: ${kind}`).to.equal(true);
    expect(d.files[i].length, `request ${rid} file ${i}: length`).to.equal(files[i].size);
    expect(d.files[i].sha256, `request ${rid} file ${i}: bytes`).to.equal(await sha256(files[i]));
  }
}

/** mulberry32: a tiny seeded generator, uniform in [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The numbered swap of the chaos tests: an `<li data-n>` appended to `#log`. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Sends `count` requests of seeded kinds (a sixth oob, a sixth inline, the rest plain) with
 * seeded pauses. `kinds[rid]` is each request's kind; `sending()` is true until the last one
 * is handed over; `done` resolves then.
 */
export function sendRandomly(page: SendingPage, count: number, rand: () => number): { kinds: Kind[]; sending: () => boolean; done: Promise<void> } {
  const kinds: Kind[] = [];
  let sending = true;
  const done = (async () => {
    for (let rid = 0; rid < count; rid++) {
      const r = rand();
      kinds[rid] = r < 1 / 6 ? 'oob' : r < 1 / 3 ? 'inline' : 'plain';
      await page.send(rid, kinds[rid]);
      if (rand() < 0.3) await sleep(rand() * 40);
    }
    sending = false;
  })();
  return { kinds, sending: () => sending, done };
}

export const CHAOS_SWAP = '<div hx-swap-oob="beforeend:#log"><li data-n="{i}"></li></div>';

/** How many faults of each kind a chaos run injected. */
export type Faults = { drop: number; 1012: number; 1013: number; 1000: number };

export function newFaults(): Faults {
  return { drop: 0, 1012: 0, 1013: 0, 1000: 0 };
}

/**
 * One chaos fault for a draw `r` in [0.45, 1): a TCP reset (to 0.6), a 1012 (to 0.7), a 1013 (to
 * 0.8), a clean 1000 (to 0.85), else nothing.
 */
export async function fault(ch: Channel, r: number, faults: Faults): Promise<void> {
  if (r < 0.6) {
    faults.drop++;
    await ch.drop();
  } else if (r < 0.7) {
    faults[1012]++;
    await ch.close(1012, 'chaos-restart');
  } else if (r < 0.8) {
    faults[1013]++;
    await ch.close(1013, 'chaos-later');
  } else if (r < 0.85) {
    faults[1000]++;
    await ch.close(1000, 'chaos-clean');
  }
}
