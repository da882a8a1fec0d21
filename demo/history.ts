/// <reference types="node" />
/**
 * Where the demo's chat room keeps its last messages and their files. In memory by default (the
 * test server's room); `npm start` passes a directory, so that a restarted server still shows
 * every tab the conversation it had:
 *
 *     <dir>/messages.json   the last messages, as the HTML the room rendered (and escaped)
 *     <dir>/files/<id>      an uploaded file's bytes, and <id>.json its name and type
 *
 * Writes are synchronous and small (a few kB of HTML, one file at a time), which is fine for a
 * demo with a handful of tabs.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface StoredFile {
  name: string;
  type: string;
  bytes: Buffer;
}

export interface ChatHistory {
  /** The kept messages, oldest first. */
  messages(): readonly string[];
  /** Adds a message, dropping the oldest beyond the limit. */
  addMessage(html: string): void;
  /** Keeps a file under `id`, dropping the oldest beyond the limit. */
  addFile(id: string, file: StoredFile): void;
  file(id: string): StoredFile | undefined;
}

export interface HistoryOptions {
  /** Directory to keep the history in across restarts. Default: none, memory only. */
  dir?: string;
  keepMessages?: number;
  keepFiles?: number;
}

export function chatHistory({ dir, keepMessages = 50, keepFiles = 40 }: HistoryOptions = {}): ChatHistory {
  const messages: string[] = [];
  const files = new Map<string, StoredFile>();
  const filesDir = dir && join(dir, 'files');
  let seq = 0; // the order files were added in, kept on disk

  if (dir && filesDir) {
    mkdirSync(filesDir, { recursive: true });
    try {
      const saved: unknown = JSON.parse(readFileSync(join(dir, 'messages.json'), 'utf8'));
      if (Array.isArray(saved)) messages.push(...saved.filter((m): m is string => typeof m === 'string').slice(-keepMessages));
    } catch {
      // no history yet, or an unreadable one: start empty
    }
    const kept: { id: string; order: number; file: StoredFile }[] = [];
    for (const meta of readdirSync(filesDir).filter((f) => f.endsWith('.json'))) {
      const id = meta.slice(0, -'.json'.length);
      try {
        const { name, type, order } = JSON.parse(readFileSync(join(filesDir, meta), 'utf8')) as { name: string; type: string; order: number };
        kept.push({ id, order, file: { name, type, bytes: readFileSync(join(filesDir, id)) } });
      } catch {
        rmSync(join(filesDir, meta), { force: true }); // half-written: forget it
      }
    }
    for (const { id, order, file } of kept.sort((a, b) => a.order - b.order)) {
      files.set(id, file);
      seq = Math.max(seq, order);
    }
  }

  return {
    messages: () => messages,
    addMessage(html) {
      messages.push(html);
      while (messages.length > keepMessages) messages.shift();
      if (dir) writeFileSync(join(dir, 'messages.json'), JSON.stringify(messages));
    },
    addFile(id, file) {
      files.set(id, file);
      if (filesDir) {
        writeFileSync(join(filesDir, id), file.bytes);
        writeFileSync(join(filesDir, `${id}.json`), JSON.stringify({ name: file.name, type: file.type, order: ++seq }));
      }
      while (files.size > keepFiles) {
        const oldest = files.keys().next().value as string;
        files.delete(oldest);
        if (filesDir) for (const f of [oldest, `${oldest}.json`]) rmSync(join(filesDir, f), { force: true });
      }
    },
    file: (id) => files.get(id),
  };
}
