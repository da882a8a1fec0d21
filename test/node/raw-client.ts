/// <reference types="node" />
/**
 * A WebSocket client on a bare TCP socket, for the hostile-client tests: it writes frame headers
 * and payloads separately (a 100 MiB header with nothing behind it, a frame cut in half, pings
 * inside a pending upload), which no WebSocket library lets you do. Loopback only.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/** A server frame as the raw client parsed it. */
export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** A connected raw client. */
export interface RawClient {
  socket: Socket;
  /** Every frame the server sent, in order (parsed while the socket is read). */
  frames: ServerFrame[];
  /** Resolves with the server's close code (1006 if the TCP connection ended without one). */
  closed: Promise<{ code: number; at: number }>;
  /** Writes bytes, resolving once the socket takes more (back-pressure respected) or closes. */
  write(bytes: Buffer): Promise<void>;
  /** Whether a ping read from the server is answered at once (set it only between frames). */
  autoPong: boolean;
}

/** A frame header from the client (masked with a zero key, so the payload goes as is). */
export function header(opcode: number, length: number, fin = true): Buffer {
  const first = (fin ? 0x80 : 0) | opcode;
  let head: Buffer;
  if (length < 126) head = Buffer.from([first, 0x80 | length]);
  else if (length < 65536) {
    head = Buffer.alloc(4);
    head[0] = first;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(length, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = first;
    head[1] = 0x80 | 127;
    head.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    head.writeUInt32BE(length >>> 0, 6);
  }
  return Buffer.concat([head, Buffer.alloc(4)]);
}

/** A whole client frame. */
export function frame(opcode: number, payload: Buffer | string, fin = true): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  return Buffer.concat([header(opcode, bytes.length, fin), bytes]);
}

/** Opens a WebSocket on `path` with a bare TCP socket and reads the server's frames. */
export function rawConnect(port: number, path = '/ws', headers: Record<string, string> = {}): Promise<RawClient> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const frames: ServerFrame[] = [];
    let resolveClosed!: (value: { code: number; at: number }) => void;
    const closed = new Promise<{ code: number; at: number }>((r) => (resolveClosed = r));
    let buffer = Buffer.alloc(0);
    let upgraded = false;
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('');
    socket.on('error', (error) => (upgraded ? resolveClosed({ code: 1006, at: Date.now() }) : reject(error)));
    socket.on('close', () => resolveClosed({ code: 1006, at: Date.now() }));
    socket.once('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n${extra}\r\n`,
      );
    });
    const client: RawClient = {
      socket,
      frames,
      closed,
      autoPong: false,
      write: (bytes) =>
        new Promise((done) => {
          if (socket.destroyed || socket.write(bytes)) return done();
          socket.once('drain', () => done());
          socket.once('close', () => done());
        }),
    };
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!upgraded) {
        const end = buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = buffer.subarray(0, end).toString('latin1').split(' ')[1];
        buffer = buffer.subarray(end + 4);
        if (status !== '101') {
          reject(new Error(`upgrade refused: ${status}`));
          socket.destroy();
          return;
        }
        upgraded = true;
        resolve(client);
      }
      for (;;) {
        if (buffer.length < 2) return;
        let length = buffer[1]! & 0x7f;
        let offset = 2;
        if (length === 126) {
          if (buffer.length < 4) return;
          length = buffer.readUInt16BE(2);
          offset = 4;
        } else if (length === 127) {
          if (buffer.length < 10) return;
          length = buffer.readUInt32BE(6);
          offset = 10;
        }
        if (buffer.length < offset + length) return;
        const parsed = { opcode: buffer[0]! & 0x0f, payload: buffer.subarray(offset, offset + length) };
        buffer = buffer.subarray(offset + length);
        frames.push(parsed);
        if (parsed.opcode === 9 && client.autoPong) socket.write(frame(10, Buffer.from(parsed.payload)));
        if (parsed.opcode === 8) resolveClosed({ code: parsed.payload.length >= 2 ? parsed.payload.readUInt16BE(0) : 1005, at: Date.now() });
      }
    });
  });
}

/** The texts of the server's text frames so far. */
export function texts(client: RawClient): string[] {
  return client.frames.filter((f) => f.opcode === 1).map((f) => f.payload.toString('utf8'));
}
