/**
 * The one definition of what a form control, a button and a submitter are, shared by value
 * collection, trigger wiring and the sender; the submitter of a send and the controls that fail
 * native validation.
 *
 * @module
 */
import type { HxWsValidationError } from '../events.js';

/** An element whose value a send may collect. */
export type FormControl = HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement;

/** The selector of {@link FormControl}s. */
export const CONTROLS = 'input, select, textarea';

/** Whether `el` is an `<input>`, `<select>` or `<textarea>`. */
export function isControl(el: unknown): el is FormControl {
  return el instanceof HTMLInputElement || el instanceof HTMLSelectElement || el instanceof HTMLTextAreaElement;
}

/** An `<input>` that is a button (`button`, `submit`, `reset`, `image`), not a field: it has no value of its own to send. */
export function isButtonInput(el: unknown): boolean {
  return el instanceof HTMLInputElement && /^(button|submit|reset|image)$/.test(el.type);
}

/** A `<button>` of any type, or an input that is a button: as a sender, it sends on click. */
export function isButton(el: unknown): el is HTMLButtonElement | HTMLInputElement {
  return el instanceof HTMLButtonElement || (el instanceof HTMLInputElement && isButtonInput(el));
}

/**
 * A button whose `name=value` goes with the values of the send it triggered: any button but a
 * reset one (it clears the form; it never submits).
 */
export function isSubmitter(el: unknown): el is HTMLButtonElement | HTMLInputElement {
  return isButton(el) && el.type !== 'reset';
}

/** A button that would submit its form when clicked (`type=submit` or an image input, inside a form). */
export function submitsForm(el: unknown): el is HTMLButtonElement | HTMLInputElement {
  return isButton(el) && (el.type === 'submit' || el.type === 'image') && el.form !== null;
}

/**
 * The button that has focus in `form`, if any: a form submitted with no submitter (`requestSubmit()`,
 * Enter in some browsers) counts it as the submitter, as htmx does.
 */
function focusedButton(form: EventTarget | null): Element | null {
  if (!(form instanceof HTMLFormElement)) return null;
  let el = document.activeElement;
  while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
  const button = el instanceof HTMLButtonElement || (el instanceof HTMLInputElement && el.type === 'submit') ? el : null;
  return button && isSubmitter(button) && button.form === form ? button : null;
}

/** The submitter a triggering event implies: the submit event's (or the focused button), or the clicked button. */
export function submitterOf(host: Element, event: Event | null | undefined): Element | null {
  if (isButton(host)) return isSubmitter(host) ? host : null;
  if (!event) return null;
  if (event instanceof SubmitEvent) return event.submitter ?? focusedButton(event.target);
  if (event.type !== 'click') return null;
  const origin = event.composedPath()[0];
  const button = origin instanceof Element ? origin.closest('button, input') : null;
  return isSubmitter(button) && host.contains(button) ? button : null;
}

/** Controls that fail native validation, with the browser's messages. */
export function invalidControls(controls: readonly FormControl[]): HxWsValidationError[] {
  return controls
    .filter((c) => c.willValidate && !c.validity.valid)
    .map((c) => ({ elt: c, message: c.validationMessage, validity: c.validity }));
}
