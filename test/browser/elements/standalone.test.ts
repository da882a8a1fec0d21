// The one-file build (dist/hx-ws.js from src/standalone.ts, built by `npm test` before the
// browser run): a plain HTML page with no import map loads it with one <script type="module">
// and runs the demo's chat room (the real chat server at /chat) with attribute markup.
// Nothing from src/ is imported here: the page gets everything from the one file.
import { expect, waitUntil } from '@open-wc/testing';
import '../../../src/full.js'; // every feature, as before the core/feature split

const BUILD = '/dist/hx-ws.js';
const PAGE = '/test/fixtures/standalone-chat.html';

let frame: HTMLIFrameElement | undefined;

afterEach(() => {
  frame?.remove(); // the page's socket closes with it
  frame = undefined;
});

/** Loads `src` in an iframe and resolves with its window once it has loaded. */
function openPage(src: string): Promise<Window & typeof globalThis> {
  return new Promise((resolve, reject) => {
    frame = document.createElement('iframe');
    frame.src = src;
    frame.onload = () => resolve(frame!.contentWindow as Window & typeof globalThis);
    frame.onerror = () => reject(new Error(`could not load ${src}`));
    document.body.append(frame);
  });
}

describe('the one-file build', () => {
  it('is one minified ES module with Lit inside and no imports left', async () => {
    // The dev server re-prints .js files it serves (its esbuild transform for the es2022 target):
    // imports and names survive that, line breaks do not, so this reads imports and names.
    const res = await fetch(BUILD);
    expect(res.ok, `${BUILD} exists (npm test builds it)`).to.equal(true);
    const code = await res.text();
    expect(code.length).to.be.greaterThan(10_000);
    // Static imports (`import x from "y"`, `import "y"`), re-exports from a module, dynamic imports.
    expect(code).to.not.match(/(?:^|[;}\n])\s*import\b\s*(?:[\w$*{][^;]*?\bfrom\b\s*)?["'][^"']+["']/);
    expect(code).to.not.match(/\bexport\b[^;]*?\bfrom\s*["']/);
    expect(code).to.not.match(/\bimport\s*\(/);
    expect(code).to.contain('reactiveElementVersions'); // Lit's own code (ReactiveElement) is in the file
    expect(code).to.not.contain('Lit is in dev mode'); // and it is Lit's production build
    // Minified: the library's own local function names are gone.
    for (const name of ['captureFocus', 'scheduleSettle', 'resolveSocketUrl', 'parseHxWs', 'activateScripts']) {
      expect(code, name).to.not.contain(name);
    }
    // `restoreFocus` is also idiomorph's option name (a property, kept by any minifier): our
    // function of that name must still be gone, so no call of it is left.
    expect(code, 'restoreFocus').to.not.match(/\brestoreFocus\s*\(/);
    expect(code).to.match(/export\s*\{[^}]*\bshim\b/);
  });

  it('a plain page with no import map runs the chat example: connect, a swap arrives, a form send reaches the server', async () => {
    const win = await openPage(PAGE);
    const doc = win.document;
    expect(doc.querySelector('script[type=importmap]')).to.equal(null);
    // The page's one script (the dev server adds its own, for live reload).
    const scripts = Array.from(doc.scripts, (s) => s.getAttribute('src') ?? 'inline').filter((src) => !src.startsWith('/__web-dev-server'));
    expect(scripts).to.deep.equal([BUILD]);
    expect(win.customElements.get('hx-ws-connect'), 'both elements registered').to.not.equal(undefined);
    expect(win.customElements.get('hx-ws-send')).to.not.equal(undefined);

    // Connect: the chat server greets every socket with the online count, an out-of-band swap.
    await waitUntil(() => /\d+ online/.test(doc.getElementById('online')!.textContent!), 'the online count was swapped in', {
      timeout: 5000,
    });

    // A form send (with a file) reaches the server, which broadcasts the message back.
    const text = `hello from the one-file build ${Math.random().toString(36).slice(2)}`;
    const form = doc.querySelector('form')!;
    form.querySelector<HTMLInputElement>('[name=author]')!.value = 'standalone';
    form.querySelector<HTMLInputElement>('[name=message]')!.value = text;
    const dt = new win.DataTransfer();
    dt.items.add(new win.File(['plain text'], 'note.txt', { type: 'text/plain' }));
    form.querySelector<HTMLInputElement>('[type=file]')!.files = dt.files;
    form.querySelector('button')!.click();
    const mine = () => Array.from(doc.querySelectorAll('#messages li')).find((li) => li.textContent!.includes(text));
    await waitUntil(() => mine() !== undefined, 'the server broadcast the message back', { timeout: 5000 });
    expect(mine()!.querySelector('.who')!.textContent).to.equal('standalone');
    expect(mine()!.querySelector('a.file')!.textContent).to.contain('note.txt');
    expect(doc.location.pathname, 'the form did not navigate').to.equal(PAGE);
  });
});
