import type { PropertyValues } from '@lit/reactive-element';
import { property } from 'lit/decorators.js';
import { WrapperElement } from './wrapper-element.js';
import type { OutgoingRequest } from '../events.js';
import { Sender } from '../send/sender.js';

/**
 * `<hx-ws-send>` sends form values (files included) over the nearest `<hx-ws-connect>`'s socket,
 * as htmx's JSON wire format with a `HEADERS` field.
 *
 * Wrap a form (or sit inside one): its values go on `submit`, and the page does not navigate.
 * Without a form, the named controls inside the element go on `click`. `trigger` changes when.
 * The `hx-*` attributes htmx users know (`hx-vals`, `hx-headers`, `hx-include`, `hx-params`,
 * `hx-encoding`, `hx-trigger`, `hx-vars`) are read on the element, the form it wraps and their
 * ancestors; a property that is set wins over them. Inside an `hx-disable` element it sends
 * nothing. Children are rendered in place (`display: contents`).
 *
 * @fires {HxWsConfigSendEvent} hx-ws-config-send - Values and headers are ready. Cancelable; change them in place.
 * @fires {HxWsBeforeSendEvent} hx-ws-before-send - The request is about to go to the socket. Cancelable.
 * @fires {HxWsAfterSendEvent} hx-ws-after-send - Every frame of the request was handed to the socket.
 * @fires {HxWsUploadProgressEvent} hx-ws-upload-progress - Bytes of the request that have left, until all have.
 * @fires {HxWsValidationHaltedEvent} hx-ws-validation-halted - Native validation failed; nothing was sent.
 * @fires {HxWsNoSocketSourceEvent} hx-ws-no-socket-source - No connecting element was found; nothing was sent.
 * @fires {HxWsErrorEvent} hx-ws-error - Bad configuration (`bad-vals`, `bad-headers`, `bad-params`,
 *   `bad-include`, `bad-encoding`, `bad-trigger`, `bad-limit`), a refused file (`file-rejected`), an
 *   unreadable file (`file-read`), or a request the queue dropped (`queue-overflow`).
 */
export class HxWsSendElement extends WrapperElement {
  /** Registers the element (default tag `hx-ws-send`). */
  static define(tag = 'hx-ws-send', registry: CustomElementRegistry = customElements): void {
    this.defineAs(tag, this, registry);
  }

  /** Id of the `<hx-ws-connect>` to send through. Unset: the nearest one around the element, across shadow roots. */
  @property({ attribute: 'for' })
  for: string | null = null;

  /**
   * When to send: event names with `once`, `changed`, `delay:<time>`, `throttle:<time>`,
   * `from:<selector>`, comma separated (`keyup changed delay:300ms, search`). Unset:
   * `hx-trigger`, else `submit` of the form, else `click`.
   */
  @property({ attribute: 'trigger' })
  trigger: string | null = null;

  /** Selector of more elements whose values are sent (`this`, `closest <sel>`, `find <sel>`, CSS). */
  @property({ attribute: 'include' })
  include: string | null = null;

  /**
   * Extra values: JSON text (attribute; `js:` text is evaluated when `config.allowEval` allows),
   * or an object or a function returning one, called at each send (property; never evaluated as
   * text). They override form values.
   */
  @property({ attribute: 'vals' })
  vals: string | Record<string, unknown> | (() => Record<string, unknown>) | null = null;

  /** Which values go: `*` (all), `none`, `not a,b`, or `a,b`. */
  @property({ attribute: 'params' })
  params: string | null = null;

  /**
   * Extra `HEADERS` entries: JSON text (attribute; `js:` text is evaluated when
   * `config.allowEval` allows), or an object or a function returning one (property).
   */
  @property({ attribute: 'headers' })
  headers: string | Record<string, unknown> | (() => Record<string, unknown>) | null = null;

  /**
   * How files travel: `multipart/json-files-oob` (default: descriptors with offsets, then one
   * binary frame per file) or `multipart/json-files-inline` (text or base64 inside the JSON).
   */
  @property({ attribute: 'encoding' })
  encoding: string | null = null;

  /**
   * Largest file accepted: bytes, or a number with `KB`, `MB`, `GB` (powers of 1024). A larger
   * file is refused with an error event and nothing of the request is sent.
   */
  @property({ attribute: 'max-file-size' })
  maxFileSize: number | string | null = null;

  /** Most files in one request. More is refused with an error event and nothing is sent. */
  @property({ attribute: 'max-files' })
  maxFiles: number | string | null = null;

  /**
   * Sends each out-of-band file as binary frames of at most this size (bytes, or `256KB`,
   * `1MB`), as `file/oob-chunked`; a drop in the middle is resumed after reconnecting from what
   * the server has. Needs a server that knows chunked files (the server helper does). Unset:
   * one binary frame per file. Ignored by the inline encoding. Needs
   * `import 'hx-ws-elements/chunked'` (without it: one `feature-missing` error, and files go whole).
   */
  @property({ attribute: 'chunk-size' })
  chunkSize: number | string | null = null;

  private readonly sender = new Sender(this, () => this);

  constructor() {
    super();
    this.addController(this.sender);
  }

  /** `hx-trigger` is read when no `trigger` is set: a change re-wires, as in attribute mode. */
  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'hx-trigger', 'data-hx-trigger'];
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name.endsWith('hx-trigger')) this.sender.rewire();
  }

  /**
   * Sends now, as if triggered. Resolves to the request handed to the socket (sent, or queued
   * until it opens), or `null` when nothing was sent.
   */
  send(): Promise<OutgoingRequest | null> {
    return this.sender.send();
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('trigger')) this.sender.rewire();
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hx-ws-send': HxWsSendElement;
  }
}
