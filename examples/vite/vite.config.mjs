// Vite's dev server in front of a separate socket server (examples/plain-node.mjs, say, on
// port 3000): the page comes from Vite, /chat is proxied with `ws: true`.
//
// The origin check: the browser's Origin is Vite's (http://localhost:5173). With
// `changeOrigin: false` (the default, as here) the Host header the socket server sees is
// Vite's too, so the same-origin default accepts it. With `changeOrigin: true` the Host becomes
// the target's, and the socket server needs `origins: ['http://localhost:5173']`.
import { defineConfig } from 'vite';

export default defineConfig({
  server: {
    proxy: {
      '/chat': { target: `http://127.0.0.1:${process.env.SOCKET_PORT ?? 3000}`, ws: true },
    },
  },
});
