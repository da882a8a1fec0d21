/// <reference types="mocha" />
// The two ways to write the same page: elements (`<hx-ws-connect>`, `<hx-ws-send>`) and
// attributes (`hx-ws="connect:..."`, `hx-ws="send"`). Tests written against `Mode` run once per
// mode from one table of cases, so attribute mode cannot drift from element mode.
import { connectionOf, type SocketConnection as Connection } from '../../src/connection/socket-connection.js';
import { settingSpec, type SettingName } from '../../src/settings.js';

export type ModeName = 'element' | 'attribute';

/** Connecting markup: `id`, `url` (as written) and an optional forced scheme. */
export interface ConnectMarkup {
  id?: string;
  url: string;
  scheme?: 'ws' | 'wss';
  /** Extra attributes, written as is. */
  attrs?: string;
  inner?: string;
}

/** Sending markup: always a `<form>` (its `id`, `name`, `attrs`), wrapped or not. */
export interface SendMarkup {
  id?: string;
  name?: string;
  attrs?: string;
  inner: string;
}

export interface Mode {
  readonly name: ModeName;
  /** The element that owns a socket. */
  connect(m: ConnectMarkup): string;
  /** A form that sends over the nearest socket. */
  send(m: SendMarkup): string;
  /** The attribute that carries setting `name` in this mode (`max-retries` / `hx-ws-max-retries`). */
  attribute(name: SettingName): string;
  /** Where a sending setting's attribute goes: on the wrapping element or on the form. */
  sendWith(m: SendMarkup, attrs: string): string;
}

const attr = (name: string, value: string | undefined): string =>
  value === undefined ? '' : ` ${name}="${value.replaceAll('&', '&amp;').replaceAll('"', '&quot;')}"`;

const form = (m: SendMarkup, extra = ''): string => `<form${attr('id', m.id)}${attr('name', m.name)}${extra}${m.attrs ? ` ${m.attrs}` : ''}>${m.inner}</form>`;

export const elementMode: Mode = {
  name: 'element',
  connect: (m) =>
    `<hx-ws-connect${attr('id', m.id)}${attr('url', m.url)}${attr('scheme', m.scheme)}${m.attrs ? ` ${m.attrs}` : ''}>${m.inner ?? ''}</hx-ws-connect>`,
  send: (m) => `<hx-ws-send>${form(m)}</hx-ws-send>`,
  attribute: (name) => settingSpec(name).attribute!,
  sendWith: (m, attrs) => `<hx-ws-send ${attrs}>${form(m)}</hx-ws-send>`,
};

export const attributeMode: Mode = {
  name: 'attribute',
  connect: (m) =>
    `<div${attr('id', m.id)}${attr('hx-ws', `connect:${m.scheme ? `${m.scheme}:` : ''}${m.url}`)}${m.attrs ? ` ${m.attrs}` : ''}>${m.inner ?? ''}</div>`,
  send: (m) => form(m, attr('hx-ws', 'send')),
  attribute: (name) => settingSpec(name).hxWs!,
  sendWith: (m, attrs) => form(m, `${attr('hx-ws', 'send')} ${attrs}`),
};

export const modes: readonly Mode[] = [elementMode, attributeMode];

const mounted: HTMLElement[] = [];

/**
 * A fresh `<div>` in the page; `markup` goes in after `before(box)` ran (attach listeners there:
 * events of the first open and of bad markup fire before `mount` returns). Removed by
 * {@link unmountAll}.
 */
export function mount(markup: string, before?: (box: HTMLElement) => void): HTMLElement {
  const box = document.createElement('div');
  box.className = 'mode-box';
  document.body.append(box);
  mounted.push(box);
  before?.(box);
  box.innerHTML = markup;
  return box;
}

/**
 * Keeps the test page where it is for the whole file: a form whose sender is not wired (yet, or
 * any more) would otherwise submit and navigate away. Call at the top level of a test file.
 */
export function keepPageOnSubmit(): void {
  const keep = (e: Event): void => e.preventDefault();
  before(() => document.addEventListener('submit', keep));
  after(() => document.removeEventListener('submit', keep));
}

/** Removes every box {@link mount} made. Call in `afterEach`. */
export function unmountAll(): void {
  for (const box of mounted.splice(0)) box.remove();
}

/** The connection attached to `el`, in either mode; throws when there is none. */
export function connection(el: Element): Connection {
  const c = connectionOf(el);
  if (!c) throw new Error(`no connection on <${el.localName}${el.id ? `#${el.id}` : ''}>`);
  return c;
}

/** Resolves once the socket of `el` (either mode) is open. */
export function whenOpen(el: Element): Promise<void> {
  return new Promise((resolve) => {
    if (connectionOf(el)?.readyState === WebSocket.OPEN) return resolve();
    el.addEventListener('hx-ws-open', () => resolve(), { once: true });
  });
}

/** Mounts `mode`'s connecting element with id `room` (and `m`), resolving once its socket is open. */
export async function openRoom(mode: Mode, m: Omit<ConnectMarkup, 'id'>): Promise<{ box: HTMLElement; room: Element }> {
  const box = mount(mode.connect({ id: 'room', ...m }));
  const room = box.querySelector('#room')!;
  await whenOpen(room);
  return { box, room };
}

/** `innerHTML` with the settle class (`htmx-added`) taken out, for comparing swapped markup. */
export function settledHtml(el: Element): string {
  const copy = el.cloneNode(true) as Element;
  for (const added of copy.querySelectorAll('.htmx-added')) {
    added.classList.remove('htmx-added');
    if (added.classList.length === 0) added.removeAttribute('class');
  }
  return copy.innerHTML;
}
