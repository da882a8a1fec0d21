/**
 * The demo page's behaviour around the chat, driven only by the library's events, so the same
 * code serves the element page and the attribute page:
 *
 * - the connection badge (`#state`), and the online count (`#online`) blanked while offline;
 * - the message list (`#messages`) kept scrolled to the newest message, unless the reader has
 *   scrolled up;
 * - the upload bar (`#upload`: a `<progress>` and a label with percent and bytes);
 * - the notice (`#notice`) saying why a send failed, with the typed message and the files put
 *   back so nothing has to be typed or picked again.
 */
import type { OutgoingRequest } from '../src/index.js';

/** Bytes for people: `812 B`, `40.2 KB`, `12.5 MB` (powers of 1024, as `max-file-size` counts). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

/** How far from the bottom (px) still counts as reading the newest messages. */
const STICKY_PX = 48;

interface Draft {
  message: string;
  files: File[];
  /** When the request went out (`hx-ws-after-send`), for a server close that follows it. */
  sentAt?: number;
}

/** A server close this soon after the page's last request is taken as its answer to it. */
const ANSWER_MS = 3000;

export function wireStatus(conn: Element): void {
  const doc = conn.ownerDocument;
  const byId = <T extends HTMLElement>(id: string) => doc.getElementById(id) as T;
  const badge = byId('state');
  const messages = byId('messages');
  const upload = byId('upload');
  const bar = upload.querySelector('progress')!;
  const label = upload.querySelector<HTMLElement>('.upload-label')!;
  const notice = byId('notice');

  // Connection state.
  let countdown: ReturnType<typeof setInterval> | undefined;
  const show = (state: string, text: string) => {
    clearInterval(countdown);
    badge.dataset.state = state;
    badge.textContent = text;
  };
  // The count is the server's (#online is swapped in whole on every change); offline it is unknown.
  const forgetCount = () => {
    const online = byId('online');
    if (online) online.textContent = '…';
  };
  conn.addEventListener('hx-ws-connecting', (e) => show('connecting', e.retryCount ? `reconnecting (attempt ${e.retryCount + 1})…` : 'connecting…'));
  conn.addEventListener('hx-ws-open', () => show('open', 'connected'));
  conn.addEventListener('hx-ws-close', (e) => {
    forgetCount();
    // The server's reason, unless an error just before the close event already gave it (a
    // request it cut short, or the close itself).
    if (e.reason && e.code !== 1000 && e.code !== 1001 && e.code !== 1012 && !lost) {
      say(`The server closed the connection (${e.code}): ${e.reason}.`);
    }
    if (e.reconnectDelay === null) return show('closed', `closed (${e.code})`);
    const at = Date.now() + e.reconnectDelay;
    const tick = () => {
      badge.dataset.state = 'waiting';
      badge.textContent = `offline: retry in ${Math.max(0, (at - Date.now()) / 1000).toFixed(1)} s`;
    };
    show('waiting', '');
    tick();
    countdown = setInterval(tick, 100);
  });

  // Newest message in view: stick to the bottom unless the reader scrolled up.
  let stick = true;
  const atBottom = () => messages.scrollHeight - messages.scrollTop - messages.clientHeight <= STICKY_PX;
  messages.addEventListener('scroll', () => (stick = atBottom()), { passive: true });
  conn.addEventListener('hx-ws-before-message', () => (stick = stick || atBottom()));
  conn.addEventListener('hx-ws-after-message', () => {
    if (stick) messages.scrollTop = messages.scrollHeight;
  });
  // A picture grows the list when it has loaded, after the swap.
  messages.addEventListener('load', () => stick && (messages.scrollTop = messages.scrollHeight), true);

  // Upload progress: only for requests with files in binary frames, i.e. something to wait for.
  let hideBar: ReturnType<typeof setTimeout> | undefined;
  conn.addEventListener('hx-ws-upload-progress', (e) => {
    if (e.request.frames.length < 2) return;
    clearTimeout(hideBar);
    const pct = Math.floor(e.fraction * 100);
    upload.hidden = false;
    bar.value = e.fraction;
    const names = e.request.frames.flatMap((f) => (f instanceof File ? [f.name] : []));
    label.textContent = `${names.join(', ')}${names.length ? ': ' : ''}${pct} % · ${formatBytes(e.loaded)} of ${formatBytes(e.total)}`;
    if (e.loaded === e.total) hideBar = setTimeout(() => (upload.hidden = true), 1200);
  });

  // The form is emptied once a request has left; if the request is lost after all, the message
  // and the files come back, with the reason.
  const drafts = new WeakMap<OutgoingRequest, Draft>();
  let lost = ''; // the notice about requests lost in this task, which a close event adds to
  const formOf = (source: Element) => source.closest('form') ?? source.querySelector('form');
  conn.addEventListener('hx-ws-before-send', (e) => {
    clearNotice();
    const form = formOf(e.request.source);
    const message = form?.querySelector<HTMLInputElement>('input[name=message]');
    const files = form?.querySelector<HTMLInputElement>('input[type=file]');
    drafts.set(e.request, { message: message?.value ?? '', files: [...(files?.files ?? [])] }); // a copy: clearing the input empties its FileList
  });
  conn.addEventListener('hx-ws-after-send', (e) => {
    stick = true;
    const draft = drafts.get(e.request);
    if (draft) draft.sentAt = Date.now();
    const form = formOf(e.request.source);
    for (const input of form?.querySelectorAll<HTMLInputElement>('input[name=message], input[type=file]') ?? []) input.value = '';
  });
  conn.addEventListener('hx-ws-error', (e) => {
    if (e.reason === 'socket') return; // the badge shows the connection's state
    // server-closed: nothing was cut short; e.request is the last request, which went out whole.
    // A close right after it is the server's answer to it (Firefox counts a big file as gone as
    // soon as the whole frame is handed to the network, so a refused upload ends up here), and
    // it comes back like a lost one; a close long after it is news of its own.
    const draft = e.request && drafts.get(e.request);
    if (e.reason === 'server-closed' && !(draft?.sentAt && Date.now() - draft.sentAt < ANSWER_MS)) {
      say(`${e.message[0]!.toUpperCase()}${e.message.slice(1)}.`);
      lost = notice.textContent;
      setTimeout(() => (lost = ''));
      return;
    }
    say(e.reason === 'file-rejected' || e.request ? `Not sent: ${e.message}.` : e.message);
    if (e.request) {
      lost = notice.textContent;
      setTimeout(() => (lost = ''));
    }
    upload.hidden = true;
    if (!draft) return; // refused before it was sent (e.g. a file too big): the form is untouched
    const form = formOf(e.request!.source);
    const message = form?.querySelector<HTMLInputElement>('input[name=message]');
    const files = form?.querySelector<HTMLInputElement>('input[type=file]');
    if (message && !message.value) message.value = draft.message;
    if (files && draft.files.length && !files.files?.length) {
      const dt = new DataTransfer();
      for (const f of draft.files) dt.items.add(f);
      files.files = dt.files;
    }
  });

  function say(text: string) {
    notice.textContent = text;
    notice.hidden = false;
  }
  function clearNotice() {
    notice.hidden = true;
    notice.textContent = '';
  }
}
