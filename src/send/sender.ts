/**
 * The sending half: collects a form's values and files, builds a request and hands it to the
 * nearest connection. A plain class (no Lit at run time), so `<hx-ws-send>` and the
 * `hx-ws="send"` shim share every line of it.
 *
 * A send, step by step (each step can stop it; nothing is sent half):
 * 1. collect values (see `values.ts`) and read the configuration (`vals`, `params`, `include`,
 *    `encoding`, limits);
 * 2. native validation of the collected controls (elements: skipped for `novalidate` /
 *    `formnovalidate`; attribute mode: only for a form sender or `hx-validate="true"`, as htmx):
 *    invalid shows the browser's messages and fires `validation-halted`; then a bad setting
 *    from step 1 is an error event;
 * 3. find the connection (`for`, else the nearest composed ancestor): none is `no-socket-source`;
 * 4. `HEADERS`; values left out because evaluation is off are reported (`eval-disallowed`, the
 *    send goes on); then `config-send` (cancelable; values and headers may be changed in place);
 * 5. file checks (`accept`, `max-file-size`, `max-files`): a refused file is an error event;
 * 6. encoding (inline encodings read the files), then the request goes to the connection, which
 *    queues it while the socket is not open and fires `before-send` / `after-send` / progress.
 *
 * Requests reach a connection in the order they were made, even when an earlier one is still
 * reading files: sends to one connection wait for the ones before them.
 */
import type { ReactiveController } from '@lit/reactive-element';
import { findConnection, type SocketConnection } from '../connection/socket-connection.js';
import { nextRequestId } from '../connection/outbox.js';
import { readSendLimits, settingLabel, type SenderSettings } from '../settings.js';

export type { SenderSettings } from '../settings.js';
import { frameBytes, HEADERS_KEY, REQUEST_ID_HEADER } from '../protocol.js';
import { HxWsConfigSendEvent, HxWsNoSocketSourceEvent, HxWsValidationHaltedEvent, type OutgoingRequest } from '../events.js';
import { emit, needFeature } from '../core/dispatch.js';
import { checkFiles, encodeFiles, findFiles, OOB, parseEncoding, type EncodedValues } from './files.js';
import { features } from '../core/features.js';
import { invalidControls, submitterOf } from './controls.js';
import { report, type Problem } from '../core/dispatch.js';
import { parseTriggers, wireNatural, wireSpec, type WireOptions } from './triggers.js';
import { attributeChain, closestAttribute, closestAttributeOwner, inheritedAttributes, readAttribute } from '../core/attributes.js';
import { effectiveAllowEval } from '../config.js';
import { checkDisabled, describeElement } from '../core/disable.js';
import { buildHeaders } from './headers.js';
import { collectValues, contextForm, type FormControl } from './values.js';

/** One element's sending behaviour: triggers, values, files, the request. */
export class Sender implements ReactiveController {
  #abort: AbortController | null = null;
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #fired = new Set<string>();
  /** The trigger spec the listeners were wired for. */
  #wired: string | null = null;

  readonly #settings: () => SenderSettings;
  readonly #attributeMode: boolean;

  constructor(
    /** The element that sends: events fire on it. */
    readonly host: Element,
    settings: () => SenderSettings,
    /** Whether errors name `hx-ws-*` attributes (attribute mode). */
    attributeMode = false,
  ) {
    this.#settings = settings;
    this.#attributeMode = attributeMode;
  }

