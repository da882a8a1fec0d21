/**
 * `hx-ws-elements/recovery`: recovery mode (`<hx-ws-connect recover>`, `hx-ws-recover`,
 * `resume-from`). After a drop the server replays what the page missed, each message once, and
 * requests it had not acknowledged are sent again. Loads ack mode too, which it builds on.
 *
 * @example
 * import 'hx-ws-elements';
 * import 'hx-ws-elements/recovery';
 */
import './ack.js';
import { addFeature } from './core/features.js';
import { recoveryFeature } from './features/recovery/page-session.js';

addFeature(recoveryFeature);
