/**
 * The `hx-ws` attribute grammar, pure: parts separated by commas and/or whitespace,
 * `connect:<url>`, `connect:<ws|wss>:<url>` and `send`.
 */

import type { Problem } from '../../core/dispatch.js';

/** One part that was not understood, with a message that names it. */
export type GrammarError = Omit<Problem<'bad-grammar'>, 'reason'> & { part: string };

/** What an `hx-ws` value asks for. */
export interface HxWsDirectives {
  /** The socket to own, if the value has a valid `connect:` part. */
  connect?: { url: string; scheme?: 'ws' | 'wss' };
  /** Whether the element sends (`send` part). */
  send: boolean;
  /** Parts that were not understood; the valid parts still apply. */
  errors: GrammarError[];
}

// `connect:wss:/path` forces a scheme; `connect:wss://host/path` is a plain URL.
const PREFIXED = /^([a-z][a-z0-9+.-]*):(?!\/\/)(.*)$/i;

/** Parses an `hx-ws` (or `data-hx-ws`) value. Never throws. */
export function parseHxWs(value: string | null | undefined): HxWsDirectives {
  const out: HxWsDirectives = { send: false, errors: [] };
  for (const part of (value ?? '').split(/[\s,]+/)) {
    if (part === '') continue;
    if (part === 'send') {
      out.send = true;
      continue;
    }
    if (!part.startsWith('connect:')) {
      out.errors.push({ part, message: `hx-ws part "${part}" is not understood (expected connect:<url> or send)` });
      continue;
    }
    let url = part.slice('connect:'.length);
    let scheme: 'ws' | 'wss' | undefined;
    const m = PREFIXED.exec(url);
    if (m && !/^(https?|wss?)$/i.test(m[1]!) ) {
      out.errors.push({ part, message: `hx-ws part "${part}": prefix "${m[1]}" is not ws or wss` });
      continue;
    }
    if (m && /^wss?$/i.test(m[1]!)) {
      scheme = m[1]!.toLowerCase() as 'ws' | 'wss';
      url = m[2]!;
    }
    if (url === '') {
      out.errors.push({ part, message: `hx-ws part "${part}" has no URL` });
      continue;
    }
    if (out.connect) {
      out.errors.push({ part, message: `hx-ws part "${part}": an element can connect only once; the first connect: part is used` });
      continue;
    }
    out.connect = scheme ? { url, scheme } : { url };
  }
  return out;
}
