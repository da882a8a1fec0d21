/// <reference types="node" />
/**
 * Where the bytes of a chunked (`file/oob-chunked`) file go: the {@link FileSink} contract the
 * app may pass as `fileSink`, the {@link diskSink} that writes each file to a temporary file, and
 * the default that keeps the chunks in memory.
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { HxWsContext } from '../context.js';
import type { HxWsFile } from '../decoder/request.js';

/**
 * Where a chunked file's bytes go: called once per `file/oob-chunked` file when its request's
 * JSON arrives (not again when a drop is resumed), it returns the `Writable` its bytes are
 * written to, in order, as they arrive from the socket: a write is a piece of a chunk (what one
 * socket read brought), not a whole chunk, so a chunk is never held whole in memory. The request reaches the handler once every sink of it has finished
 * (`end()` and the `finish` event). A failed request, an upload whose resume window ended and a
 * shutdown destroy the sink with an error, after which it should remove what it wrote.
 */
export type FileSink = (file: HxWsFile, ctx: HxWsContext) => Writable | Promise<Writable>;

/** Options of {@link diskSink}. */
export interface DiskSinkOptions {
  /** The directory the temporary files go to (made if missing). Default: the system's temp dir. */
  dir?: string;
  /**
   * Bytes a file's stream may hold before the server stops reading its socket (until they are
   * written). Default 8 MiB: a smaller buffer pauses the socket at every chunk.
   */
  highWaterMark?: number;
}

/**
 * A {@link FileSink} that writes each chunked file to a new file in `dir` and sets the decoded
 * file's `path` to it. The handler owns the file from then on (move it or remove it); a request
 * that fails, and an upload abandoned after a drop, remove it.
 */
export function diskSink(options: DiskSinkOptions = {}): FileSink {
  const dir = options.dir ?? tmpdir();
  const highWaterMark = options.highWaterMark ?? SINK_BUFFER_BYTES;
  mkdirSync(dir, { recursive: true });
  return (file) => {
    // The name is the server's own: nothing the client sent goes into a path.
    const path = join(dir, `hx-ws-${randomBytes(12).toString('hex')}.upload`);
    const stream = createWriteStream(path, { flags: 'wx', highWaterMark });
    file.path = path;
    stream.on('close', () => {
      if (!stream.writableFinished) rmSync(path, { force: true });
    });
    return stream;
  };
}

/** How much a built-in sink buffers before it asks the server to stop reading. */
const SINK_BUFFER_BYTES = 8 * 1024 * 1024;

/** The default sink: the chunks in memory, joined into the file's `bytes` when it finishes. */
export function memorySink(file: HxWsFile): Writable {
  const parts: Buffer[] = [];
  return new Writable({
    highWaterMark: SINK_BUFFER_BYTES,
    write(chunk: Buffer, _encoding, done) {
      parts.push(chunk);
      done();
    },
    final(done) {
      file.bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      done();
    },
  });
}