  /** The host entered the page: start listening for the triggers. Idempotent. */
  hostConnected(): void {
    if (this.#abort || checkDisabled(this.host, describeElement(this.host))) return;
    this.#abort = new AbortController();
    const opts: WireOptions = {
      attributeMode: this.#attributeMode,
      signal: this.#abort.signal,
      timers: this.#timers,
      fired: this.#fired,
      problem: (p) => this.#report({ reason: 'bad-trigger', ...p }),
    };
    const fire = (e: Event): void => void this.send(e);
    const raw = this.#triggerSpec();
    this.#wired = raw;
    if (raw.trim() === '') {
      wireNatural(this.host, fire, opts);
      return;
    }
    const { specs, problems } = parseTriggers(raw);
    for (const p of problems) this.#report({ reason: 'bad-trigger', message: `trigger '${raw}': ${p.message}`, part: p.part });
    specs.forEach((spec, i) => wireSpec(this.host, spec, i, fire, opts));
  }

  /** The host left the page: remove every listener and clear every timer. */
  hostDisconnected(): void {
    this.#abort?.abort();
    this.#abort = null;
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
  }

  /** Re-wires the listeners if the trigger spec changed since they were wired. */
  rewire(): void {
    if (!this.#abort || this.#triggerSpec() === this.#wired) return;
    this.hostDisconnected();
    this.hostConnected();
  }

  #triggerSpec(): string {
    return this.#settings().trigger ?? readAttribute(this.host, 'hx-trigger') ?? '';
  }

  /**
   * Sends now. `triggeringEvent` is the event that caused it (its submitter is included).
   * Resolves to the request handed to the connection (sent, or queued until the socket opens),
   * or `null` when nothing was sent (invalid form, cancelled, bad configuration, no socket).
   */
  send(triggeringEvent: Event | null = null): Promise<OutgoingRequest | null> {
    return this.#prepare(triggeringEvent);
  }

  #report(p: Problem): void {
    report(this.host, p);
  }

  #prepare(event: Event | null): Promise<OutgoingRequest | null> {
    const host = this.host;
    if (checkDisabled(host, describeElement(host))) return Promise.resolve(null);
    const s = this.#settings();
    const gathered = this.#gather(event, s);
    if (!gathered) return Promise.resolve(null);
    const { chain, form, collected, encoding, limits, allowEval, chunkSize } = gathered;

    // 3. the connection
    const forId = s.for ?? null;
    const connection = findConnection(host, forId);
    if (!connection) {
      this.#noSocket(forId, collected.values, forId ? `no connecting element has id "${forId}"` : 'no connecting element is around the sender');
      return Promise.resolve(null);
    }

