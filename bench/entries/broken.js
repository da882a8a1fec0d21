// A deliberately broken contender (`npm run bench -- --broken`): it opens its socket like the
// others and then drops every message on the floor, and its upload form sends nothing. It shows
// that a contender that fails is reported as failed, quickly, and that the run still finishes.
const host = document.querySelector('[data-broken-ws]');
if (host) {
  const ws = new WebSocket(new URL(host.dataset.brokenWs, location.href.replace(/^http/, 'ws')));
  ws.addEventListener('message', () => {});
}
document.addEventListener('submit', (e) => e.preventDefault());
