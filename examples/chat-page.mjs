// The page every example serves: a chat room in attribute mode, loading the one-file build
// (elements, attribute mode and every feature) from /hx-ws.js.
export const chatPage = `<!doctype html>
<meta charset="utf-8">
<title>hx-ws chat</title>
<script type="module" src="/hx-ws.js"></script>
<div hx-ws="connect:/chat">
  <ul id="messages"></ul>
  <form hx-ws="send">
    <input name="message" autocomplete="off">
    <button>Send</button>
  </form>
</div>
`;
