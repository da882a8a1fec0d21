/// <reference types="node" />
/**
 * The demo's chat room, built on the server helper: every request is a chat message with
 * optional files; each one is broadcast to every open tab as an out-of-band swap. With an
 * adapter and a shared store (`npm start -- --redis <url>`), several instances are one room:
 * messages, "N online", history and uploads are the same on each.
 */
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { attachHxWs, html, oob, PROMETHEUS_CONTENT_TYPE, statsToPrometheus, unsafeHtml, type HxWsAdapter, type HxWsContext, type HxWsServer, type SafeHtml } from '../src/server/index.js';
import { chatHistory, type StoredFile } from './history.js';

export type { StoredFile } from './history.js';

/** Where the room keeps its last messages and files: memory, or Redis (demo/redis-store.ts). */
export interface ChatStore {
  addMessage(item: string): void | Promise<void>;
  messages(): readonly string[] | Promise<readonly string[]>;
  addFile(id: string, file: StoredFile): void | Promise<void>;
  file(id: string): StoredFile | undefined | Promise<StoredFile | undefined>;
}

/** Options of {@link chatRoom}. */
export interface ChatOptions {
  /** The cluster adapter (default: in memory, this process only). */
  adapter?: HxWsAdapter;
  /** The history and files (default: this process's memory, see demo/history.ts). */
  store?: ChatStore;
  /** How often "N online" is checked against the cluster-wide count, in ms (only with an adapter). */
  presenceRefreshMs?: number;
  /**
   * Recovery (default on): a tab that was offline for a while gets every message it missed
   * instead of the whole history again; see docs/reliability.md.
   */
  recovery?: boolean;
}

/** Image types shown inline; everything else (SVG included) is offered as a download. */
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);
/** The largest file the room takes; the pages say the same (`max-file-size="16MB"`). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface ChatRoom {
  /** Attaches the room's socket endpoint (`/chat`) to an HTTP server. */
  attach(server: Server): HxWsServer;
  /** Koa-style middleware that serves uploaded files under `/files/`, and the socket counters at `/stats`. */
  middleware: (ctx: KoaLike, next: () => Promise<unknown>) => Promise<unknown>;
  /** The uploaded file a `/files/<id>/<name>` path names, with the headers to serve it with. */
  file(path: string): Promise<{ bytes: Buffer; headers: Record<string, string> } | undefined>;
  close(): Promise<void>;
}

interface KoaLike {
  path: string;
  status: number;
  body: unknown;
  set(name: string, value: string): void;
  redirect(url: string): void;
}

