// The core alone (no feature entry imported): a setting whose feature is not loaded is said once
// (an `hx-ws-error` `feature-missing` naming the import, one console line) and the element goes
// on without it; a feature imported after the elements were made still counts.
import { expect, waitUntil } from '@open-wc/testing';
import sinon from 'sinon';
import '../../../src/upgrade.js';
import { features } from '../../../src/core/features.js';
import type { HxWsErrorEvent } from '../../../src/events.js';
import { Channel } from '../../support/server.js';
import { connection, modes, mount, unmountAll, whenOpen, keepPageOnSubmit } from '../../support/modes.js';
import { setFiles, textFile } from '../../support/send.support.js';

keepPageOnSubmit();

afterEach(() => {
  unmountAll();
  sinon.restore();
  delete (window as { htmx?: unknown }).htmx;
});

/** Mounts `markup`, collecting every `hx-ws-error` under it. */
function mountCollecting(markup: string): { box: HTMLElement; errors: HxWsErrorEvent[] } {
  const errors: HxWsErrorEvent[] = [];
  const box = mount(markup, (b) => b.addEventListener('hx-ws-error', (e) => errors.push(e)));
  return { box, errors };
}

describe('the core without features', () => {
  it('loads none of them', () => {
    expect(features.acks, 'ack').to.equal(undefined);
    expect(features.recovery, 'recovery').to.equal(undefined);
    expect(features.chunked, 'chunked').to.equal(undefined);
    expect(features.twin, 'htmx').to.equal(undefined);
    expect(features.evaluate, 'eval').to.equal(undefined);
    expect(features.styles, 'morph').to.equal(undefined);
  });

  for (const mode of modes) {
    describe(`${mode.name} mode`, () => {
      for (const [name, entry] of [['recover', 'recovery'], ['ack', 'ack']] as const) {
        it(`${name} without hx-ws-elements/${entry} is said once, naming the import; the socket opens and requests carry no id`, async () => {
          const logged = sinon.stub(console, 'error');
          const ch = new Channel();
          const attribute = mode.attribute(name);
          const { box, errors } = mountCollecting(mode.connect({ id: 'room', url: ch.path(), attrs: attribute }));
          const room = box.querySelector('#room')!;
          const opened = new Promise<Event & { recovered?: boolean }>((r) => room.addEventListener('hx-ws-open', r, { once: true }));
          const open = await opened;
          expect(open.recovered, 'no recovery without its feature').to.equal(undefined);
          // A second open does not say it again.
          connection(room).reconnect();
          await whenOpen(room);
          const missing = errors.filter((e) => e.reason === 'feature-missing');
          expect(missing).to.have.length(1);
          expect(missing[0]!.message).to.contain(attribute).and.contain(`import 'hx-ws-elements/${entry}'`);
          expect(missing[0]!.part).to.equal(attribute);
          expect(logged.args.filter((a) => String(a[0]).includes(`hx-ws-elements/${entry}`))).to.have.length(1);
          expect(connection(room).ack, 'no ack mode without its feature').to.equal(false);
        });
      }

      it('chunk-size without hx-ws-elements/chunked is said once; the file goes whole, as file/oob', async () => {
        sinon.stub(console, 'error');
        const ch = new Channel();
        const attribute = mode.attribute('chunkSize');
        const { box, errors } = mountCollecting(
          mode.connect({ id: 'room', url: ch.path(), inner: mode.sendWith({ id: 'f', inner: '<input type="file" name="doc"><button>go</button>' }, `${attribute}="4"`) }),
        );
        await whenOpen(box.querySelector('#room')!);
        const input = box.querySelector<HTMLInputElement>('input[type=file]')!;
        setFiles(input, textFile('a.txt', 'hello chunks'));
        for (let i = 0; i < 2; i++) box.querySelector('button')!.click();
        const frames = await ch.waitFrames(4);
        const json = JSON.parse(frames[0]!.text!) as { doc: { serialization: string; size: number } };
        expect(json.doc.serialization).to.equal('file/oob');
        expect(frames[1]!.binary).to.equal(true);
        expect(frames[1]!.size, 'one frame, the whole file').to.equal(12);
        const missing = errors.filter((e) => e.reason === 'feature-missing');
        expect(missing, 'said once for two sends').to.have.length(1);
        expect(missing[0]!.message).to.contain("import 'hx-ws-elements/chunked'");
      });

      it('a js: value without hx-ws-elements/eval is left out and reported naming the import; the rest goes', async () => {
        sinon.stub(console, 'error');
        const ch = new Channel();
        const { box, errors } = mountCollecting(
          mode.connect({ id: 'room', url: ch.path(), inner: mode.sendWith({ id: 'f', inner: '<input name="a" value="1"><button>go</button>' }, `hx-vals='js:{b: 1 + 1}'`) }),
        );
        await whenOpen(box.querySelector('#room')!);
        box.querySelector('button')!.click();
        const [frame] = await ch.waitFrames(1);
        const json = JSON.parse(frame!.text!) as Record<string, unknown>;
        expect(json.a).to.equal('1');
        expect(json).to.not.have.property('b');
        const left = errors.filter((e) => e.reason === 'eval-disallowed');
        expect(left).to.have.length(1);
        expect(left[0]!.message).to.contain("import 'hx-ws-elements/eval'");
      });
    });
  }

  it('fires no htmx twins without hx-ws-elements/htmx; imported later, they follow every event', async () => {
    (window as { htmx?: unknown }).htmx = { config: {} };
    const ch = new Channel();
    const twins: string[] = [];
    const box = mount(`<hx-ws-connect id="room" url="${ch.path()}"></hx-ws-connect>`, (b) => b.addEventListener('htmx:wsOpen', (e) => twins.push(e.type)));
    const room = box.querySelector('#room')!;
    await whenOpen(room);
    expect(twins).to.deep.equal([]);
    await import('../../../src/htmx.js');
    connection(room).reconnect();
    await waitUntil(() => twins.length === 1, 'the twin of the second open');
    expect(twins).to.deep.equal(['htmx:wsOpen']);
  });
});
