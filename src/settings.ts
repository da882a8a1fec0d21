/**
 * The one table of per-element settings: for each, the element property, its attribute, the
 * `hx-ws-*` attribute of attribute mode, and how its text is parsed. The elements' properties,
 * the shim's reading, the README's table (checked by `scripts/check-settings.mjs`) and the
 * validation all come from here, so the two modes cannot drift apart again.
 *
 * A value that does not parse is reported once (an `hx-ws-error` naming the attribute and the
 * value, and one `console.error`) and the default applies: a setting is never `NaN`.
 *
 * @module
 */
import { parseByteSize, type FileLimits } from './send/files.js';
import { readAttribute } from './core/attributes.js';
import type { ReconnectDelay } from './config.js';
import { type HxWsErrorReason } from './events.js';
import { reportProblem } from './core/dispatch.js';
import type { Problem } from './core/dispatch.js';
import type { JsonSource } from './send/json-source.js';

/** What a connection reads from its element each time it opens. */
export interface ConnectionSettings {
  /** The URL as written, or a function returning it (re-run before every open). */
  url: string | (() => string) | null | undefined;
  /** `ws` / `wss` to force a scheme; empty to follow the page. */
  scheme?: string | null;
  /** Subprotocols to offer. */
  protocols?: string | string[] | null;
  /** Delay policy; unset falls back to `config` and then htmx's config. */
  reconnectDelay?: ReconnectDelay | null;
  /** Close codes that trigger a reconnect; unset: `config.reconnectCodes`. */
  reconnectCodes?: readonly number[] | null;
  /** Most reconnect attempts in a row (a whole number or its text); unset: no limit. */
  maxRetries?: number | string | null;
  /** Most requests queued while not open (a whole number or its text); unset: `config.queueLimit`. */
  queueLimit?: number | string | null;
  /** Wait for the tab to be visible before reconnecting. */
  pauseWhileHidden?: boolean | null;
  /**
   * Milliseconds a socket may stay connecting before it is reported (`connect-timeout`) and
   * tried again (a whole number or its text; 0: never); unset: `config.connectTimeout`.
   */
  connectTimeout?: number | string | null;
  /**
   * Sockets in a row that close before they open after which one `console.error` says the
   * server refuses or is absent, and what to check (a whole number or its text; 0: never);
   * unset: `config.warnAfter` (5).
   */
  warnAfter?: number | string | null;
  /**
   * Delivery acknowledgement mode: every request carries `HX-Request-Id` and stays unconfirmed
   * until the server acks it; requests still unconfirmed when the socket closes are reported
   * (`send-unconfirmed`).
   */
  ack?: boolean | null;
  /**
   * Recovery mode (implies ack mode): the socket offers the server its session and last applied
   * position on every open, so a reconnect gets the messages sent while it was down, each once,
   * and requests the server had not acknowledged are sent again.
   */
  recover?: boolean | null;
  /**
   * Milliseconds an open socket may receive nothing before it is taken for dead, dropped and
   * reconnected like after a 1006 (a whole number or its text; unset or 0: never). The server's
   * pings do not count (a page cannot see them): the app must send something more often.
   */
  idleTimeout?: number | string | null;
  /** Recovery: the log position the page was rendered at (the server's `position()`), for the first open. */
  resumeFrom?: string | null;
  /**
   * Received messages are swapped without their events (`before-message`, `after-message`,
   * `oob-before-swap`, `oob-after-swap`, and their htmx twins): for pages that listen to none.
   */
  quiet?: boolean | null;
}

