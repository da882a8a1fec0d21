// A @web/test-runner launcher for WebKit, Safari's engine: WebKitGTK's MiniBrowser driven by
// WebKitWebDriver over WebDriver classic, on its own Xvfb display unless one is already set.
// It starts the display and the driver when the run starts and stops both when it ends (or when
// the process exits). Plain HTTP to the driver; no client library, nothing downloaded.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

/** A free loopback TCP port. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      server.close(() => resolve(port));
    });
  });
}

/** A display number no X server is using (no lock file, no socket). */
function freeDisplay() {
  for (let n = 90 + (process.pid % 50); n < 400; n++) {
    if (!existsSync(`/tmp/.X${n}-lock`) && !existsSync(`/tmp/.X11-unix/X${n}`)) return n;
  }
  throw new Error('no free X display number between 90 and 400');
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Spawns a helper process; its output is kept (the last 4 KiB) for error messages. */
function startProcess(cmd, args, env) {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let log = '';
  const keep = (d) => { log = (log + d).slice(-4096); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { child, log: () => log };
}

/**
 * A WebDriver classic session on a running WebKitWebDriver.
 * @param {string} base e.g. http://127.0.0.1:4444
 */
export async function webdriverSession(base, capabilities) {
  async function call(method, path, body) {
    const res = await fetch(base + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
      const v = json.value ?? {};
      throw new Error(`WebDriver ${method} ${path}: ${v.error ?? res.status} ${v.message ?? ''}`.trim());
    }
    return json.value;
  }
  const created = await call('POST', '/session', { capabilities: { alwaysMatch: capabilities } });
  const id = created.sessionId;
  return {
    capabilities: created.capabilities,
    /** Any WebDriver command of this session: `call('POST', '/window', { handle })`. */
    call: (method, path, body) => call(method, `/session/${id}${path}`, body),
    navigate: (url) => call('POST', `/session/${id}/url`, { url }),
    url: () => call('GET', `/session/${id}/url`),
    execute: (script, args = []) => call('POST', `/session/${id}/execute/sync`, { script, args }),
    close: () => call('DELETE', `/session/${id}`),
  };
}

/**
 * Starts Xvfb (unless DISPLAY is set), WebKitWebDriver and one MiniBrowser session.
 * @param {{ driver: string, miniBrowser: string, xvfb: string | null }} webkit from findWebKit()
 */
export async function startWebKit(webkit) {
  const procs = [];
  const stopAll = () => {
    for (const p of procs.reverse()) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    procs.length = 0;
  };
  // Killed rather than stopped (SIGTERM, SIGHUP): stop the helpers, then die of the same signal.
  const onSignal = (signal) => {
    stopAll();
    process.kill(process.pid, signal);
  };
  process.once('exit', stopAll);
  process.once('SIGTERM', onSignal);
  process.once('SIGHUP', onSignal);
  try {
    let display = process.env.DISPLAY;
    if (!display && webkit.xvfb) {
      const n = freeDisplay();
      const x = startProcess(webkit.xvfb, [`:${n}`, '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {});
      procs.push(x);
      for (let i = 0; i < 100 && !existsSync(`/tmp/.X11-unix/X${n}`); i++) {
        if (x.child.exitCode !== null) throw new Error(`Xvfb :${n} exited: ${x.log()}`);
        await sleep(50);
      }
      display = `:${n}`;
    }
    const port = await freePort();
    const d = startProcess(webkit.driver, [`--port=${port}`, '--host=127.0.0.1'], { DISPLAY: display });
    procs.push(d);
    const base = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (d.child.exitCode !== null) throw new Error(`WebKitWebDriver exited: ${d.log()}`);
      try {
        const status = await (await fetch(`${base}/status`)).json();
        if (status.value?.ready) break;
      } catch {
        // not listening yet
      }
      if (i > 200) throw new Error(`WebKitWebDriver did not answer on ${base}: ${d.log()}`);
      await sleep(50);
    }
    const session = await webdriverSession(base, {
      'webkitgtk:browserOptions': { binary: webkit.miniBrowser, args: ['--automation'] },
    });
    return {
      session,
      display,
      async stop() {
        await session.close().catch(() => {});
        stopAll();
        process.removeListener('exit', stopAll);
        process.removeListener('SIGTERM', onSignal);
        process.removeListener('SIGHUP', onSignal);
      },
    };
  } catch (e) {
    stopAll();
    throw e;
  }
}

/**
 * @param {{ driver: string, miniBrowser: string, xvfb: string | null }} webkit from findWebKit()
 * @returns {import('@web/test-runner').BrowserLauncher}
 */
export function webkitLauncher(webkit) {
  /** @type {Awaited<ReturnType<typeof startWebKit>> | undefined} */
  let running;
  /** @type {Promise<Awaited<ReturnType<typeof startWebKit>>> | undefined} */
  let starting;
  const urls = new Map();
  const get = () => (starting ??= startWebKit(webkit).then((r) => (running = r)));
  return {
    name: 'WebKit',
    type: 'webdriver',
    // One page, one test file at a time: WebDriver classic drives a single top-level window here.
    concurrency: 1,
    async initialize() {
      const { session } = await get();
      const v = session.capabilities.browserVersion;
      this.name = `WebKit (WebKitGTK ${v})`;
    },
    async stop() {
      const r = running ?? (starting ? await starting.catch(() => undefined) : undefined);
      running = undefined;
      starting = undefined;
      await r?.stop();
    },
    async startSession(id, url) {
      const { session } = await get();
      urls.set(id, url);
      // Navigation returns when the page has loaded; the tests report over the runner's own
      // socket, so there is nothing to wait for here.
      session.navigate(url).catch((e) => console.error(`WebKit: could not open ${url}: ${e.message}`));
    },
    isActive: (id) => urls.has(id),
    getBrowserUrl: (id) => urls.get(id),
    async stopSession(id) {
      const { session } = await get();
      await session.navigate('about:blank');
      urls.delete(id);
      return {};
    },
    async startDebugSession() {
      throw new Error('WebKit: no debug session; run MiniBrowser yourself under a display');
    },
  };
}
