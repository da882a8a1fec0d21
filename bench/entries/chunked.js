// The chunked upload page (bench section `chunked`): the elements with the chunked feature, and
// acks as a page that resumes uploads would have them. `src/index.ts` alone has no chunked
// uploads: `chunk-size` would be ignored (with a console error) and the file sent unchunked.
import '../../src/ack.ts';
import '../../src/chunked.ts';

export * from '../../src/index.ts';
