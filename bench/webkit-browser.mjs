// The bench's pages in WebKit (WebKitGTK's MiniBrowser through WebKitWebDriver, WebDriver
// classic): just enough of puppeteer's Browser and Page for the swap and latency sections, one
// window per page. `bringToFront` switches WebDriver to the page's window; `evaluate` runs the
// function there as an async script. There are no page events (crashes show as failed calls).
import { startWebKit } from '../scripts/launchers/webkit.mjs';

/** Starts WebKit and returns a puppeteer-like browser. */
export async function launchWebKit(webkit) {
  const running = await startWebKit(webkit);
  const { session } = running;
  const call = session.call;
  await call('POST', '/timeouts', { script: 600_000, pageLoad: 60_000 });
  const first = await call('GET', '/window');
  let current = first;
  let firstFree = true;
  const use = async (handle) => {
    if (current === handle) return;
    await call('POST', '/window', { handle });
    current = handle;
  };
  const newPage = async () => {
    let handle;
    if (firstFree) {
      firstFree = false;
      handle = first;
    } else {
      handle = (await call('POST', '/window/new', { type: 'window' })).handle;
    }
    const page = {
      on() {},
      once() {},
      async goto(url) {
        await use(handle);
        await call('POST', '/url', { url });
      },
      async bringToFront() {
        await use(handle);
      },
      async evaluate(fn, ...args) {
        await use(handle);
        const script = `const done = arguments[arguments.length - 1];
Promise.resolve().then(() => (${fn.toString()}).apply(null, Array.prototype.slice.call(arguments, 0, -1)))
  .then((v) => done({ ok: v === undefined ? null : v }), (e) => done({ error: String(e && e.stack || e) }));`;
        const r = await call('POST', '/execute/async', { script, args });
        if (r && 'error' in r) throw new Error(r.error);
        return r?.ok;
      },
      async close() {
        if (handle === first) {
          await use(handle);
          await call('POST', '/url', { url: 'about:blank' });
          firstFree = true;
          return;
        }
        await use(handle);
        await call('DELETE', '/window');
        current = first;
        await call('POST', '/window', { handle: first });
      },
    };
    return page;
  };
  return {
    newPage,
    version: async () => `WebKitGTK ${session.capabilities.browserVersion}`,
    close: () => running.stop(),
  };
}