/** What a sender reads from its element at each send. Unset fields fall back to `hx-*` attributes. */
export interface SenderSettings {
  /** Id of the connecting element to use instead of the nearest one. */
  for?: string | null;
  /** Trigger spec; unset: `hx-trigger`, else the natural event. */
  trigger?: string | null;
  /** Selector of more elements to collect; unset: the closest `hx-include`. */
  include?: string | null;
  /** Extra values (JSON text or object), over the `hx-vals` of the sender and its ancestors. */
  vals?: JsonSource | null;
  /** `*`, `none`, `not a,b` or `a,b`; unset: the closest `hx-params`. */
  params?: string | null;
  /** Extra headers (JSON text or object), over the `hx-headers` of the sender and its ancestors. */
  headers?: JsonSource | null;
  /** File encoding; unset: the closest `hx-encoding`, else `multipart/json-files-oob`. */
  encoding?: string | null;
  /** Largest file, in bytes or with a unit (`10MB`); unset: no limit. */
  maxFileSize?: number | string | null;
  /** Most files per request (a whole number, or its text); unset: no limit. */
  maxFiles?: number | string | null;
  /**
   * Out-of-band files as binary frames of at most this size (`256KB`, `1MB`), resumed after a
   * drop; unset: one frame per file.
   */
  chunkSize?: number | string | null;
  /** The JSON member that carries the headers; unset: `HEADERS` (htmx 4's extension: `headers`). */
  headersKey?: string | null;
}

/** How a setting's text becomes its value. */
export type SettingKind = 'text' | 'flag' | 'count' | 'size';

/** One row of the table. */
export interface SettingSpec {
  /** Element property. */
  readonly property: string;
  /** Element attribute (kebab case), or `null` for a property-only setting. */
  readonly attribute: string | null;
  /**
   * Attribute-mode spelling (`hx-ws-max-retries`; `data-` prefix also read), `null` when attribute
   * mode has it elsewhere (in the `hx-ws` value, or the htmx attribute of the same meaning).
   */
  readonly hxWs: string | null;
  readonly kind: SettingKind;
  /** What a valid value looks like, for error messages and the docs. */
  readonly expects?: string;
}

/** One row; its property, attribute and kind keep their literal types (the props types use them). */
const row = <P extends string, A extends string | null, K extends SettingKind>(
  property: P,
  attribute: A,
  kind: K,
  hxWs: boolean,
  expects?: string,
): SettingSpec & { readonly property: P; readonly attribute: A; readonly kind: K } => ({
  property,
  attribute,
  hxWs: hxWs && attribute ? `hx-ws-${attribute}` : null,
  kind,
  expects,
});

/** `<hx-ws-connect>` / `hx-ws="connect:..."`. */
export const CONNECT_SETTINGS = [
  row('url', 'url', 'text', false),
  row('scheme', 'scheme', 'text', false),
  row('protocols', 'protocols', 'text', true),
  row('reconnectDelay', null, 'text', false),
  row('reconnectCodes', null, 'text', false),
  row('maxRetries', 'max-retries', 'count', true, 'a whole number'),
  row('queueLimit', 'queue-limit', 'count', true, 'a whole number'),
  row('pauseWhileHidden', 'pause-while-hidden', 'flag', true),
  row('connectTimeout', 'connect-timeout', 'count', true, 'a whole number of milliseconds'),
  row('warnAfter', 'warn-after', 'count', true, 'a whole number'),
  row('ack', 'ack', 'flag', true),
  row('recover', 'recover', 'flag', true),
  row('resumeFrom', 'resume-from', 'text', true),
  row('idleTimeout', 'idle-timeout', 'count', true, 'a whole number of milliseconds'),
  row('quiet', 'quiet', 'flag', true),
] as const satisfies readonly SettingSpec[];

/** `<hx-ws-send>` / `hx-ws="send"`. */
export const SEND_SETTINGS = [
  row('for', 'for', 'text', true),
  row('trigger', 'trigger', 'text', false),
  row('include', 'include', 'text', false),
  row('vals', 'vals', 'text', false),
  row('params', 'params', 'text', false),
  row('headers', 'headers', 'text', false),
  row('encoding', 'encoding', 'text', false),
  row('maxFileSize', 'max-file-size', 'size', true, 'a size (1048576, 500KB, 10MB)'),
  row('maxFiles', 'max-files', 'count', true, 'a whole number'),
  row('chunkSize', 'chunk-size', 'size', true, 'a size of at least 1 byte (256KB, 1MB)'),
] as const satisfies readonly SettingSpec[];

/** A row of either table. */
export type SettingRow = (typeof CONNECT_SETTINGS)[number] | (typeof SEND_SETTINGS)[number];
/** The name of a setting of either element. */
export type SettingName = SettingRow['property'];

const ROWS = new Map<string, SettingSpec>([...CONNECT_SETTINGS, ...SEND_SETTINGS].map((r) => [r.property, r]));

