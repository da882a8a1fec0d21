/// <reference types="node" />
/**
 * The demo's chat room, built on the server helper: every request is a chat message with
 * optional files; each one is broadcast to every open tab as an out-of-band swap.
 */
import type { Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { attachHxWs, html, oob, unsafeHtml, type HxWsContext, type HxWsServer, type SafeHtml } from '../src/server/index.js';
import { chatHistory, type ChatHistory, type StoredFile } from './history.js';

/** Image types shown inline; everything else (SVG included) is offered as a download. */
const INLINE_IMAGES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'image/avif']);
/** The largest file the room takes; the pages say the same (`max-file-size="16MB"`). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface ChatRoom {
  /** Attaches the room's socket endpoint (`/chat`) to an HTTP server. */
  attach(server: Server): HxWsServer;
  /** Koa-style middleware that serves uploaded files under `/files/`. */
  middleware: (ctx: KoaLike, next: () => Promise<unknown>) => Promise<unknown>;
  /** The uploaded file a `/files/<id>/<name>` path names, with the headers to serve it with. */
  file(path: string): { bytes: Buffer; headers: Record<string, string> } | undefined;
  close(): Promise<void>;
}

interface KoaLike {
  path: string;
  status: number;
  body: unknown;
  set(name: string, value: string): void;
  redirect(url: string): void;
}

/**
 * @param history where the last messages and files are kept: memory by default; `npm start`
 *   keeps them on disk so a restart does not empty every tab
 */
export function chatRoom(history: ChatHistory = chatHistory()): ChatRoom {
  let hx: HxWsServer | undefined;

  // A span, like the placeholder it replaces in the header's line.
  const online = () => oob('online', `${hx?.clients.size ?? 0} online`, { tag: 'span' });

  function keepFile(file: StoredFile): string {
    const id = randomUUID();
    history.addFile(id, file);
    return `/files/${id}/${encodeURIComponent(file.name)}`;
  }

  function renderFile(file: StoredFile): SafeHtml {
    const href = keepFile(file);
    const size = file.bytes.length < 1024 ? `${file.bytes.length} B` : `${(file.bytes.length / 1024).toFixed(1)} KB`;
    return INLINE_IMAGES.has(file.type)
      ? html`<a class="file" href="${href}" target="_blank"><img src="${href}" alt="${file.name}"></a>`
      : html`<a class="file" href="${href}" download="${file.name}">📎 ${file.name} <small>${size}</small></a>`;
  }

  function attach(server: Server): HxWsServer {
    hx = attachHxWs(server, {
      path: '/chat',
      limits: { maxFileBytes: MAX_FILE_BYTES, maxRequestBytes: 8 * MAX_FILE_BYTES },
      onConnection(ctx: HxWsContext) {
        // History: our own markup, rendered (and escaped) when each message arrived.
        ctx.send(oob('messages', history.messages().map(unsafeHtml), { swap: 'innerHTML', tag: 'ul' }));
        hx!.broadcast(online());
      },
      onClose() {
        hx!.broadcast(online());
      },
      handler(request) {
        const author = String(request.values.author ?? '').trim().slice(0, 40) || 'anonymous';
        const text = String(request.values.message ?? '').trim().slice(0, 2000);
        if (!text && request.files.length === 0) return;
        const time = new Date().toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
        const item = html`<li class="msg"><span class="who">${author}</span><time>${time}</time>
          <p>${text}</p>${request.files.map((f) => renderFile({ name: f.name, type: f.type, bytes: f.bytes }))}</li>`;
        history.addMessage(item.toString());
        hx!.broadcast(oob('messages', item, { swap: 'beforeend', tag: 'ul' }));
      },
      onError(error) {
        console.error(`[chat] ${error.message}`);
      },
    });
    return hx;
  }

  function file(path: string): { bytes: Buffer; headers: Record<string, string> } | undefined {
    const m = /^\/files\/([0-9a-f-]{36})\//.exec(path);
    const f = m ? history.file(m[1]!) : undefined;
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
    if (!ctx.path.startsWith('/files/')) return next();
    const found = file(ctx.path);
    if (!found) {
      ctx.status = 404;
      return undefined;
    }
    for (const [name, value] of Object.entries(found.headers)) ctx.set(name, value);
    ctx.body = found.bytes;
    return undefined;
  }

  return { attach, middleware, file, close: async () => hx?.close() };
}
