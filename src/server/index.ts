/// <reference types="node" preserve="true" />
/**
 * `hx-ws-elements/server`: decode the hx-ws wire format (JSON frames plus out-of-band file
 * frames) on Node, serve it over `ws` with limits and an Origin check, and build the HTML
 * fragments the client swaps into the page.
 *
 * @module
 */
export { HxWsDecoder } from './decoder/decoder.js';
export { DEFAULT_LIMITS, resolveLimits, type DecoderLimits, type DecoderTimers } from './decoder/decoder-limits.js';
export type { ChunkTarget, DecoderOptions, FrameData } from './decoder/decoder-input.js';
export type { HxWsFile, HxWsFileMetadata, HxWsRequest } from './decoder/request.js';
export type { FileSerialization } from '../protocol.js';
export { CLOSE_EXPIRED, EXPIRED_REASON, REFUSED_TAG, formatRefused } from '../protocol.js';
export { AuthRefusal, defaultUserKey, refuseUpgrade, type Authenticate, type AuthRefusalStatus } from './http/authenticate.js';
export { HookError, ProtocolError, RequestRefusedError, type ProtocolCloseCode, type ProtocolErrorKind } from './errors.js';
export { UpgradeRefusedError, type UpgradeRefusalStatus } from './http/admission.js';
export { attachHxWs } from './attach.js';
export { DEFAULT_COMPRESSION, type CompressionOptions } from './wire/compression.js';
export { CLOSE_CAUSES, REFUSAL_STATUSES, type HxWsStats, type StatsCloseCause, type StatsRefusalStatus } from './stats/stats.js';
export { PROMETHEUS_CONTENT_TYPE, statsToPrometheus } from './stats/prometheus.js';
export type { CloseCause, CloseInfo, HxWsServer, HxWsServerOptions } from './options.js';
export type { BroadcastOptions, HxWsContext, HxWsUpgradeRequest, Sendable } from './context.js';
export { closeReason } from './socket/server-connection.js';
export type { OriginPolicy } from './http/origin.js';
export { diskSink, type DiskSinkOptions, type FileSink } from './uploads/file-sink.js';
export { DEFAULT_SERVER_LIMITS, type ServerLimits } from './socket/server-limits.js';
export type { RequestRateOptions } from './socket/request-rate.js';
export type { LogEntry, LogMessage, Maybe, RecoveryOptions, RecoverySession, RecoveryStore, Resumption } from './recovery/recovery-store.js';
export {
  memoryAdapter,
  PublishError,
  type AdapterHost,
  type AdapterMessage,
  type AdapterState,
  type HxWsAdapter,
  type LogPosition,
} from './hub/adapter.js';
export {
  ackMessage,
  escapeHtml,
  html,
  oob,
  requestIdOf,
  REQUEST_ID_HEADER,
  unsafeHtml,
  SafeHtml,
  type HtmlContent,
  type OobOptions,
} from './html.js';
