/// <reference types="node" />
// The small version of bench/load.mjs: 100 Node `ws` clients for 5 s against attachHxWs (server in
// its own process), each keeping 4 requests with a small file in flight.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

interface LoadResult {
  clients: number;
  sent: number;
  decoded: number;
  acked: number;
  mismatched: number;
  bad: number;
  protocolErrors: number;
  closedEarly: number;
  drained: boolean;
  requestsPerSecond: number;
  perClient: { min: number; mean: number; max: number; minOverMean: number };
  serverRssPeakMB: number;
}

const script = fileURLToPath(new URL('../../bench/load.mjs', import.meta.url));

it('100 clients × 5 s: every request decoded once with its bytes, server memory bounded, no socket starved', async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(process.execPath, [script, '--clients', '100', '--seconds', '5', '--json'], { timeout: 60_000 }, (error, out, err) => {
      // A non-zero exit still prints the numbers: assert on them for a useful message.
      if (error && !out) reject(new Error(`${error.message}\n${err}`));
      else resolve(out);
    });
  });
  const r = JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
  console.log(
    `load: ${r.decoded} requests decoded (${r.requestsPerSecond}/s), per client min ${r.perClient.min} / mean ${r.perClient.mean}, server RSS peak ${r.serverRssPeakMB} MB`,
  );
  assert.equal(r.drained, true, 'every client got its last acks');
  assert.ok(r.sent > 100 * 20, `a real load (${r.sent} requests)`);
  assert.equal(r.decoded, r.sent, 'every request sent was decoded');
  assert.equal(r.acked, r.sent, 'and acknowledged');
  assert.equal(r.mismatched, 0, 'per client too');
  assert.equal(r.bad, 0, 'with the bytes the client sent, in the serialization it chose');
  assert.equal(r.protocolErrors, 0);
  assert.equal(r.closedEarly, 0);
  assert.ok(r.perClient.minOverMean >= 0.25, `the slowest socket got ${r.perClient.min} requests, the mean is ${r.perClient.mean}`);
  assert.ok(r.serverRssPeakMB < 400, `server RSS peak ${r.serverRssPeakMB} MB`);
});
