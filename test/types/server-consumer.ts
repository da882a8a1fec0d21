/// <reference types="node" />
// What a Node server sees.
import { createServer } from 'node:http';
import {
  attachHxWs,
  escapeHtml,
  html,
  HxWsDecoder,
  oob,
  ProtocolError,
  PROMETHEUS_CONTENT_TYPE,
  statsToPrometheus,
  type CloseCause,
  type CompressionOptions,
  type HxWsContext,
  type HxWsFile,
  type HxWsRequest,
  type HxWsStats,
} from 'hx-ws-elements/server';

const server = createServer();
const hub = attachHxWs(server, {
  path: '/chat',
  origins: ['https://app.example'],
  limits: { maxFileBytes: 10 * 1024 * 1024 },
  compression: { threshold: 512, level: 6 } satisfies CompressionOptions,
  handler(request: HxWsRequest, ctx: HxWsContext) {
    const text = typeof request.values.message === 'string' ? request.values.message : '';
    const files: HxWsFile[] = request.files;
    const bytes: Buffer = files[0]?.bytes ?? Buffer.alloc(0);
    ctx.broadcast(oob('messages', html`<p>${text} (${bytes.length} bytes)</p>`, 'beforeend'));
  },
  onError(error) {
    if (error instanceof ProtocolError) {
      const code: 1003 | 1008 | 1009 = error.code;
      void code;
    }
  },
});
const stats: HxWsStats = hub.stats();
const closedByHeartbeat: number = stats.closes.heartbeat;
const refusedFull: number = stats.refusals[503];
const adapterState: 'up' | 'down' | 'none' = stats.adapter.state;
// Every close cause onClose can be told has a counter.
const perCause: Record<CloseCause, number> = stats.closes;
const metrics: string = statsToPrometheus(stats, 'chat', { server: hub.serverId });
const contentType: string = PROMETHEUS_CONTENT_TYPE;
void [closedByHeartbeat, refusedFull, adapterState, perCause, metrics, contentType, stats.recovery.hits, stats.bytesOut, stats.wireBytesOut];
void hub.close();

const decoder = new HxWsDecoder({ limits: { maxFiles: 3 } });
const request = decoder.push(Buffer.from('{"a":"1"}'), false);
void request?.values;
const safe: string = escapeHtml('<b>');
void safe;
