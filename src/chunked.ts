/**
 * `hx-ws-elements/chunked`: chunked uploads (`<hx-ws-send chunk-size="1MB">`,
 * `hx-ws-chunk-size`). Each out-of-band file goes as frames of at most that size, and an upload
 * cut off by a drop is resumed after reconnecting from what the server has.
 *
 * @example
 * import 'hx-ws-elements';
 * import 'hx-ws-elements/chunked';
 */
import { addFeature } from './core/features.js';
import { chunkedFeature } from './features/chunked/chunked-uploads.js';

addFeature(chunkedFeature);
