import { expect, fixture, html } from '@open-wc/testing';
import sinon from 'sinon';
import { attributeChain, closestAttribute, inheritedAttributes } from '../../../src/core/attributes.js';
import { buildHeaders } from '../../../src/send/headers.js';
import { checkParams, collectValues, contextForm, filterParams, parseJsonObject } from '../../../src/send/values.js';
import { page, sentJson, withoutHeaders, expectNothingSent, next } from '../../support/send.support.js';
import '../../../src/full.js'; // every feature, as before the core/feature split

afterEach(() => {
  sinon.restore();
});

/** Every kind of control, with the values htmx would send for it. */
const allControls = html`
  <form id="the-form" name="profile">
    <input name="text" value="hello">
    <textarea name="area">line 1
line 2</textarea>
    <input type="checkbox" name="box" value="yes" checked>
    <input type="checkbox" name="box-off" value="no">
    <input type="checkbox" name="box-default" checked>
    <input type="radio" name="colour" value="red">
    <input type="radio" name="colour" value="green" checked>
    <input type="radio" name="colour" value="blue">
    <select name="size"><option>S</option><option selected>M</option><option>L</option></select>
    <select name="toppings" multiple>
      <option value="ham" selected>Ham</option><option value="egg">Egg</option><option value="olive" selected>Olive</option>
    </select>
    <select name="none-picked" multiple><option>a</option></select>
    <input name="tag" value="one"><input name="tag" value="two"><input name="tag" value="three">
    <input name="off" value="x" disabled>
    <fieldset disabled><input name="in-disabled-fieldset" value="x"></fieldset>
    <input value="no name">
    <input type="hidden" name="hidden" value="h">
    <input type="number" name="count" value="5">
    <input type="reset" name="reset-button" value="r">
    <input type="button" name="plain-button" value="b">
    <button name="action" value="save">Save</button>
    <button name="action" value="delete">Delete</button>
  </form>`;

const expectedAll = {
  text: 'hello',
  area: 'line 1\nline 2',
  box: 'yes',
  'box-default': 'on',
  colour: 'green',
  size: 'M',
  toppings: ['ham', 'olive'],
  'none-picked': [],
  tag: ['one', 'two', 'three'],
  hidden: 'h',
  count: '5',
};

describe('values: the exact JSON each control kind sends', () => {
  it('a submitted form sends its successful controls and the submitter, then HEADERS, byte for byte', async () => {
    const { ch, sender } = await page(html`<hx-ws-send>${allControls}</hx-ws-send>`);
    const form = sender.querySelector('form')!;
    const buttons = form.querySelectorAll('button');
    form.requestSubmit(buttons[1]);
    const frames = await ch.waitFrames(1);
    const headers = {
      'HX-Request': 'true',
      'HX-Trigger': 'the-form',
      'HX-Trigger-Name': 'profile',
      'HX-Target': 'conn',
      'HX-Current-URL': location.href,
    };
    expect(frames[0].text).to.equal(JSON.stringify({ ...expectedAll, action: 'delete', HEADERS: headers }));
  });

  it('send() from code has no submitter: no button value', async () => {
    const { ch, sender } = await page(html`<hx-ws-send id="snd">${allControls}</hx-ws-send>`);
    await sender.send();
    const [json] = await sentJson(ch);
    expect(withoutHeaders(json)).to.deep.equal(expectedAll);
    expect((json.HEADERS as Record<string, string>)['HX-Trigger']).to.equal('snd');
  });

  it('without a form, the named controls inside the sender go, and the clicked button', async () => {
    const { ch, sender } = await page(html`
      <hx-ws-send>
        <input name="msg" value="hi"><input type="checkbox" name="urgent" checked>
        <button name="kind" value="shout">Shout</button>
      </hx-ws-send>`);
    sender.querySelector('button')!.click();
    const [json] = await sentJson(ch);
    expect(withoutHeaders(json)).to.deep.equal({ msg: 'hi', urgent: 'on', kind: 'shout' });
  });

  it('a sender inside a form sends that form', async () => {
    const { ch } = await page(html`
      <form id="outer"><input name="q" value="cats"><hx-ws-send><button name="go" value="1">Go</button></hx-ws-send></form>`);
    document.querySelector<HTMLButtonElement>('#outer button')!.click();
    const [json] = await sentJson(ch);
    expect(withoutHeaders(json)).to.deep.equal({ q: 'cats', go: '1' });
    expect((json.HEADERS as Record<string, string>)['HX-Trigger']).to.equal('outer');
  });
});

