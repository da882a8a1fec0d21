/**
 * {@link statsToPrometheus}: a {@link HxWsStats} snapshot in Prometheus's text exposition format
 * (version 0.0.4), for a `/metrics` route, with no dependency.
 *
 * @module
 */
import { CLOSE_CAUSES, REFUSAL_STATUSES, type HxWsStats } from './stats.js';

/** The Content-Type to serve {@link statsToPrometheus}'s text with. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Label values as the format wants them: backslash, double quote and newline escaped. */
function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Renders `stats` as Prometheus metrics: gauges `<prefix>_connections`, `<prefix>_rooms` and
 * `<prefix>_adapter_up` (1 or 0; left out until the adapter reports, so never with the in-memory
 * adapter); counters `<prefix>_messages_received_total`, `<prefix>_received_bytes_total`,
 * `<prefix>_messages_sent_total`, `<prefix>_sent_bytes_total`, `<prefix>_sent_wire_bytes_total`,
 * `<prefix>_upgrades_refused_total{status}`, `<prefix>_connections_closed_total{cause}`,
 * `<prefix>_adapter_downs_total` and `<prefix>_recovery_total{result="hit|miss|fresh"}`.
 *
 * @param stats what `hx.stats()` returned
 * @param prefix the metric names' prefix (letters, digits, `_` and `:`); default `hx_ws`
 * @param labels labels added to every sample, e.g. `{ server: hx.serverId }`
 * @throws {TypeError} when `prefix` or a label name is not a valid metric or label name
 */
export function statsToPrometheus(stats: HxWsStats, prefix = 'hx_ws', labels: Readonly<Record<string, string>> = {}): string {
  if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(prefix)) throw new TypeError(`statsToPrometheus: ${JSON.stringify(prefix)} is not a metric name prefix`);
  for (const name of Object.keys(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new TypeError(`statsToPrometheus: ${JSON.stringify(name)} is not a label name`);
  }
  const common = Object.entries(labels).map(([k, v]) => `${k}="${label(v)}"`);
  const lines: string[] = [];
  const metric = (name: string, type: 'gauge' | 'counter', help: string, samples: readonly [Record<string, string>, number][]): void => {
    const full = `${prefix}_${name}`;
    lines.push(`# HELP ${full} ${help}`, `# TYPE ${full} ${type}`);
    for (const [own, value] of samples) {
      const all = [...common, ...Object.entries(own).map(([k, v]) => `${k}="${label(v)}"`)];
      lines.push(`${full}${all.length ? `{${all.join(',')}}` : ''} ${value}`);
    }
  };
  metric('connections', 'gauge', 'Open WebSocket connections.', [[{}, stats.connections]]);
  metric('rooms', 'gauge', 'Rooms with at least one member in this process.', [[{}, stats.rooms]]);
  metric('messages_received_total', 'counter', 'Data frames received.', [[{}, stats.messagesIn]]);
  metric('received_bytes_total', 'counter', 'Payload bytes of the data frames received.', [[{}, stats.bytesIn]]);
  metric('messages_sent_total', 'counter', 'Messages sent, one per socket.', [[{}, stats.messagesOut]]);
  metric('sent_bytes_total', 'counter', 'UTF-8 bytes of the messages sent.', [[{}, stats.bytesOut]]);
  metric('sent_wire_bytes_total', 'counter', 'Bytes of the messages sent as framed on the wire (compressed where compressed).', [[{}, stats.wireBytesOut]]);
  metric(
    'upgrades_refused_total',
    'counter',
    'Upgrade requests refused, by HTTP status.',
    REFUSAL_STATUSES.map((s) => [{ status: String(s) }, stats.refusals[s]]),
  );
  metric(
    'connections_closed_total',
    'counter',
    'Connections closed, by cause.',
    CLOSE_CAUSES.map((c) => [{ cause: c }, stats.closes[c]]),
  );
  if (stats.adapter.state !== 'none') {
    metric('adapter_up', 'gauge', 'Whether the adapter is linked to the other processes.', [[{}, stats.adapter.state === 'up' ? 1 : 0]]);
  }
  metric('adapter_downs_total', 'counter', 'Times the adapter link went down.', [[{}, stats.adapter.downs]]);
  metric('recovery_total', 'counter', 'Recovery offers answered, by result.', [
    [{ result: 'hit' }, stats.recovery.hits],
    [{ result: 'miss' }, stats.recovery.misses],
    [{ result: 'fresh' }, stats.recovery.fresh],
  ]);
  return `${lines.join('\n')}\n`;
}
