// Who runs in the bench, as data. A contender whose source files do not exist yet (the attribute
// shim, the sending element) is left out automatically and joins as soon as its file lands.
//
// Fields:
//   name       id used in URLs, channels and the JSON
//   label      what the table prints
//   entry      module bundled (esbuild, minified) into the page's one library script
//   alias      esbuild aliases for that bundle
//   requires   repo files that must exist for the contender to run
//   connect    (url) => [open, close] markup around the 100 swap targets
//   churn      { html: (url) => markup of one connected element, process: 'htmx' | null } | null
//   upload     { html: (url, encoding) => markup with a <form> holding <input type=file name=file>,
//                encodings: [...], trigger: 'submit' | 'raw' } | null
//   size       which size rows the contender stands for (see run.mjs)
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const OOB = 'multipart/json-files-oob';
const INLINE = 'multipart/json-files-inline';

/** @param {string} root repo root */
export function contenders(root) {
  const has = (file) => existsSync(join(root, file));
  const all = [
    {
      name: 'raw',
      label: 'raw WebSocket',
      entry: 'bench/entries/raw.js',
      connect: (url) => [`<div data-raw-ws="${url}">`, '</div>'],
      churn: null,
      upload: {
        html: (url) => `<div data-raw-ws="${url}"><form><input type="file" name="file"></form></div>`,
        encodings: ['raw'],
        trigger: 'raw',
      },
    },
    {
      name: 'htmx1',
      label: 'htmx 1.9 hx-ws',
      entry: 'bench/entries/htmx1.js',
      connect: (url) => [`<div hx-ws="connect:${url}">`, '</div>'],
      churn: { html: (url) => `<div hx-ws="connect:${url}"></div>`, process: 'htmx' },
      upload: null,
    },
    {
      name: 'htmx2',
      label: 'htmx 2 + htmx-ext-ws',
      entry: 'bench/entries/htmx2.js',
      alias: { 'htmx.org': 'htmx2' },
      connect: (url) => [`<div hx-ext="ws" ws-connect="${url}">`, '</div>'],
      churn: { html: (url) => `<div hx-ext="ws" ws-connect="${url}"></div>`, process: 'htmx' },
      upload: null,
    },
    {
      name: 'htmx4',
      label: 'htmx 4 hx-ws ext',
      entry: 'bench/entries/htmx4.js',
      connect: (url) => [`<div hx-ws:connect="${url}">`, '</div>'],
      churn: { html: (url) => `<div hx-ws:connect="${url}"></div>`, process: 'htmx' },
      upload: null,
    },
    {
      name: 'element',
      label: '<hx-ws-connect>',
      entry: 'src/index.ts',
      requires: ['src/index.ts'],
      connect: (url) => [`<hx-ws-connect url="${url}">`, '</hx-ws-connect>'],
      churn: { html: (url) => `<hx-ws-connect url="${url}"></hx-ws-connect>`, process: null },
      upload: has('src/elements/send-element.ts')
        ? {
            html: (url, encoding) =>
              `<hx-ws-connect url="${url}"><hx-ws-send encoding="${encoding}"><form><input type="file" name="file"></form></hx-ws-send></hx-ws-connect>`,
            encodings: [OOB, INLINE],
            trigger: 'submit',
          }
        : null,
    },
    {
      name: 'shim',
      label: 'hx-ws="connect:" shim',
      entry: 'src/upgrade.ts',
      requires: ['src/upgrade.ts'],
      connect: (url) => [`<div hx-ws="connect:${url}">`, '</div>'],
      churn: { html: (url) => `<div hx-ws="connect:${url}"></div>`, process: null },
      upload: {
        html: (url, encoding) =>
          `<div hx-ws="connect:${url}"><form hx-ws="send" hx-encoding="${encoding}"><input type="file" name="file"></form></div>`,
        encodings: [OOB, INLINE],
        trigger: 'submit',
      },
    },
    // The same two with `quiet`: messages swapped without their events (swap and latency only).
    {
      name: 'element-quiet',
      label: '<hx-ws-connect quiet>',
      entry: 'src/index.ts',
      requires: ['src/index.ts'],
      connect: (url) => [`<hx-ws-connect url="${url}" quiet>`, '</hx-ws-connect>'],
      churn: null,
      upload: null,
    },
    {
      name: 'shim-quiet',
      label: 'hx-ws="connect:" hx-ws-quiet',
      entry: 'src/upgrade.ts',
      requires: ['src/upgrade.ts'],
      connect: (url) => [`<div hx-ws="connect:${url}" hx-ws-quiet>`, '</div>'],
      churn: null,
      upload: null,
    },
  ];
  return all.filter((c) => (c.requires ?? []).every(has));
}

/** The contender `--broken` adds: connects, then never swaps and never uploads. */
export const broken = {
  name: 'broken',
  label: 'broken on purpose',
  entry: 'bench/entries/broken.js',
  connect: (url) => [`<div data-broken-ws="${url}">`, '</div>'],
  // Its churn element never opens a socket.
  churn: { html: () => '<div data-broken-churn></div>', process: null },
  upload: {
    html: (url) => `<div data-broken-ws="${url}"><form><input type="file" name="file"></form></div>`,
    encodings: [OOB],
    trigger: 'submit',
  },
};

export const ENCODING = { OOB, INLINE };
