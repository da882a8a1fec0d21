// The one definition of control / button / submitter (src/send/controls.ts).
import { expect, fixture, html } from '@open-wc/testing';
import { isButton, isButtonInput, isControl, isSubmitter, submitsForm } from '../../../src/send/controls.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

describe('controls', () => {
  it('classifies fields, buttons, submitters and form submitters, reset buttons included', async () => {
    const form = await fixture(html`<form>
      <input id="text"><select id="sel"></select><textarea id="area"></textarea>
      <input id="i-submit" type="submit"><input id="i-image" type="image"><input id="i-button" type="button"><input id="i-reset" type="reset">
      <button id="b-submit"></button><button id="b-button" type="button"></button><button id="b-reset" type="reset"></button>
    </form>`);
    const loose = document.createElement('button');
    const el = (id: string) => form.querySelector(`#${id}`)!;
    const ids = ['text', 'sel', 'area', 'i-submit', 'i-image', 'i-button', 'i-reset', 'b-submit', 'b-button', 'b-reset'];
    const pick = (f: (e: unknown) => boolean) => ids.filter((id) => f(el(id)));
    expect(pick(isControl)).to.deep.equal(['text', 'sel', 'area', 'i-submit', 'i-image', 'i-button', 'i-reset']);
    expect(pick(isButtonInput)).to.deep.equal(['i-submit', 'i-image', 'i-button', 'i-reset']);
    expect(pick(isButton)).to.deep.equal(['i-submit', 'i-image', 'i-button', 'i-reset', 'b-submit', 'b-button', 'b-reset']);
    expect(pick(isSubmitter)).to.deep.equal(['i-submit', 'i-image', 'i-button', 'b-submit', 'b-button']);
    expect(pick(submitsForm)).to.deep.equal(['i-submit', 'i-image', 'b-submit']);
    expect([isButton(loose), isSubmitter(loose), submitsForm(loose)]).to.deep.equal([true, true, false]);
  });
});
