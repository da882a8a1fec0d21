/**
 * The demo's connection badge and upload bar, driven only by the library's events, so the same
 * code serves the element page and the attribute page.
 */
export function wireStatus(conn: Element, badge: HTMLElement, bar: HTMLProgressElement): void {
  let countdown: ReturnType<typeof setInterval> | undefined;
  const show = (state: string, text: string) => {
    clearInterval(countdown);
    badge.dataset.state = state;
    badge.textContent = text;
  };
  conn.addEventListener('hx-ws-connecting', (e) => show('connecting', e.retryCount ? `reconnecting (attempt ${e.retryCount + 1})…` : 'connecting…'));
  conn.addEventListener('hx-ws-open', () => show('open', 'connected'));
  conn.addEventListener('hx-ws-close', (e) => {
    if (e.reconnectDelay === null) return show('closed', `closed (${e.code})`);
    const at = Date.now() + e.reconnectDelay;
    const tick = () => {
      badge.dataset.state = 'waiting';
      badge.textContent = `offline: reconnecting in ${Math.max(0, (at - Date.now()) / 1000).toFixed(1)} s`;
    };
    show('waiting', '');
    tick();
    countdown = setInterval(tick, 100);
  });
  conn.addEventListener('hx-ws-upload-progress', (e) => {
    bar.hidden = e.request.frames.length < 2 && e.loaded === e.total;
    bar.value = e.fraction;
    if (e.loaded === e.total) setTimeout(() => (bar.hidden = true), 600);
  });
  conn.addEventListener('hx-ws-after-send', (e) => {
    const form = e.request.source.closest('form') ?? e.request.source.querySelector('form');
    for (const input of form?.querySelectorAll<HTMLInputElement>('input[name=message], input[type=file]') ?? []) input.value = '';
  });
}
