// hx-ws-elements' swap engine with the morph feature, for bench/morph.mjs.
import { swapMessage } from '../../src/swap/swap.ts';
import '../../src/morph.ts';

window.applyMessage = (html, source) => swapMessage(html, source);
