// The floor: a hand-written client. One WebSocket, each text message parsed in a <template>,
// every top-level element replaces the element with its id. No events, no options.
const host = document.querySelector('[data-raw-ws]');
const ws = new WebSocket(new URL(host.dataset.rawWs, location.href.replace(/^http/, 'ws')));

ws.addEventListener('message', (e) => {
  if (typeof e.data !== 'string') return;
  const template = document.createElement('template');
  template.innerHTML = e.data;
  for (const el of Array.from(template.content.children)) {
    const target = document.getElementById(el.id);
    if (target) target.replaceWith(el);
  }
});

/** Upload baseline: the File straight to the socket. */
window.rawSend = (file) => ws.send(file);
window.rawSocket = ws;