describe('values: include, vals, params', () => {
  it('include adds the controls of the elements a selector names; the form keeps its own names', async () => {
    const { ch, sender } = await page(html`
      <div id="extras"><input name="filter" value="new"><input name="q" value="ignored"></div>
      <input id="lonely" name="lonely" value="1">
      <hx-ws-send include="#extras, #lonely"><form><input name="q" value="kept"></form></hx-ws-send>`);
    await sender.send();
    const [json] = await sentJson(ch);
    expect(withoutHeaders(json)).to.deep.equal({ q: 'kept', filter: 'new', lonely: '1' });
  });

  it('hx-include on an ancestor is inherited; include="this" and "closest" work', () => {
    const root = document.createElement('div');
    root.innerHTML = `<section hx-include="#inc-a"><div id="s"><input name="own" value="o"></div></section><input id="inc-a" name="a" value="A">`;
    document.body.append(root);
    try {
      const s = root.querySelector('#s')!;
      const chain = attributeChain(s);
      expect(closestAttribute(chain, 'hx-include')).to.equal('#inc-a');
      expect(collectValues(s, { include: '#inc-a' }).values).to.deep.equal({ own: 'o', a: 'A' });
      expect(collectValues(root.querySelector('#inc-a')!, { include: 'this' }).values).to.deep.equal({ a: 'A' });
      expect(collectValues(s, { include: 'closest section' }).values).to.deep.equal({ own: 'o' });
    } finally {
      root.remove();
    }
  });

  it('vals (attribute JSON, property object, hx-vals on ancestors) override form values; the closest wins', async () => {
    const { ch, sender } = await page(html`
      <div hx-vals='{"far": 1, "near": "far", "text": "from ancestor"}'>
        <hx-ws-send vals='{"near": "near", "n": 2.5, "nested": {"a": [1, null]}}'><form><input name="text" value="typed"></form></hx-ws-send>
      </div>`);
    await sender.send();
    sender.vals = { obj: true };
    await sender.send();
    const [a, b] = await sentJson(ch, 2);
    expect(withoutHeaders(a)).to.deep.equal({ text: 'from ancestor', near: 'near', n: 2.5, nested: { a: [1, null] }, far: 1 });
    expect(withoutHeaders(b)).to.deep.equal({ text: 'from ancestor', obj: true, far: 1, near: 'far' });
  });

  it('vals without braces are read as htmx does; "unset" stops inheritance', () => {
    expect(parseJsonObject('"a": 1, "b": "x"')).to.deep.equal({ a: 1, b: 'x' });
    const root = document.createElement('div');
    root.innerHTML = `<div hx-vals='{"top":1}'><div hx-vals="unset"><div id="in" hx-vals='{"own":2}'></div></div></div>`;
    const chain = attributeChain(root.querySelector('#in')!);
    expect(inheritedAttributes(chain, 'hx-vals')).to.deep.equal(['{"own":2}']);
    expect(collectValues(root.querySelector('#in')!, { vals: inheritedAttributes(chain, 'hx-vals') }).values).to.deep.equal({ own: 2 });
  });

  const paramCases: [string, Record<string, unknown>][] = [
    ['*', { a: '1', b: '2', c: '3' }],
    ['none', {}],
    ['not a, c', { b: '2' }],
    ['c,a', { c: '3', a: '1' }],
    ['a,zzz', { a: '1' }],
  ];
  for (const [params, want] of paramCases) {
    it(`params="${params}" sends ${JSON.stringify(want)}`, async () => {
      const { ch, sender } = await page(html`
        <hx-ws-send params=${params}><form><input name="a" value="1"><input name="b" value="2"><input name="c" value="3"></form></hx-ws-send>`);
      await sender.send();
      const [json] = await sentJson(ch);
      expect(withoutHeaders(json)).to.deep.equal(want);
      expect(json.HEADERS).to.be.an('object'); // params never filter HEADERS
    });
  }

  it('hx-params on the wrapped form is read when the property is unset', async () => {
    const { ch, sender } = await page(html`<hx-ws-send><form hx-params="not secret"><input name="secret" value="s"><input name="open" value="o"></form></hx-ws-send>`);
    await sender.send();
    const [json] = await sentJson(ch);
    expect(withoutHeaders(json)).to.deep.equal({ open: 'o' });
  });

  it('checkParams refuses unknown forms and filterParams keeps order of the list', () => {
    for (const bad of ['not ,a', 'a b', 'a,,b', 'everything please', 'not a b', ',']) {
      expect(checkParams(bad), bad).to.include({ reason: 'bad-params', part: bad });
    }
    for (const good of ['*', 'none', 'a', 'a,b', ' not a , b ']) expect(checkParams(good), good).to.equal(undefined);
    expect(Object.keys(filterParams({ a: 1, b: 2, c: 3 }, 'c, a'))).to.deep.equal(['c', 'a']);
  });
});