export function chatRoom(options: ChatOptions = {}): ChatRoom {
  const store = options.store ?? chatHistory();
  let hx: HxWsServer | undefined;
  let refresh: ReturnType<typeof setInterval> | undefined;
  let shown = '';

  /**
   * "N online" across every instance (this one's own count if the adapter cannot tell): to
   * everyone when a tab came or went here, to this instance's tabs when it changed elsewhere.
   */
  async function showOnline(everywhere: boolean): Promise<void> {
    if (!hx) return;
    const text = await hx.count().then(
      (n) => `${n} online`,
      () => `${hx!.clients.size} online here`,
    );
    if (!everywhere && text === shown) return;
    shown = text;
    // A span, like the placeholder it replaces in the header's line.
    hx.broadcast(oob('online', text, { tag: 'span' }), { local: !everywhere });
  }

  async function keepFile(file: StoredFile): Promise<string> {
    const id = randomUUID();
    await store.addFile(id, file);
    return `/files/${id}/${encodeURIComponent(file.name)}`;
  }

  function renderFile(file: StoredFile, href: string): SafeHtml {
    const size = file.bytes.length < 1024 ? `${file.bytes.length} B` : `${(file.bytes.length / 1024).toFixed(1)} KB`;
    return INLINE_IMAGES.has(file.type)
      ? html`<a class="file" href="${href}" target="_blank"><img src="${href}" alt="${file.name}"></a>`
      : html`<a class="file" href="${href}" download="${file.name}">📎 ${file.name} <small>${size}</small></a>`;
  }

  /** The history, as the snapshot of a tab that did not recover. */
  async function sendHistory(ctx: HxWsContext): Promise<void> {
    const messages = await Promise.resolve(store.messages()).catch((): readonly string[] => []);
    ctx.send(oob('messages', messages.map(unsafeHtml), { swap: 'innerHTML', tag: 'ul' }));
  }

  function attach(server: Server): HxWsServer {
    hx = attachHxWs(server, {
      path: '/chat',
      adapter: options.adapter,
      onAdapterStatus(state, error) {
        console.log(`[chat] adapter ${state}${error ? `: ${error.message}` : ''}`);
        if (state === 'up') void showOnline(false);
      },
      limits: { maxFileBytes: MAX_FILE_BYTES, maxRequestBytes: 8 * MAX_FILE_BYTES },
      recovery: options.recovery ?? true,
      async onConnection(ctx: HxWsContext) {
        // A recovered tab is sent what it missed, after this hook; any other gets the history
        // (our own markup, rendered and escaped when each message arrived) as its snapshot.
        if (!ctx.recovered) await sendHistory(ctx);
        await showOnline(true);
      },
      async onClose() {
        await showOnline(true);
      },
      async handler(request) {
        const author = String(request.values.author ?? '').trim().slice(0, 40) || 'anonymous';
        const text = String(request.values.message ?? '').trim().slice(0, 2000);
        if (!text && request.files.length === 0) return;
        const time = new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
        const files = await Promise.all(
          request.files.map(async (f) => {
            const file = { name: f.name, type: f.type, bytes: f.bytes };
            return renderFile(file, await keepFile(file));
          }),
        );
        const item = html`<li class="msg"><span class="who">${author}</span><time>${time}</time>
          <p>${text}</p>${files}</li>`;
        await store.addMessage(item.toString());
        hx!.broadcast(oob('messages', item, { swap: 'beforeend', tag: 'ul' }));
      },
      onError(error) {
        console.error(`[chat] ${error.message}`);
      },
    });
    // Another instance that stopped without a goodbye drops out of the count after the
    // adapter's presence TTL; this brings the tabs here up to date.
    if (options.adapter) {
      refresh = setInterval(() => void showOnline(false), options.presenceRefreshMs ?? 2000);
      refresh.unref();
    }
    return hx;
  }

  async function file(path: string): Promise<{ bytes: Buffer; headers: Record<string, string> } | undefined> {
    const m = /^\/files\/([0-9a-f-]{36})\//.exec(path);
    const f = m ? await store.file(m[1]!) : undefined;
    if (!f) return undefined;
    return {
      bytes: f.bytes,
      headers: {
        'Content-Type': INLINE_IMAGES.has(f.type) ? f.type : 'application/octet-stream',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': "default-src 'none'",
      },
    };
  }

  async function middleware(ctx: KoaLike, next: () => Promise<unknown>) {
    if (ctx.path === '/') return ctx.redirect('/demo/');
    if (ctx.path === '/stats' && hx) {
      // The socket server's counters, in Prometheus's text format (a scraper can read this page).
      ctx.set('Content-Type', PROMETHEUS_CONTENT_TYPE);
      ctx.set('Cache-Control', 'no-store');
      ctx.body = statsToPrometheus(hx.stats(), 'hx_ws', { server: hx.serverId });
      return undefined;
    }
    if (!ctx.path.startsWith('/files/')) return next();
    const found = await file(ctx.path);
    if (!found) {
      ctx.status = 404;
      return undefined;
    }
    for (const [name, value] of Object.entries(found.headers)) ctx.set(name, value);
    ctx.body = found.bytes;
    return undefined;
  }

  return {
    attach,
    middleware,
    file,
    close: async () => {
      clearInterval(refresh);
      await hx?.close();
    },
  };
}
