// Driving the demo's chat page in iframes, as a user's tabs (the demo and refusal tests).
import { fixture, html, waitUntil } from '@open-wc/testing';

/** The demo page `src` in an iframe, once its socket is open. */
export async function tab(src: string): Promise<HTMLIFrameElement> {
  const frame = await fixture<HTMLIFrameElement>(html`<iframe src=${src} style="width: 800px; height: 500px"></iframe>`);
  await waitUntil(() => frame.contentDocument?.getElementById('state')?.dataset.state === 'open', `${src} connected`, { timeout: 10_000 });
  return frame;
}

/** Fills the form of a demo tab and presses Send. */
export function say(frame: HTMLIFrameElement, author: string, message: string, files: File[] = []): HTMLFormElement {
  const doc = frame.contentDocument!;
  const win = frame.contentWindow as unknown as typeof window;
  const form = doc.querySelector('form')!;
  (form.elements.namedItem('author') as HTMLInputElement).value = author;
  (form.elements.namedItem('message') as HTMLInputElement).value = message;
  const dt = new win.DataTransfer();
  for (const f of files) dt.items.add(f);
  form.querySelector<HTMLInputElement>('input[type=file]')!.files = dt.files;
  form.querySelector('button')!.click();
  return form;
}

/** A random tag that marks one test's messages. */
export const tag = (): string => Math.random().toString(36).slice(2);
