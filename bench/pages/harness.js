// In-page measuring harness, loaded as a classic script before any contender code, identical
// for every contender. It never touches the socket: it watches the DOM.
//
// Swaps: a MutationObserver counts every added element that carries `data-ts` (every bench
// fragment does). The time of the observer callback is the time the swap was applied; for
// latency, `appliedAt - data-ts` (page clock minus server clock; the driver corrects the offset).
//
// Churn mode (`?mode=churn`): WebSocket is subclassed so the harness learns when each socket
// opens, whichever library made it.
(() => {
  'use strict';
  const now = () => performance.timeOrigin + performance.now();
  const bench = {
    now,
    count: 0,
    lastAt: 0,
    lat: null,
    latN: 0,
    target: Infinity,
    waiter: null,
    errors: [],
  };
  window.bench = bench;
  window.addEventListener('error', (e) => bench.errors.push(String(e.message)));

  const observer = new MutationObserver((records) => {
    const t = now();
    let added = 0;
    for (const r of records) {
      for (const n of r.addedNodes) {
        if (n.nodeType !== 1) continue;
        const ts = n.getAttribute('data-ts');
        if (ts === null) continue;
        added++;
        if (bench.lat !== null && bench.latN < bench.lat.length) bench.lat[bench.latN++] = t - Number(ts);
      }
    }
    if (added === 0) return;
    bench.count += added;
    bench.lastAt = t;
    if (bench.waiter && bench.count >= bench.target) {
      const w = bench.waiter;
      bench.waiter = null;
      w.resolve();
    }
  });
  observer.observe(document.documentElement, { childList: true, subtree: true });

  /** Starts a measurement: counters to zero, room for `latencies` samples. */
  bench.reset = (latencies = 0) => {
    bench.count = 0;
    bench.lastAt = 0;
    bench.lat = latencies ? new Float64Array(latencies) : null;
    bench.latN = 0;
  };

  /**
   * Resolves once `n` swaps have been applied since the reset, or early with a reason:
   * `timeout` after `timeoutMs`, `no-first` when none has been applied after `firstMs`,
   * `stalled` when none has been applied for `stallMs` (both 0: no early end).
   */
  bench.expect = (n, timeoutMs, firstMs = 0, stallMs = 0) =>
    new Promise((resolve) => {
      const started = now();
      let seen = bench.count;
      let seenAt = started;
      const done = (ok, reason) => {
        clearTimeout(timer);
        clearInterval(watch);
        bench.waiter = null;
        resolve({ ok, reason, count: bench.count, lastAt: bench.lastAt, waitedMs: now() - started });
      };
      const timer = setTimeout(() => done(false, 'timeout'), timeoutMs);
      const watch = setInterval(() => {
        const t = now();
        if (bench.count !== seen) {
          seen = bench.count;
          seenAt = t;
        } else if (firstMs && bench.count === 0 && t - started > firstMs) {
          done(false, 'no-first');
        } else if (stallMs && bench.count > 0 && t - seenAt > stallMs) {
          done(false, 'stalled');
        }
      }, 100);
      bench.target = n;
      bench.waiter = { resolve: () => done(true, null) };
      if (bench.count >= n) done(true, null);
    });

  /** Latency samples (page clock minus embedded send time), as a plain array. */
  bench.latencies = () => Array.from(bench.lat ? bench.lat.subarray(0, bench.latN) : []);

  /** Targets still in the page, and how many of them hold a swapped fragment. */
  bench.check = () => {
    const ids = document.querySelectorAll('[id^="t"]');
    let swapped = 0;
    for (const el of ids) if (el.hasAttribute('data-ts')) swapped++;
    return { targets: ids.length, swapped };
  };

  /** A task boundary without timer clamping. */
  const nextTask = () =>
    new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => resolve(undefined);
      ch.port2.postMessage(0);
    });
  bench.nextTask = nextTask;

  if (new URLSearchParams(location.search).get('mode') === 'churn') {
    const Native = window.WebSocket;
    const openWaiters = [];
    bench.socketsCreated = 0;
    bench.socketsOpened = 0;
    class HarnessWebSocket extends Native {
      constructor(url, protocols) {
        super(url, protocols);
        bench.socketsCreated++;
        // Listen after the library's own listeners (it adds them right after construction).
        queueMicrotask(() =>
          this.addEventListener('open', () => {
            bench.socketsOpened++;
            const w = openWaiters.shift();
            if (w) w(this);
          }),
        );
      }
    }
    window.WebSocket = HarnessWebSocket;

    const nextOpen = (timeoutMs) =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          const i = openWaiters.indexOf(w);
          if (i >= 0) openWaiters.splice(i, 1);
          resolve(null);
        }, timeoutMs);
        const w = (ws) => {
          clearTimeout(timer);
          resolve(ws);
        };
        openWaiters.push(w);
      });

    /**
     * `cycles` times: insert the element made from `html`, `process` it (htmx needs it for
     * content added by hand), wait until its socket is open, remove it with plain DOM `remove()`.
     */
    bench.churn = async (html, cycles, process, stallMs) => {
      const host = document.getElementById('churn-host');
      const t0 = now();
      let done = 0;
      let stalled = false;
      for (let i = 0; i < cycles; i++) {
        const tpl = document.createElement('template');
        tpl.innerHTML = html;
        const el = tpl.content.firstElementChild;
        const opened = nextOpen(stallMs);
        host.append(el);
        if (process === 'htmx') window.htmx.process(el);
        const ws = await opened;
        if (!ws) {
          stalled = true;
          el.remove();
          break;
        }
        el.remove();
        done++;
      }
      const t1 = now();
      // Let the library react to the last removal (microtasks, a task) before anyone counts.
      await nextTask();
      return { done, stalled, ms: t1 - t0, created: bench.socketsCreated, opened: bench.socketsOpened };
    };
  }
})();
