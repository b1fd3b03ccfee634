// The agent's desk: the queue on one side, the open conversation on the other, kept live by
// one event stream (queue changes, plus every message of the open conversation).
import { api, stream } from "./api.js";
import { ConversationView } from "./conversation.js";
import { t } from "./i18n.js";
import { Queue } from "./queue.js";
import { boot, liveIndicator, toast } from "./shell.js";

const me = await boot();
const options = await api("/v1/console/options");
const onError = (err) => toast(t("error.generic", { detail: err.message }), "error");
const onDone = (message) => toast(message);

const queue = new Queue(me, options, { onOpen: open, onError });
const view = new ConversationView(document.getElementById("conversation"), me, options, {
  onChange: () => queue.reload(), onError, onDone,
});
const setLive = liveIndicator(document.getElementById("live"));
let source = null;
let following = undefined;

// "customer_left": the customer ended the chat from the widget (the handoff stays queued).
const QUEUE_EVENTS = ["handoff", "claimed", "transferred", "resolved", "returned", "customer_left"];

function connect(conversationId) {
  if (source && following === conversationId) return;
  source?.close();
  following = conversationId;
  const query = conversationId ? `?conversation_id=${encodeURIComponent(conversationId)}` : "";
  const handlers = {
    // (Re)connected: whatever happened meanwhile is in the list and the transcript.
    ready: () => { queue.reload(); view.reload(); },
    note: (d) => { if (d.handoff?.id === view.handoffId) view.reload(); },
    message: (m) => {
      if (m.conversation_id === view.conversationId) view.addMessage(m);
      else if (m.role === "customer") queue.markNew(m.conversation_id);
    },
  };
  for (const type of QUEUE_EVENTS) {
    handlers[type] = (d) => {
      queue.reload();
      if ((d.handoff?.id ?? d.handoff_id ?? d.id) === view.handoffId) view.reload();
    };
  }
  source = stream(`/v1/inbox/events${query}`, handlers, setLive);
}

async function open(id) {
  queue.select(id);
  history.replaceState(null, "", `/console/?handoff=${encodeURIComponent(id)}`);
  await view.open(id);
  queue.seen(view.conversationId);
  queue.render();
  connect(view.conversationId);
}

const wanted = new URLSearchParams(location.search).get("handoff");
connect(null);
queue.reload();
if (wanted) open(wanted);
