/** Reconnect delays (pure). */
import type { ReconnectDelay } from './config.js';

/** Longest exponent used by full jitter: delays stop growing after 64 s. */
export const MAX_JITTER_EXPONENT = 6;

/**
 * Full-jitter exponential backoff: a uniformly random delay in `[0, 1000 * 2^min(retryCount, 6))`
 * milliseconds. `retryCount` is 0 for the first reconnect after an open.
 */
export function fullJitter(retryCount: number, random: () => number = Math.random): number {
  return random() * 1000 * 2 ** Math.min(Math.max(0, retryCount), MAX_JITTER_EXPONENT);
}

/**
 * The delay before reconnect number `retryCount + 1`. A function that throws or returns
 * something other than a finite, non-negative number falls back to full jitter.
 */
export function reconnectDelay(policy: ReconnectDelay, retryCount: number, random: () => number = Math.random): number {
  if (policy === 'full-jitter') return fullJitter(retryCount, random);
  let ms: unknown;
  try {
    ms = policy(retryCount);
  } catch {
    ms = NaN;
  }
  return typeof ms === 'number' && Number.isFinite(ms) && ms >= 0 ? ms : fullJitter(retryCount, random);
}
