// The full one-file build less the morph feature: the base of the "morph on top of the full
// build" size row (src/standalone.ts imports every feature, morph included).
import '../../src/ack.ts';
import '../../src/recovery.ts';
import '../../src/chunked.ts';
import '../../src/htmx.ts';
import '../../src/eval.ts';

export * from '../../src/upgrade.ts';