/** The row of `name`. */
export function settingSpec(name: SettingName): SettingSpec {
  return ROWS.get(name)!;
}

/** How messages name setting `name`: its attribute, `hx-ws-*` in attribute mode, else the property. */
export function settingLabel(name: SettingName, attributeMode: boolean): string {
  const spec = settingSpec(name);
  return (attributeMode ? spec.hxWs : spec.attribute) ?? spec.property;
}

/** A whole number `>= 0` from a number or its text; `undefined` when it is not one. */
export function parseCount(raw: number | string): number | undefined {
  const n = typeof raw === 'number' ? raw : /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  return Number.isInteger(n) && n >= 0 ? n : undefined;
}

/** The attribute-mode text of setting `name` on `el` (`hx-ws-<attribute>` or `data-` spelling). */
export function attributeSetting(el: Element, name: SettingName): string | null {
  const spec = settingSpec(name);
  return spec.hxWs ? readAttribute(el, spec.hxWs) : null;
}

/**
 * The file limits and chunk size of a send. A value that does not parse (or a chunk size below
 * 1 byte) is a `bad-limit` problem naming the attribute of this mode (`hx-ws-*` in attribute
 * mode), pushed to `problems`: the send must stop.
 */
export function readSendLimits(s: SenderSettings, attributeMode: boolean, problems: Problem[]): { limits: FileLimits; chunkSize: number | null } {
  const bad = (name: 'maxFileSize' | 'maxFiles' | 'chunkSize', raw: number | string): void => {
    const spec = settingSpec(name);
    const label = attributeMode ? spec.hxWs : spec.attribute;
    problems.push({ reason: 'bad-limit', message: `${label} '${raw}' is not ${spec.expects}; nothing was sent`, part: String(raw) });
  };
  const set = (raw: number | string | null | undefined): raw is number | string => raw != null && raw !== '';
  const limits: FileLimits = { maxFileSize: null, maxFiles: null };
  const size = s.maxFileSize;
  if (set(size)) {
    limits.maxFileSize = parseByteSize(size);
    limits.maxFileSizeText = String(size);
    if (limits.maxFileSize === null) bad('maxFileSize', size);
  }
  const count = s.maxFiles;
  if (set(count)) {
    const n = parseCount(count);
    if (n !== undefined) limits.maxFiles = n;
    else bad('maxFiles', count);
  }
  let chunkSize: number | null = null;
  if (set(s.chunkSize)) {
    chunkSize = parseByteSize(s.chunkSize);
    if (chunkSize === null || chunkSize < 1) {
      bad('chunkSize', s.chunkSize);
      chunkSize = null;
    }
  }
  return { limits, chunkSize };
}

/**
 * Reads numeric settings and reports bad ones once per bad value, not at every read (a
 * connection reads its settings before each open).
 */
export class SettingReader {
  readonly #reported = new Map<string, unknown>();

  readonly #host: Element;
  readonly #attributeMode: boolean;

  constructor(
    /** The element errors are reported on. */
    host: Element,
    /** `true` in attribute mode: messages name `hx-ws-*` attributes. */
    attributeMode = false,
  ) {
    this.#host = host;
    this.#attributeMode = attributeMode;
  }

  /**
   * The numeric value of `name`, or `null` when unset. A value that does not parse is reported
   * (`reason`, default `bad-limit`) and read as unset, so the default applies.
   */
  number(name: SettingName, raw: number | string | null | undefined, reason: HxWsErrorReason = 'bad-limit'): number | null {
    if (raw == null || raw === '') {
      this.#reported.delete(name);
      return null;
    }
    const spec = settingSpec(name);
    const n = spec.kind === 'size' ? (parseByteSize(raw) ?? undefined) : parseCount(raw);
    if (n !== undefined) {
      this.#reported.delete(name);
      return n;
    }
    if (this.#reported.get(name) !== raw) {
      this.#reported.set(name, raw);
      const label = settingLabel(name, this.#attributeMode);
      reportProblem(this.#host, reason, `${label} '${String(raw)}' is not ${spec.expects}; the default applies`, { part: String(raw) });
    }
    return null;
  }
}
