/// <reference types="node" />
/**
 * Builders for the HTML a server sends to `<hx-ws-connect>`: every top-level element of a message
 * is swapped into the page element with the same id (htmx out-of-band swap rules).
 *
 * @module
 */
import { escapeText, formatAck, REQUEST_ID_HEADER } from '../protocol.js';

export { REQUEST_ID_HEADER };

/**
 * HTML that is already safe to send as is. Only {@link html}, {@link oob} and
 * {@link unsafeHtml} make one; interpolating it into {@link html} does not escape it again.
 */
export class SafeHtml {
  /** The markup. */
  readonly value: string;

  /** @param value markup that the caller vouches for */
  constructor(value: string) {
    this.value = value;
  }

  /** The markup, so a SafeHtml can be sent or concatenated like a string. */
  toString(): string {
    return this.value;
  }
}

/**
 * What {@link html} and {@link oob} accept as content: text (escaped), {@link SafeHtml} (kept),
 * arrays of these (joined with nothing between), and `null`/`undefined`/`false` (nothing).
 */
export type HtmlContent = SafeHtml | string | number | bigint | boolean | null | undefined | readonly HtmlContent[];


/**
 * Escapes text for HTML element content and for quoted attribute values: `& < > " '`.
 * @param text any value; it is turned into a string first
 */
export function escapeHtml(text: unknown): string {
  return escapeText(String(text));
}

/**
 * Marks a string as trusted HTML so {@link html} passes it through unescaped. Use it only for
 * markup you built or sanitized yourself, never for user input.
 * @param markup the trusted HTML
 */
export function unsafeHtml(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

function render(content: HtmlContent): string {
  if (content === null || content === undefined || content === false) return '';
  if (content instanceof SafeHtml) return content.value;
  if (Array.isArray(content)) return content.map(render).join('');
  return escapeHtml(content);
}

/**
 * Tagged template for HTML: the literal parts are kept, every interpolated value is rendered as
 * {@link HtmlContent} (text escaped, {@link SafeHtml} kept, arrays joined, `null`, `undefined`
 * and `false` dropped). The result is a {@link SafeHtml}, so templates nest.
 *
 * @example html`<li id="msg-${id}">${user}: ${text}</li>`
 */
export function html(strings: TemplateStringsArray, ...values: HtmlContent[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + strings[i + 1]!;
  }
  return new SafeHtml(out);
}

/** Options of {@link oob}. */
export interface OobOptions {
  /**
   * The `hx-swap-oob` value: `true` (replace the element with this id; the default),
   * `outerHTML`, `innerHTML`, `beforebegin`, `afterbegin`, `beforeend`, `afterend`, `delete`,
   * `none`, `textContent`, each optionally followed by `:<css selector>`.
   */
  swap?: string;
  /** The wrapper element's tag name. Default `div`; e.g. `tr` or `li` where a div cannot stand. */
  tag?: string;
}

const TAG_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/**
 * Wraps content in an out-of-band swap element: `<div id="ID" hx-swap-oob="SWAP">…</div>`.
 * The id and swap value are escaped as attributes; string content is escaped as text (pass
 * {@link SafeHtml}, e.g. from {@link html}, for markup).
 *
 * @param id id of the target element in the page
 * @param content what goes inside the wrapper
 * @param swap the `hx-swap-oob` value (default `"true"`), or {@link OobOptions}
 * @throws {TypeError} when the tag name is not a plain element name
 * @example oob('messages', html`<p>${text}</p>`, 'beforeend')
 */
export function oob(id: string, content: HtmlContent, swap: string | OobOptions = {}): SafeHtml {
  const options = typeof swap === 'string' ? { swap } : swap;
  const tag = options.tag ?? 'div';
  if (!TAG_NAME.test(tag)) throw new TypeError(`oob(): invalid tag name ${JSON.stringify(tag)}`);
  const attrs = `id="${escapeHtml(id)}" hx-swap-oob="${escapeHtml(options.swap ?? 'true')}"`;
  return new SafeHtml(`<${tag} ${attrs}>${render(content)}</${tag}>`);
}


/**
 * The delivery acknowledgement for one request: `<hx-ws-ack id="ID"></hx-ws-ack>`, the id escaped.
 * A client in ack mode takes such elements off the start of a message and never swaps them; it
 * reports every request still unacknowledged when its socket closes. `attachHxWs` sends it
 * by itself; call this only when serving the wire format some other way.
 * @param id the request's `HX-Request-Id` header
 */
export function ackMessage(id: string): SafeHtml {
  return new SafeHtml(formatAck(id));
}

/**
 * The `HX-Request-Id` of a decoded request's headers (name matched without regard to case), or
 * `undefined` when there is none or it is empty.
 */
export function requestIdOf(headers: Readonly<Record<string, string>>): string | undefined {
  let id = headers[REQUEST_ID_HEADER];
  if (id === undefined) {
    const lower = REQUEST_ID_HEADER.toLowerCase();
    for (const name of Object.keys(headers)) if (name.toLowerCase() === lower) id = headers[name];
  }
  return id ? id : undefined;
}
