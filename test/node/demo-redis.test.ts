/// <reference types="node" />
/**
 * The real demo server, twice (`npm start -- --redis <url> --port <p>`), on one test Redis, and
 * headless Chromium: a page on each instance; a message and an image sent on one appear on the
 * other (the image served by the other instance), both say "2 online", and a page opened later
 * gets the shared history.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
// @ts-expect-error: a plain ESM script without types
import { findChrome } from '../../scripts/chrome.mjs';
import { freePort, redisSkip, startRedis, type TestRedis } from './support/redis.js';

const skip = redisSkip();

/** Starts demo/serve.ts with --redis and --port; resolves once it serves and its adapter is up. */
async function demo(redisUrl: string, port: number): Promise<{ child: ChildProcess; log: string[] }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'demo/serve.ts', '--redis', redisUrl, '--port', String(port), '--host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log: string[] = [];
  await new Promise<void>((resolve, reject) => {
    const onData = (data: Buffer) => {
      log.push(...String(data).split('\n').filter(Boolean));
      if (log.some((l) => l.includes('demo:')) && log.some((l) => l.includes('[chat] adapter up'))) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${log.join('\n')}`)));
  });
  return { child, log };
}

describe('demo on two processes through Redis (headless Chromium)', { skip }, () => {
  let redis: TestRedis;
  let browser: Browser;
  const servers: ChildProcess[] = [];
  const ports: number[] = [];

  before(async () => {
    redis = await startRedis();
    for (let i = 0; i < 2; i++) {
      const port = await freePort();
      ports.push(port);
      servers.push((await demo(redis.url, port)).child);
    }
    const chrome = (await findChrome()) as { executablePath: string; args: string[] };
    browser = await puppeteer.launch({ executablePath: chrome.executablePath, args: chrome.args, headless: true });
  });

  after(async () => {
    await browser?.close();
    await Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            if (s.exitCode !== null) return resolve();
            s.once('exit', () => resolve());
            s.kill('SIGTERM');
            setTimeout(() => s.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
    await redis?.stop();
  });

  async function open(port: number): Promise<Page> {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port}/demo/`);
    await page.waitForSelector('#state[data-state="open"]', { timeout: 20_000 });
    return page;
  }

  it('two pages on two instances chat, share uploads, presence and history', async () => {
    const a = await open(ports[0]!);
    const b = await open(ports[1]!);
    for (const page of [a, b]) {
      await page.waitForFunction(() => document.getElementById('online')?.textContent === '2 online', { timeout: 10_000, polling: 50 });
    }

    const text = `across processes ${Math.random().toString(36).slice(2)}`;
    await a.$eval('input[name=author]', (el, v) => ((el as HTMLInputElement).value = v), 'Ada');
    await a.$eval('input[name=message]', (el, v) => ((el as HTMLInputElement).value = v), text);
    await a.evaluate(async () => {
      const c = Object.assign(document.createElement('canvas'), { width: 3, height: 2 });
      c.getContext('2d')!.fillRect(0, 0, 3, 2);
      const blob = await new Promise<Blob>((r) => c.toBlob((x) => r(x!), 'image/png'));
      const dt = new DataTransfer();
      dt.items.add(new File([blob], 'dot.png', { type: 'image/png' }));
      document.querySelector<HTMLInputElement>('input[type=file]')!.files = dt.files;
    });
    // A DOM click: puppeteer's mouse click waits for a frame, which a background tab never paints.
    await a.$eval('form button', (button) => (button as HTMLButtonElement).click());

    // On the other instance's page: the message, and the image, loaded from that instance.
    await b.waitForFunction((t) => [...document.querySelectorAll('#messages .msg')].some((li) => li.textContent!.includes(t)), { timeout: 10_000, polling: 50 }, text);
    await b.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('#messages .msg img');
      return img !== null && img.complete && img.naturalWidth === 3;
    }, { timeout: 10_000, polling: 50 });
    const src = await b.$eval('#messages .msg img', (img) => (img as HTMLImageElement).src);
    assert.ok(src.startsWith(`http://127.0.0.1:${ports[1]}/files/`), src);
    const counts = await Promise.all([a, b].map((p) => p.$$eval('#messages .msg', (items, t) => items.filter((li) => li.textContent!.includes(t as string)).length, text)));
    assert.deepEqual(counts, [1, 1], 'the message once on each page');

    // A page opened later on the second instance gets the history written by the first.
    const c = await open(ports[1]!);
    await c.waitForFunction((t) => [...document.querySelectorAll('#messages .msg')].some((li) => li.textContent!.includes(t)), { timeout: 10_000, polling: 50 }, text);
    await a.waitForFunction(() => document.getElementById('online')?.textContent === '3 online', { timeout: 10_000, polling: 50 });
    await c.close();
    await a.waitForFunction(() => document.getElementById('online')?.textContent === '2 online', { timeout: 10_000, polling: 50 });
  });
});