describe('values: HEADERS', () => {
  it('HEADERS are exactly the htmx set, plus headers / hx-headers (which cannot replace a set one)', async () => {
    const { ch, sender } = await page(html`
      <div hx-headers='{"X-Team": "blue", "X-Level": 3}'>
        <hx-ws-send id="s1" name="chat" headers='{"X-Token": "abc", "HX-Request": "false", "X-Level": true}'><form><input name="m" value="x"></form></hx-ws-send>
      </div>`);
    await sender.send();
    const [json] = await sentJson(ch);
    expect(json.HEADERS).to.deep.equal({
      'HX-Request': 'true',
      'HX-Trigger': 's1',
      'HX-Trigger-Name': 'chat',
      'HX-Target': 'conn',
      'HX-Current-URL': location.href,
      'X-Token': 'abc',
      'X-Level': 'true',
      'X-Team': 'blue',
    });
  });

  it('a sender and form without id or name leave HX-Trigger / HX-Trigger-Name out (not null)', () => {
    const s = document.createElement('div');
    const conn = document.createElement('div');
    const { headers, errors } = buildHeaders(s, conn, [{ 'HX-Trigger': 'filled-in' }]);
    expect(errors).to.deep.equal([]);
    expect(headers).to.deep.equal({ 'HX-Request': 'true', 'HX-Trigger': 'filled-in', 'HX-Current-URL': location.href });
  });

  it('a header that is an object is a bad-headers problem naming it', () => {
    const { errors } = buildHeaders(document.createElement('div'), null, ['{"X-Bad": {"a": 1}}']);
    expect(errors.map((e) => [e.reason, e.part])).to.deep.equal([['bad-headers', 'X-Bad']]);
  });
});

describe('values: bad input', () => {
  const cases: [string, string, string][] = [
    ['vals', '{"a": 1,}', 'bad-vals'],
    ['vals', '[1, 2]', 'bad-vals'],
    ['vals', 'js:{a: (}', 'bad-vals'],
    ['headers', '{nope}', 'bad-headers'],
    ['params', 'only a b', 'bad-params'],
    ['include', '#[bad', 'bad-include'],
  ];
  for (const [attr, value, reason] of cases) {
    it(`${attr}=${JSON.stringify(value)} is one ${reason} error event naming it, and nothing is sent`, async () => {
      const errors = sinon.stub(console, 'error');
      const { ch, conn, sender } = await page(html`<hx-ws-send><form><input name="a" value="1"></form></hx-ws-send>`);
      sender.setAttribute(attr, value);
      await sender.updateComplete;
      const got = next(sender, 'hx-ws-error');
      const sent = sender.send();
      const e = await got;
      expect(e.reason).to.equal(reason);
      expect(e.part).to.equal(value);
      expect(e.message).to.contain(value);
      expect(await sent).to.equal(null);
      expect(errors.callCount).to.equal(1);
      await expectNothingSent(ch, conn);
    });
  }
});

describe('values: contextForm', () => {
  it('finds the form the element is, belongs to, wraps or sits in', async () => {
    const el = await fixture(html`<div><form id="f1"><input id="i1"></form><section id="wrap"><form id="f2"></form></section>
      <form id="f3"><span id="inside"></span></form><input id="i4" form="f1"><p id="none"></p></div>`);
    const $ = (s: string) => el.querySelector(s)!;
    expect(contextForm($('#f1'))?.id).to.equal('f1');
    expect(contextForm($('#i1'))?.id).to.equal('f1');
    expect(contextForm($('#i4'))?.id).to.equal('f1');
    expect(contextForm($('#wrap'))?.id).to.equal('f2');
    expect(contextForm($('#inside'))?.id).to.equal('f3');
    expect(contextForm($('#none'))).to.equal(null);
  });
});
