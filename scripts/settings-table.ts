// The settings tables of docs/elements.md, made from the one table in src/settings.ts (property,
// attribute, hx-ws-* name) plus the words below (default, meaning), which only the docs need.
//
//   node --import tsx scripts/settings-table.ts          -> exit 1 if docs/elements.md is stale
//   node --import tsx scripts/settings-table.ts --write  -> rewrite the tables in docs/elements.md
//
// test/node/settings-docs.test.ts runs the check with `npm test`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONNECT_SETTINGS, SEND_SETTINGS, type SettingName, type SettingSpec } from '../src/settings.js';

/** Default and meaning of each setting, for the docs. */
export const SETTING_WORDS: Record<SettingName, [defaultText: string, meaning: string]> = {
  url: ['–', '`ws(s)://…`, `http(s)://…`, `//host/path`, `/path` or `path` (resolved against the page, `wss` on https pages); as a property also a function, called before every (re)connect; attribute mode: `hx-ws="connect:<url>"`'],
  scheme: ['page', 'force `ws` or `wss`; attribute mode: `hx-ws="connect:wss:<url>"`'],
  protocols: ['–', 'subprotocols, space/comma separated or an array'],
  reconnectDelay: ['`config.wsReconnectDelay`', "`'full-jitter'` or `(retryCount) => ms`"],
  reconnectCodes: ['1006, 1011, 1012, 1013', 'close codes that reconnect'],
  maxRetries: ['no limit', 'failed attempts in a row before giving up (a whole number)'],
  queueLimit: ['100', 'requests kept while the socket is down (a whole number)'],
  pauseWhileHidden: ['false', 'wait for the tab to be visible before reconnecting'],
  connectTimeout: ['10000', 'ms a socket may stay connecting before a `connect-timeout` error and a retry (0: never)'],
  warnAfter: ['5', 'sockets in a row that close before opening after which one `console.error` says the server refuses or is absent and what to check (0: never)'],
  ack: ['false', 'delivery acknowledgement mode (needs `hx-ws-elements/ack`; see [reliability.md](reliability.md))'],
  recover: ['false', 'recovery mode: messages missed while the socket was down are replayed, unacked requests resent (implies `ack`; needs `hx-ws-elements/recovery`; see [reliability.md](reliability.md))'],
  idleTimeout: ['0', 'ms an open socket may receive nothing before it is dropped and reconnected (0: never; server pings are not seen by the page)'],
  quiet: ['false', 'swap received messages without their events (`before-message`, `after-message`, `oob-before-swap`, `oob-after-swap`, htmx twins); errors still fire (see [performance.md](performance.md#quiet-connections))'],
  resumeFrom: ['–', "recovery: the server's log position the page was rendered at (`hx.position()`), replayed from on the first open (needs `hx-ws-elements/recovery`)"],
  for: ['nearest', 'id of the connecting element to use; default: the nearest one around, across shadow roots'],
  trigger: ['natural event', 'when to send (see above); attribute mode: `hx-trigger`'],
  include: ['–', 'CSS selector of more controls to send (`hx-include`)'],
  vals: ['–', 'extra values, JSON object (string or object) (`hx-vals`)'],
  params: ['`*`', '`*`, `none`, `not a,b` or `a,b` (`hx-params`)'],
  headers: ['–', 'extra `HEADERS`, JSON object (`hx-headers`)'],
  encoding: ['oob', '`multipart/json-files-oob` or `multipart/json-files-inline` (`hx-encoding`)'],
  maxFileSize: ['no limit', 'largest file, bytes or `500KB`, `10MB`'],
  maxFiles: ['no limit', 'most files per request (a whole number)'],
  chunkSize: ['one frame per file', 'send each oob file as binary frames of at most this size, resumed after a drop (`256KB`, `1MB`; needs `hx-ws-elements/chunked`)'],
};

const code = (s: string | null): string => (s ? `\`${s}\`` : '–');

function table(rows: readonly SettingSpec[]): string {
  const lines = ['| property | attribute | attribute mode | default | meaning |', '| --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    const [def, meaning] = SETTING_WORDS[r.property as SettingName];
    lines.push(`| ${code(r.property)} | ${code(r.attribute)} | ${code(r.hxWs)} | ${def} | ${meaning} |`);
  }
  return lines.join('\n');
}

/** `readme` with the text between each pair of settings markers replaced by the table. */
export function withTables(readme: string): string {
  const put = (text: string, name: string, rows: readonly SettingSpec[]): string => {
    const start = `<!-- settings:${name} -->`;
    const end = `<!-- /settings:${name} -->`;
    const a = text.indexOf(start);
    const b = text.indexOf(end);
    if (a < 0 || b < a) throw new Error(`docs/elements.md has no ${start} ... ${end}`);
    return `${text.slice(0, a + start.length)}\n${table(rows)}\n${text.slice(b)}`;
  };
  return put(put(readme, 'connect', CONNECT_SETTINGS), 'send', SEND_SETTINGS);
}

/** The page the tables live in (the name is kept for the tests that import it). */
export const README = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'elements.md');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const now = readFileSync(README, 'utf8');
  const want = withTables(now);
  if (process.argv.includes('--write')) writeFileSync(README, want);
  else if (want !== now) {
    console.error('docs/elements.md settings tables are stale: run node --import tsx scripts/settings-table.ts --write');
    process.exit(1);
  }
}
