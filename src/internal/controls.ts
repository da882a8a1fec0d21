/**
 * The one definition of what a form control, a button and a submitter are, shared by value
 * collection, trigger wiring and the sender.
 *
 * @module
 */

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