    // 4. HEADERS and config-send
    const headerSources = [...(s.headers != null ? [s.headers] : []), ...inheritedAttributes(chain, 'hx-headers')];
    // In attribute mode the sender is the element itself, as in htmx: no stand-in id from its form.
    const { headers, errors, skipped } = buildHeaders(host, connection.host, headerSources, this.#attributeMode ? null : form, allowEval);
    if (errors.length) {
      for (const p of errors) this.#report(p);
      return Promise.resolve(null);
    }
    // Values that needed evaluation while it is off were left out: said once, the rest goes.
    const left = [...collected.skipped, ...skipped];
    if (left.length) {
      this.#report({
        reason: 'eval-disallowed',
        message: `${left.map((p) => p.message).join('; ')}; the rest of the request was sent`,
        part: left.map((p) => p.part).join(' '),
      });
    }
    const values = collected.values;
    if (!emit(host, new HxWsConfigSendEvent(values, headers, event))) return Promise.resolve(null);

    // 5. file checks
    const files = findFiles(values, collected.files);
    const rejected = checkFiles(files, limits);
    if (rejected.length) {
      for (const r of rejected) this.#report(r);
      return Promise.resolve(null);
    }

    // 6. encode, then hand over in order
    const encoded = encodeFiles(values, files, encoding);
    if (chunkSize !== null && encoding === OOB && !(encoded instanceof Promise)) features.chunked?.encode(encoded, chunkSize);
    if (!(encoded instanceof Promise) && !connection.outbox.busy) return Promise.resolve(this.#deliver(connection, encoded, headers));
    return this.#later(connection, encoded, headers, forId);
  }

  /** Steps 1 and 2: values, configuration, validation. `null` when the send must stop. */
  #gather(event: Event | null, s: SenderSettings) {
    const host = this.host;
    const chain = attributeChain(host);
    const submitted = event?.type === 'submit' && event.target instanceof HTMLFormElement && host.contains(event.target) ? event.target : undefined;
    const form = submitted ?? contextForm(host);
    const submitter = submitterOf(host, event);
    const allowEval = effectiveAllowEval();
    // `hx-include="this"` names the element that carries it, which may be an ancestor.
    const inherited = s.include == null ? closestAttributeOwner(chain, 'hx-include') : null;

    const collected = collectValues(host, {
      form,
      submitter,
      include: s.include ?? inherited?.value ?? null,
      includeOwner: inherited?.owner ?? host,
      vals: [...(s.vals != null ? [s.vals] : []), ...inheritedAttributes(chain, 'hx-vals')],
      vars: inheritedAttributes(chain, 'hx-vars'),
      allowEval,
      params: s.params ?? closestAttribute(chain, 'hx-params'),
    });
    const problems: Problem[] = [...collected.errors];
    const encodingText = s.encoding ?? closestAttribute(chain, 'hx-encoding');
    const encoding = parseEncoding(encodingText);
    if (!encoding) {
      problems.push({
        reason: 'bad-encoding',
        message: `encoding '${encodingText}' is not multipart/json-files-oob or multipart/json-files-inline`,
        part: encodingText ?? '',
      });
    }
    const read = readSendLimits(s, this.#attributeMode, problems);
    const { limits } = read;
    // Without the chunked feature, `chunk-size` is said once and files go whole.
    const chunkSize = read.chunkSize !== null && needFeature(host, 'chunked', settingLabel('chunkSize', this.#attributeMode), 'chunked') ? read.chunkSize : null;

    const invalid = this.#validates(form, submitter) ? invalidControls(collected.controls) : [];
    if (invalid.length) {
      const first = invalid[0].elt as FormControl;
      if (form && first.form === form) form.reportValidity();
      else first.reportValidity();
      emit(host, new HxWsValidationHaltedEvent(invalid));
      return null;
    }
    if (problems.length || !encoding) {
      for (const p of problems) this.#report(p);
      return null;
    }
    return { chain, form, collected, encoding, limits, allowEval, chunkSize };
  }

  /**
   * Whether a send runs native validation. Elements: always, as a submit does, unless the form
   * has `novalidate` or the submitter `formnovalidate`. Attribute mode follows htmx: only when
   * the sender is the form itself (without `novalidate`) or has `hx-validate="true"`, and never
   * for a `formnovalidate` submitter.
   */
  #validates(form: HTMLFormElement | null, submitter: Element | null): boolean {
    if ((submitter as HTMLButtonElement | null)?.formNoValidate) return false;
    if (!this.#attributeMode) return !form?.noValidate;
    const host = this.host;
    return (host instanceof HTMLFormElement && !host.noValidate) || readAttribute(host, 'hx-validate')?.trim() === 'true';
  }

  /**
   * Hands a request over after every send made before it on the same connection (raw sends
   * included), once its files are read.
   */
  #later(
    connection: SocketConnection,
    encoded: EncodedValues | Promise<EncodedValues>,
    headers: Record<string, string>,
    forId: string | null,
  ): Promise<OutgoingRequest | null> {
    return connection.outbox.after(async () => {
      let done: EncodedValues;
      try {
        done = await encoded;
      } catch (err) {
        this.#report({ reason: 'file-read', message: `a file could not be read: ${(err as Error)?.message ?? err}`, cause: err });
        return null;
      }
      // The page may have changed while files were read: look the connection up again.
      const now = findConnection(this.host, forId) ?? (connection.host.isConnected ? connection : undefined);
      if (!now) {
        this.#noSocket(forId, done.values, 'the connecting element went away while files were read');
        return null;
      }
      return this.#deliver(now, done, headers);
    });
  }

  #noSocket(forId: string | null, values: Record<string, unknown>, why: string): void {
    console.error(`hx-ws: no socket to send to: ${why}`, this.host);
    emit(this.host, new HxWsNoSocketSourceEvent(forId, values));
  }

  #deliver(connection: SocketConnection, encoded: EncodedValues, headers: Record<string, string>): OutgoingRequest | null {
    const id = nextRequestId();
    // Ack mode: the id the server echoes back in its `<hx-ws-ack>`.
    if (connection.ack) headers[REQUEST_ID_HEADER] = features.acks!.id(id);
    let json: string;
    try {
      json = JSON.stringify({ ...encoded.values, [this.#settings().headersKey ?? HEADERS_KEY]: headers });
    } catch (err) {
      this.#report({ reason: 'bad-vals', message: `the values could not be turned into JSON: ${(err as Error).message}`, cause: err });
      return null;
    }
    const { chunked, blobs } = encoded;
    const frames: (string | Blob)[] = [json];
    const request: OutgoingRequest = {
      id,
      source: this.host,
      values: encoded.values,
      headers,
      frames,
      bytes: frameBytes(json) + blobs.reduce((n, b) => n + b.size, 0),
    };
    frames.push(...(chunked ? features.chunked!.frames(request, blobs, chunked.chunkSize, chunked.uploadIds) : blobs));
    connection.sendRequest(request);
    return request;
  }
}
