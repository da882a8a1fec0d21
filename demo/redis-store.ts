/// <reference types="node" />
/**
 * The demo room's history and uploaded files in Redis, so that every instance started with
 * `--redis` shows the same last messages and serves every tab's uploads: messages in a list
 * (`<prefix>:messages`, the last 50), each file in a hash (`<prefix>:file:<id>`) that expires
 * after a day, with a list of ids that keeps the last 40.
 */
import { Redis } from 'ioredis';
import type { ChatStore, StoredFile } from './chat.js';

const KEEP_MESSAGES = 50;
const KEEP_FILES = 40;
const FILE_TTL_S = 24 * 60 * 60;

/** A {@link ChatStore} on the Redis at `url`. */
export function redisStore(url: string, prefix = 'hxws-demo'): ChatStore & { close(): Promise<void> } {
  const redis = new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // the adapter reports the link's state; this client just retries
  const messagesKey = `${prefix}:messages`;
  const filesKey = `${prefix}:files`;
  const fileKey = (id: string) => `${prefix}:file:${id}`;
  return {
    async addMessage(item) {
      await redis.multi().rpush(messagesKey, item).ltrim(messagesKey, -KEEP_MESSAGES, -1).exec();
    },
    messages: () => redis.lrange(messagesKey, 0, -1),
    async addFile(id, file) {
      await redis
        .multi()
        .hset(fileKey(id), { name: file.name, type: file.type, bytes: file.bytes })
        .expire(fileKey(id), FILE_TTL_S)
        .rpush(filesKey, id)
        .exec();
      const dropped = await redis.lrange(filesKey, 0, -KEEP_FILES - 1);
      if (dropped.length) await redis.multi().ltrim(filesKey, -KEEP_FILES, -1).del(...dropped.map(fileKey)).exec();
    },
    async file(id) {
      const [name, type] = await redis.hmget(fileKey(id), 'name', 'type');
      const bytes = await redis.hgetBuffer(fileKey(id), 'bytes');
      return name && type && bytes ? ({ name, type, bytes } satisfies StoredFile) : undefined;
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
