// Kefu sandbox web chat: talk to the bot through the sandbox's control API as any sandbox user.
// Plain ES module, no build step. Message text is rendered with DOM nodes only (see format.js).

import { Api, ApiError } from "./api.js";
import {
  avatar,
  dayKey,
  dayLabel,
  fileSize,
  fullName,
  h,
  icon,
  isServiceMessage,
  langTag,
  languageLabel,
  listTime,
  messageSummary,
  peerColour,
  renderEntities,
  safeUrl,
  serviceText,
  setAssetVersion,
  timeHM,
  topicColour,
} from "./format.js";

const config = JSON.parse(document.getElementById("sandbox-config").textContent);
setAssetVersion(config.version);
const api = new Api(config.apiBase);
const $ = (id) => document.getElementById(id);

const EVENTS_TIMEOUT = 25; // seconds the server may hold an events long-poll
const GROUP_GAP = 10 * 60; // consecutive messages closer than this share a bubble group

const storage = {
  get(key) {
    try {
      return JSON.parse(localStorage.getItem(`kefu-sandbox:${key}`));
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(`kefu-sandbox:${key}`, JSON.stringify(value));
    } catch {
      /* private mode: not remembering is fine */
    }
  },
};

const state = {
  users: new Map(), // id -> User (bots included)
  bot: null, // the bot's User, when the server lists it
  demo: null, // {customers, staff, admins, staff_chat_id} or null
  chats: new Map(), // chat id -> {chat, members: Set, admins: Set}
  topics: new Map(), // chat id -> [{message_thread_id, name, icon_color, is_closed}]
  msgs: new Map(), // chat id -> Map(message_id -> Message)
  lastId: new Map(), // chat id -> highest message_id seen
  me: null, // acting user id
  open: null, // {chatId, threadId} -- threadId null: private chat, plain group, or General
  expanded: new Set(), // forum chat ids whose topics are listed
  othersOpen: false,
  seen: new Map(), // `${me}|${viewKey}` -> last message_id seen there
  keyboard: null,
  keyboardHidden: false,
  replyTo: null, // Message being replied to
  editing: null, // own Message being edited
  attachment: null, // {kind: "photo"|"document", name, mime, size, base64, previewUrl}
  sending: false,
  seq: 0,
  noBot: false, // the sandbox has no bot yet (nobody to chat with)
  online: true,
  stuckToBottom: true,
  newWhileAway: 0,
};

// ================================================================ model helpers

const viewKey = (chatId, threadId) => (threadId ? `${chatId}/${threadId}` : String(chatId));

function chatEntry(chatId) {
  return state.chats.get(Number(chatId)) || null;
}

function isForum(chatId) {
  const entry = chatEntry(chatId);
  return Boolean(entry && entry.chat.is_forum);
}

function isPrivate(chatId) {
  return !chatEntry(chatId);
}

function botUser() {
  if (state.bot) return state.bot;
  for (const map of state.msgs.values()) {
    for (const m of map.values()) if (m.from && m.from.is_bot) return m.from;
  }
  return null;
}

function botName() {
  const bot = botUser();
  return bot ? fullName(bot) : "Bot";
}

function userById(id) {
  return state.users.get(Number(id)) || null;
}

function roleOf(userId) {
  const d = state.demo;
  if (!d) return null;
  if ((d.admins || []).includes(userId)) return "Admin";
  if ((d.staff || []).includes(userId)) return "Staff";
  if ((d.customers || []).includes(userId)) return "Customer";
  return null;
}

function canPost(chatId) {
  if (state.me === null) return false;
  const entry = chatEntry(chatId);
  if (!entry) return Number(chatId) === state.me;
  return isMember(entry, state.me);
}

function isMember(entry, userId) {
  return entry.members.has(userId) || entry.admins.has(userId);
}

function topicIds(chatId) {
  return new Set((state.topics.get(Number(chatId)) || []).map((t) => t.message_thread_id));
}

function findTopic(chatId, threadId) {
  return (
    (state.topics.get(Number(chatId)) || []).find((t) => t.message_thread_id === threadId) || null
  );
}

/** The forum topic a message belongs to (null: General, or the chat is not a forum). */
function threadOf(chatId, msg, ids = topicIds(chatId)) {
  if (!isForum(chatId)) return null;
  const tid = msg.message_thread_id;
  if (tid && (msg.is_topic_message || ids.has(tid))) return tid;
  if (msg.forum_topic_created && ids.has(msg.message_id)) return msg.message_id;
  return null;
}

function viewMessages(chatId, threadId) {
  const map = state.msgs.get(Number(chatId));
  if (!map) return [];
  const ids = topicIds(chatId);
  const list = [];
  for (const m of map.values()) {
    if (!isForum(chatId) || threadOf(chatId, m, ids) === (threadId || null)) list.push(m);
  }
  list.sort((a, b) => a.message_id - b.message_id);
  return list;
}

/** Chats worth keeping fresh for the acting user: their bot chat, their groups, the open one. */
function relevantChats() {
  const ids = new Set();
  if (state.me !== null) ids.add(state.me);
  for (const [id, entry] of state.chats)
    if (state.me !== null && isMember(entry, state.me)) ids.add(id);
  if (state.open) ids.add(state.open.chatId);
  return ids;
}

function unreadCount(chatId, threadId) {
  const list = viewMessages(chatId, threadId);
  const key = `${state.me}|${viewKey(chatId, threadId)}`;
  const last = list.length ? list[list.length - 1].message_id : 0;
  if (!state.seen.has(key)) {
    // What was already there when the chat was first loaded counts as read.
    if (!state.msgs.has(Number(chatId))) return 0;
    state.seen.set(key, last);
  }
  const seen = state.seen.get(key);
  return list.filter((m) => m.message_id > seen && !(m.from && m.from.id === state.me)).length;
}

function markSeen() {
  if (!state.open || document.hidden) return;
  const list = viewMessages(state.open.chatId, state.open.threadId);
  const last = list.length ? list[list.length - 1].message_id : 0;
  state.seen.set(`${state.me}|${viewKey(state.open.chatId, state.open.threadId)}`, last);
}

// ================================================================ loading

async function loadUsers() {
  const [data, bots] = await Promise.all([api.users(), api.bots()]);
  state.users = new Map();
  state.bot = null;
  for (const u of data.users || []) {
    state.users.set(u.id, u);
    if (u.is_bot && !state.bot) state.bot = u;
  }
  const listed = bots.bots || [];
  const main = listed.find((b) => b.default) || listed[0];
  if (main && main.user) state.bot = main.user;
}

async function loadChats() {
  const data = await api.chats();
  state.chats = new Map();
  for (const entry of data.chats || []) {
    state.chats.set(entry.chat.id, {
      chat: entry.chat,
      members: new Set(entry.members || []),
      admins: new Set(entry.admins || []),
      generalClosed: Boolean(entry.general_closed),
    });
  }
  await Promise.all(
    [...state.chats.values()].filter((e) => e.chat.is_forum).map((e) => loadTopics(e.chat.id)),
  );
}

async function loadTopics(chatId) {
  const data = await api.topics(chatId);
  state.topics.set(Number(chatId), data.topics || []);
}

async function loadMessages(chatId, { full = false } = {}) {
  chatId = Number(chatId);
  const incremental = !full && state.msgs.has(chatId);
  const data = await api.messages(chatId, incremental ? state.lastId.get(chatId) || 0 : undefined);
  if (chatId > 0) state.noBot = data.missing === 409;
  const map = incremental ? state.msgs.get(chatId) : new Map();
  let last = incremental ? state.lastId.get(chatId) || 0 : 0;
  for (const m of data.messages || []) {
    map.set(m.message_id, m);
    last = Math.max(last, m.message_id);
  }
  state.msgs.set(chatId, map);
  state.lastId.set(chatId, last);
}

async function loadKeyboard() {
  state.keyboard = null;
  if (!state.open || state.me === null || !canPost(state.open.chatId)) return;
  const { chatId } = state.open;
  const data = await api.keyboard(chatId, state.me);
  if (state.open && state.open.chatId === chatId) {
    const kb = data && data.keyboard;
    const changed = JSON.stringify(kb) !== JSON.stringify(state.keyboard);
    state.keyboard = kb && kb.keyboard && kb.keyboard.length ? kb : null;
    if (changed) state.keyboardHidden = false;
  }
}

async function loadRelevantMessages() {
  await Promise.all([...relevantChats()].map((id) => loadMessages(id)));
}

async function loadEverything() {
  const [demo] = await Promise.all([api.demo(), loadUsers(), loadChats()]);
  state.demo = demo;
  state.msgs.clear();
  state.lastId.clear();
  if (state.me !== null && !state.users.has(state.me)) state.me = null;
  if (state.me === null) pickInitialUser();
  if (state.open && state.open.chatId !== state.me && isPrivate(state.open.chatId))
    state.open = null;
  if (!state.open && state.me !== null) state.open = { chatId: state.me, threadId: null };
  await loadRelevantMessages();
  await loadKeyboard();
}

function pickInitialUser() {
  const humans = [...state.users.values()].filter((u) => !u.is_bot);
  const saved = storage.get("me");
  const savedOpen = storage.get("open");
  if (saved !== null && state.users.has(saved)) {
    state.me = saved;
    if (savedOpen && (savedOpen.chatId === saved || chatEntry(savedOpen.chatId)))
      state.open = savedOpen;
  } else if (
    state.demo &&
    state.demo.customers &&
    state.demo.customers.length &&
    state.users.has(state.demo.customers[0])
  ) {
    state.me = state.demo.customers[0];
  } else if (humans.length) {
    state.me = humans[0].id;
  }
  if (state.open && isForum(state.open.chatId)) state.expanded.add(state.open.chatId);
  if (state.open && !isPrivate(state.open.chatId) && !canPost(state.open.chatId))
    state.othersOpen = true;
}

// ================================================================ events (live updates)

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function applyEvents(events) {
  const kinds = new Set(events.map((e) => e.kind));
  if (kinds.has("reset")) {
    // The sandbox's state was wiped or reseeded: start over.
    resetMessageView();
    await loadEverything();
    render();
    return;
  }
  if (kinds.has("user") || !state.bot) await loadUsers();
  if (kinds.has("chat")) await loadChats();
  const perChat = new Map();
  for (const e of events) {
    if (e.chat_id === undefined || e.chat_id === null) continue;
    const id = Number(e.chat_id);
    if (!perChat.has(id)) perChat.set(id, new Set());
    perChat.get(id).add(e.kind);
  }
  const relevant = relevantChats();
  let keyboardStale = false;
  await Promise.all(
    [...perChat].map(async ([chatId, ks]) => {
      if (ks.has("topic")) await loadTopics(chatId);
      if (relevant.has(chatId)) {
        const full = ks.has("edit") || ks.has("delete");
        if (full || ks.has("message") || ks.has("topic") || !state.msgs.has(chatId)) {
          await loadMessages(chatId, { full });
        }
      } else {
        state.msgs.delete(chatId); // reload from scratch if it becomes relevant
        state.lastId.delete(chatId);
      }
      if (state.open && state.open.chatId === chatId && (ks.has("keyboard") || ks.has("chat"))) {
        keyboardStale = true;
      }
    }),
  );
  if (kinds.has("chat")) {
    const missing = [...relevantChats()].filter((id) => !state.msgs.has(id));
    await Promise.all(missing.map((id) => loadMessages(id)));
  }
  if (keyboardStale || kinds.has("chat")) await loadKeyboard();
  render();
}

async function eventLoop() {
  let delay = 1000;
  let needReload = false;
  for (;;) {
    try {
      if (needReload) {
        const first = await api.events();
        await loadEverything();
        state.seq = first.seq || 0;
        needReload = false;
        setOnline(true);
        render();
      }
      // No event tells when a bot first connects, so while there is none, look every few seconds.
      const data = await api.events(state.seq, state.noBot ? 3 : EVENTS_TIMEOUT);
      setOnline(true);
      delay = 1000;
      if (state.noBot && state.me !== null) {
        await loadUsers();
        await loadMessages(state.me, { full: true });
        if (!state.noBot) {
          await loadKeyboard();
          render();
        }
      }
      const events = data.events || [];
      const newest = Math.max(data.seq || 0, ...events.map((e) => e.seq || 0));
      if (newest < state.seq) {
        needReload = true; // the sandbox restarted: its sequence started over
        continue;
      }
      state.seq = newest;
      if (events.length) await applyEvents(events);
    } catch (err) {
      console.warn("sandbox events:", err);
      setOnline(false, delay);
      await sleep(delay);
      delay = Math.min(delay * 2, 15000);
      needReload = true;
    }
  }
}

let offlineTimer = null;

function setOnline(online, retryMs = 0) {
  state.online = online;
  const conn = $("conn");
  conn.dataset.state = online ? "online" : "offline";
  conn.querySelector(".conn-label").textContent = online ? "Live" : "Offline";
  conn.title = online ? "Connected: updates arrive live" : "Can't reach the sandbox";
  const banner = $("offline-banner");
  clearInterval(offlineTimer);
  if (online) {
    banner.hidden = true;
    return;
  }
  banner.hidden = false;
  let left = Math.round(retryMs / 1000);
  const paint = () => {
    banner.textContent =
      left > 0
        ? `Can't reach the sandbox. Retrying in ${left} s…`
        : "Can't reach the sandbox. Retrying…";
    left -= 1;
  };
  paint();
  offlineTimer = setInterval(paint, 1000);
}

// ================================================================ rendering: acting user

function userMeta(user) {
  const bits = [];
  if (user.username) bits.push(`@${user.username}`);
  const lang = languageLabel(user.language_code);
  if (lang) bits.push(lang);
  return bits.join(" · ") || `id ${user.id}`;
}

function roleBadge(userId) {
  const role = roleOf(userId);
  return role ? h("span", { class: `role role-${role.toLowerCase()}` }, role) : null;
}

function renderActing() {
  const me = userById(state.me);
  const av = $("acting-avatar");
  if (me) {
    av.replaceWith(avatar(me.id, fullName(me), { size: "md" }));
    $("acting-current").querySelector(".avatar").id = "acting-avatar";
    $("acting-name").replaceChildren(fullName(me), roleBadge(me.id) || "");
    $("acting-meta").textContent = userMeta(me);
  } else {
    $("acting-name").textContent = "Pick a user";
    $("acting-meta").textContent = state.users.size
      ? "Nobody selected"
      : "No users yet: create one";
  }
  renderUserList();
}

function renderUserList() {
  const list = $("user-list");
  const humans = [...state.users.values()].filter((u) => !u.is_bot);
  const groups = new Map();
  for (const u of humans) {
    const role = roleOf(u.id);
    const label =
      { Customer: "Customers", Staff: "Staff", Admin: "Admins" }[role] ||
      (state.demo ? "Others" : "Users");
    if (!groups.has(label)) groups.set(label, []);
    groups.get(label).push(u);
  }
  const order = ["Customers", "Staff", "Admins", "Users", "Others"];
  const items = [];
  for (const label of order) {
    const members = groups.get(label);
    if (!members) continue;
    if (groups.size > 1)
      items.push(h("li", { class: "user-group-label", "aria-hidden": "true" }, label));
    for (const u of members) {
      const current = u.id === state.me;
      items.push(
        h(
          "li",
          null,
          h(
            "button",
            {
              type: "button",
              class: "user-item",
              "aria-current": current ? "true" : null,
              "data-user-id": u.id,
              onclick: () => selectUser(u.id),
            },
            avatar(u.id, fullName(u), { size: "sm" }),
            h(
              "span",
              { class: "user-item-text" },
              h("span", { class: "user-item-name" }, fullName(u)),
              h("span", { class: "user-item-meta" }, userMeta(u)),
            ),
            current ? icon("check", "user-item-check") : null,
          ),
        ),
      );
    }
  }
  if (!humans.length) items.push(h("li", { class: "user-empty" }, "No users yet."));
  list.replaceChildren(...items);
}

function toggleUserPanel(open) {
  const panel = $("user-panel");
  const show = open ?? panel.hidden;
  panel.hidden = !show;
  $("acting-current").setAttribute("aria-expanded", String(show));
  $("sidebar").classList.toggle("picking", show);
  if (show) {
    renderUserList();
    const current =
      panel.querySelector(".user-item[aria-current]") || panel.querySelector(".user-item");
    if (current) current.focus();
    else $("new-user").open = true;
  }
}

async function selectUser(userId) {
  const previous = state.me;
  state.me = userId;
  storage.set("me", userId);
  toggleUserPanel(false);
  if (previous !== userId) {
    clearReply();
    // Stay in the open group if the new person belongs to it (say, staff taking turns in the
    // staff desk); otherwise go to their own chat with the bot.
    const stay = state.open && !isPrivate(state.open.chatId) && canPost(state.open.chatId);
    if (!stay) state.open = { chatId: userId, threadId: null };
    storage.set("open", state.open);
    resetMessageView();
  }
  render();
  try {
    await loadRelevantMessages();
    await loadKeyboard();
  } catch (err) {
    toast(`Couldn't load chats: ${err.message}`, "error");
  }
  render();
  $("acting-current").focus();
}

async function createUser(form) {
  const error = $("new-user-error");
  error.hidden = true;
  const data = new FormData(form);
  const firstName = String(data.get("first_name") || "").trim();
  const username = String(data.get("username") || "")
    .trim()
    .replace(/^@/, "");
  if (!firstName) {
    error.textContent = "A name is needed.";
    error.hidden = false;
    return;
  }
  let id;
  do {
    id = 100000000 + Math.floor(Math.random() * 900000000);
  } while (state.users.has(id));
  const payload = { id, first_name: firstName, language_code: data.get("language_code") || "en" };
  if (username) payload.username = username;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const result = await api.createUser(payload);
    const user = result.user || payload;
    state.users.set(user.id, user);
    form.reset();
    $("new-user").open = false;
    await selectUser(user.id);
    toast(`Now acting as ${fullName(user)}`);
  } catch (err) {
    error.textContent = `Couldn't create the user: ${err.message}`;
    error.hidden = false;
  } finally {
    button.disabled = false;
  }
}

// ================================================================ rendering: sidebar

function allMessages(chatId) {
  const map = state.msgs.get(Number(chatId));
  return map ? [...map.values()].sort((a, b) => a.message_id - b.message_id) : [];
}

function previewLine(chatId, threadId, anyThread = false) {
  const list = anyThread ? allMessages(chatId) : viewMessages(chatId, threadId);
  const last = list[list.length - 1];
  if (!last)
    return { text: isPrivate(chatId) ? "Say hello to the bot" : "No messages yet", date: null };
  let prefix = "";
  if (!isServiceMessage(last) && last.from) {
    if (last.from.id === state.me) prefix = "You: ";
    else if (!isPrivate(chatId)) prefix = `${last.from.first_name || fullName(last.from)}: `;
  }
  return {
    prefix,
    text: isServiceMessage(last) ? serviceText(last) : messageSummary(last),
    date: last.date,
  };
}

function forumUnread(chatId) {
  let n = unreadCount(chatId, null);
  for (const t of state.topics.get(chatId) || []) n += unreadCount(chatId, t.message_thread_id);
  return n;
}

function chatItem({
  key,
  chatId,
  threadId,
  title,
  av,
  cls = "",
  extra = null,
  closed = false,
  forumRow = false,
  expanded = false,
}) {
  const here = state.open && state.open.chatId === chatId;
  const open = forumRow
    ? here && !expanded
    : here && (state.open.threadId || null) === (threadId || null);
  const preview = previewLine(chatId, threadId, forumRow);
  const unread = forumRow
    ? expanded
      ? 0
      : forumUnread(chatId)
    : open
      ? 0
      : unreadCount(chatId, threadId);
  return h(
    "li",
    { class: `chat-li ${cls}`.trim() },
    h(
      "button",
      {
        type: "button",
        class: "chat-item",
        "aria-current": open ? "page" : null,
        "data-key": key,
        onclick: () => openChat(chatId, threadId),
      },
      av,
      h(
        "span",
        { class: "chat-item-body" },
        h(
          "span",
          { class: "chat-item-top" },
          h(
            "span",
            { class: "chat-item-title" },
            typeof title === "string" ? h("span", { class: "title-text" }, title) : title,
            closed
              ? h(
                  "span",
                  { class: "closed-mark", title: "Closed topic" },
                  icon("lock"),
                  h("span", { class: "visually-hidden" }, " (closed)"),
                )
              : null,
          ),
          preview.date ? h("time", { class: "chat-item-time" }, listTime(preview.date)) : null,
        ),
        h(
          "span",
          { class: "chat-item-bottom" },
          h(
            "span",
            { class: "chat-item-preview" },
            preview.prefix ? h("span", { class: "preview-prefix" }, preview.prefix) : null,
            preview.text,
          ),
          unread
            ? h(
                "span",
                { class: "unread", "aria-label": `${unread} unread` },
                unread > 99 ? "99+" : String(unread),
              )
            : null,
        ),
      ),
    ),
    extra,
  );
}

function groupItems(entry) {
  const { chat } = entry;
  const items = [];
  const forum = Boolean(chat.is_forum);
  const expanded = forum && state.expanded.has(chat.id);
  const title = chat.title || `Group ${chat.id}`;
  if (!forum) {
    items.push(
      chatItem({
        key: viewKey(chat.id, null),
        chatId: chat.id,
        threadId: null,
        title,
        av: avatar(chat.id, chat.title, { size: "lg" }),
      }),
    );
    return items;
  }
  const toggle = h(
    "button",
    {
      type: "button",
      class: `expand-btn ${expanded ? "expanded" : ""}`,
      "aria-expanded": String(expanded),
      "aria-label": `${expanded ? "Hide" : "Show"} topics of ${chat.title}`,
      onclick: (e) => {
        e.stopPropagation();
        if (expanded) state.expanded.delete(chat.id);
        else state.expanded.add(chat.id);
        renderSidebar();
      },
    },
    icon("chevron"),
  );
  // The forum row opens General (and lists the topics); its preview covers every topic.
  const topicList = state.topics.get(chat.id) || [];
  items.push(
    chatItem({
      key: `forum:${chat.id}`,
      chatId: chat.id,
      threadId: null,
      title,
      cls: "forum-row",
      av: avatar(chat.id, chat.title, { size: "lg", cls: "avatar-forum" }),
      extra: toggle,
      forumRow: true,
      expanded,
    }),
  );
  if (expanded) {
    const sub = [
      chatItem({
        key: viewKey(chat.id, null),
        chatId: chat.id,
        threadId: null,
        cls: "topic-li",
        title: "General",
        av: h("span", { class: "topic-icon general", "aria-hidden": "true" }, icon("hash")),
      }),
    ];
    for (const t of topicList) {
      sub.push(
        chatItem({
          key: viewKey(chat.id, t.message_thread_id),
          chatId: chat.id,
          threadId: t.message_thread_id,
          cls: `topic-li ${t.is_closed ? "closed" : ""}`,
          title: t.name,
          closed: t.is_closed,
          av: h(
            "span",
            {
              class: "topic-icon",
              "aria-hidden": "true",
              style: { "--topic": topicColour(t.icon_color) },
            },
            icon("topic"),
          ),
        }),
      );
    }
    items.push(
      h(
        "li",
        { class: "topics" },
        h("ul", { class: "topic-list", "aria-label": `Topics of ${chat.title}` }, ...sub),
      ),
    );
  }
  return items;
}

function lastActivity(chatId) {
  const map = state.msgs.get(chatId);
  let last = 0;
  if (map) for (const m of map.values()) last = Math.max(last, m.date || 0);
  return last;
}

function renderSidebar() {
  const list = $("chat-list");
  const focusedKey = list.contains(document.activeElement)
    ? document.activeElement.dataset.key
    : null;
  const items = [];
  if (state.me !== null) {
    items.push(h("li", { class: "list-label", "aria-hidden": "true" }, "Chats"));
    const bot = botUser();
    items.push(
      chatItem({
        key: viewKey(state.me, null),
        chatId: state.me,
        threadId: null,
        title: [
          h("span", { class: "title-text" }, botName()),
          h("span", { class: "chat-tag bot-tag" }, "bot"),
        ],
        av: avatar(bot ? bot.id : 0, botName(), { size: "lg", iconName: "bot", cls: "avatar-bot" }),
      }),
    );
    const groups = [...state.chats.values()];
    const mine = groups.filter((e) => isMember(e, state.me));
    const others = groups.filter((e) => !isMember(e, state.me));
    mine.sort((a, b) => lastActivity(b.chat.id) - lastActivity(a.chat.id) || a.chat.id - b.chat.id);
    for (const entry of mine) items.push(...groupItems(entry));
    if (others.length) {
      const openOther = state.othersOpen;
      items.push(
        h(
          "li",
          { class: "others-li" },
          h(
            "button",
            {
              type: "button",
              class: `others-toggle ${openOther ? "expanded" : ""}`,
              "aria-expanded": String(openOther),
              onclick: () => {
                state.othersOpen = !openOther;
                renderSidebar();
              },
            },
            h("span", null, `Other groups (${others.length})`),
            h("span", { class: "others-note" }, "read-only"),
            icon("chevron"),
          ),
        ),
      );
      if (openOther)
        for (const entry of others)
          items.push(
            ...groupItems(entry).map((li) => {
              li.classList.add("other");
              return li;
            }),
          );
    }
  } else {
    items.push(h("li", { class: "sidebar-empty" }, "Choose who you are above to see their chats."));
  }
  list.replaceChildren(...items);
  if (focusedKey) {
    const again = list.querySelector(`[data-key="${CSS.escape(focusedKey)}"]`);
    if (again) again.focus();
  }
}

// ================================================================ rendering: header

function renderHeader() {
  const title = $("chat-title");
  const sub = $("chat-sub");
  let av;
  if (!state.open) {
    title.textContent = "Kefu sandbox";
    sub.textContent = state.me === null ? "Pick a user to start" : "";
    av = h("span", { class: "avatar avatar-md avatar-empty", "aria-hidden": "true" });
  } else if (isPrivate(state.open.chatId)) {
    const bot = botUser();
    title.textContent = botName();
    sub.textContent = bot && bot.username ? `bot · @${bot.username}` : "bot";
    av = avatar(bot ? bot.id : 0, botName(), { size: "md", iconName: "bot", cls: "avatar-bot" });
  } else {
    const entry = chatEntry(state.open.chatId);
    const { chat } = entry;
    const n = entry.members.size;
    const memberNote = canPost(chat.id) ? "" : " · you're not a member";
    const deskNote = state.demo && state.demo.staff_chat_id === chat.id ? "Staff desk · " : "";
    if (chat.is_forum && state.open.threadId) {
      const topic = findTopic(chat.id, state.open.threadId);
      title.textContent = topic ? topic.name : `Topic ${state.open.threadId}`;
      sub.textContent = `${chat.title}${topic && topic.is_closed ? " · closed" : ""}${memberNote}`;
      av = h(
        "span",
        {
          class: "topic-icon big",
          "aria-hidden": "true",
          style: { "--topic": topicColour(topic && topic.icon_color) },
        },
        icon("topic"),
      );
    } else if (chat.is_forum) {
      title.textContent = chat.title;
      sub.textContent = `${deskNote}General · ${n} member${n === 1 ? "" : "s"}${memberNote}`;
      av = avatar(chat.id, chat.title, { size: "md" });
    } else {
      title.textContent = chat.title;
      sub.textContent = `${n} member${n === 1 ? "" : "s"}${memberNote}`;
      av = avatar(chat.id, chat.title, { size: "md" });
    }
  }
  av.id = "chat-avatar";
  $("chat-avatar").replaceWith(av);
  document.title = state.open ? `${title.textContent} · Kefu sandbox` : "Kefu sandbox · web chat";
}

// ================================================================ rendering: messages

let elementCache = new Map(); // `${chatId}:${message_id}` -> {sig, el}
let renderedView = null;
let renderedCount = 0;

function resetMessageView() {
  elementCache = new Map();
  renderedView = null;
  state.stuckToBottom = true;
  state.newWhileAway = 0;
}

function senderOf(msg) {
  return (
    msg.from ||
    (msg.sender_chat ? { id: msg.sender_chat.id, first_name: msg.sender_chat.title } : null)
  );
}

function messageRow(msg, ctx) {
  if (isServiceMessage(msg)) {
    return h(
      "div",
      { class: "service", "data-mid": msg.message_id },
      h("span", { class: "service-pill", dir: "auto" }, serviceText(msg)),
    );
  }
  const sender = senderOf(msg);
  const own = sender && sender.id === state.me;
  const isGroup = !isPrivate(ctx.chatId);
  const showName = isGroup && !own && ctx.first;
  const media = Boolean(msg.photo || msg.sticker || msg.video || msg.animation);
  const text = msg.text ?? msg.caption;
  const hasText = Boolean(text);

  const bubble = h("div", {
    class: [
      "bubble",
      ctx.last ? "tail" : "",
      msg.sticker ? "sticker-bubble" : "",
      media && !hasText ? "media-only" : "",
      media ? "has-media" : "",
    ]
      .join(" ")
      .replace(/\s+/g, " ")
      .trim(),
  });

  if (showName && !msg.sticker) {
    const nameColour = sender.is_bot ? "#3a86c8" : peerColour(sender.id)[1];
    const entry = chatEntry(ctx.chatId);
    const isAdmin = entry && entry.admins.has(sender.id);
    const role = roleOf(sender.id);
    bubble.append(
      h(
        "div",
        { class: "sender", style: { "--name": nameColour } },
        h("span", { class: "sender-name" }, fullName(sender)),
        sender.is_bot
          ? h("span", { class: "sender-badge" }, "bot")
          : isAdmin
            ? h("span", { class: "sender-badge" }, "admin")
            : role
              ? h("span", { class: "sender-badge" }, role.toLowerCase())
              : null,
      ),
    );
  }

  const quoted = msg.reply_to_message;
  const quoteIsTopicRoot =
    quoted &&
    (quoted.forum_topic_created ||
      (msg.is_topic_message && quoted.message_id === msg.message_thread_id));
  if (quoted && !quoteIsTopicRoot) bubble.append(replyQuote(quoted));

  if (msg.photo && msg.photo.length) bubble.append(photoFigure(msg));
  if (msg.sticker) bubble.append(stickerNode(msg.sticker));
  if (msg.video || msg.animation)
    bubble.append(videoNode(msg.video || msg.animation, Boolean(msg.animation)));
  if (msg.document && !msg.animation) bubble.append(documentChip(msg.document));
  if (msg.audio || msg.voice) {
    const a = msg.audio || msg.voice;
    bubble.append(
      h("audio", { class: "audio", controls: true, preload: "none", src: api.fileUrl(a.file_id) }),
    );
  }
  const other = otherContent(msg);
  if (other) bubble.append(other);

  const meta = h(
    "span",
    { class: "meta" },
    msg.edit_date
      ? h("span", { class: "edited", title: `Edited ${timeHM(msg.edit_date)}` }, "edited")
      : null,
    h(
      "time",
      {
        datetime: new Date(msg.date * 1000).toISOString(),
        title: new Date(msg.date * 1000).toLocaleString(),
      },
      timeHM(msg.date),
    ),
  );

  if (hasText) {
    const textEl = h("div", {
      class: "text",
      dir: "auto",
      lang: langTag(sender && sender.language_code) || null,
    });
    renderEntities(textEl, text, msg.entities || msg.caption_entities, {
      onCommand: canPost(ctx.chatId) ? (command) => sendText(command) : null,
    });
    // Room for the time in the last line; drawn by CSS so it stays out of the text content.
    textEl.append(
      h("span", {
        class: "meta-spacer",
        "aria-hidden": "true",
        "data-room": msg.edit_date ? "edited 00:00" : "00:00",
      }),
    );
    bubble.append(textEl);
  } else if (
    !msg.photo &&
    !msg.sticker &&
    !msg.video &&
    !msg.animation &&
    !msg.document &&
    !other &&
    !msg.audio &&
    !msg.voice
  ) {
    bubble.append(h("div", { class: "text muted" }, "Unsupported message"));
  }
  bubble.append(meta);

  const column = h("div", { class: "msg-col" }, bubble);
  const kb = inlineKeyboard(msg, ctx.chatId);
  if (kb) column.append(kb);

  const row = h("div", {
    class: `msg-row ${own ? "own" : "other"} ${ctx.first ? "first" : ""} ${ctx.last ? "last" : ""} ${isGroup && !own ? "with-avatar" : ""}`,
    "data-mid": msg.message_id,
  });
  if (isGroup && !own) {
    row.append(
      ctx.last && sender
        ? avatar(sender.id, fullName(sender), {
            size: "sm",
            cls: `msg-avatar ${sender.is_bot ? "avatar-bot" : ""}`,
            iconName: sender.is_bot ? "bot" : null,
          })
        : h("span", { class: "msg-avatar-space" }),
    );
  }
  row.append(column);
  if (canPost(ctx.chatId)) {
    const actions = h(
      "div",
      { class: "msg-actions" },
      h(
        "button",
        {
          type: "button",
          class: "msg-action",
          "aria-label": own
            ? "Reply to your message"
            : `Reply to ${sender ? fullName(sender) : "this message"}`,
          title: "Reply",
          onclick: () => startReply(msg),
        },
        icon("reply"),
      ),
    );
    if (own && hasText) {
      actions.append(
        h(
          "button",
          {
            type: "button",
            class: "msg-action",
            "aria-label": msg.caption !== undefined ? "Edit the caption" : "Edit your message",
            title: "Edit",
            onclick: () => startEdit(msg),
          },
          icon("edit"),
        ),
      );
    }
    row.append(actions);
  }
  return row;
}

function replyQuote(quoted) {
  const sender = senderOf(quoted);
  const [, nameColour] = peerColour(sender ? sender.id : 0);
  const name = sender ? (sender.id === state.me ? "You" : fullName(sender)) : "Message";
  return h(
    "button",
    {
      type: "button",
      class: "quote-btn",
      style: { "--name": nameColour },
      "aria-label": `Replying to ${name}: ${messageSummary(quoted)}. Show that message.`,
      onclick: () => flashMessage(quoted.message_id),
    },
    h("span", { class: "quote-name" }, name),
    h("span", { class: "quote-text", dir: "auto" }, messageSummary(quoted)),
  );
}

function photoFigure(msg) {
  const sizes = msg.photo;
  const biggest = sizes[sizes.length - 1];
  const shown = sizes.find((s) => (s.width || 0) >= 640) || biggest;
  let w = biggest.width || 320;
  let ht = biggest.height || 240;
  const scale = Math.min(1, 340 / w, 380 / ht);
  w = Math.max(120, Math.round(w * scale));
  ht = Math.max(80, Math.round(ht * scale));
  const img = h("img", {
    src: api.fileUrl(shown.file_id),
    alt: msg.caption ? `Photo: ${msg.caption.slice(0, 80)}` : "Photo",
    width: w,
    height: ht,
    decoding: "async",
  });
  img.addEventListener(
    "load",
    () => {
      if (state.stuckToBottom) scrollToBottom();
    },
    { once: true },
  );
  img.addEventListener("error", () => img.closest(".photo")?.classList.add("broken"), {
    once: true,
  });
  return h(
    "button",
    {
      type: "button",
      class: "photo",
      style: { "--w": `${w}px`, "aspect-ratio": `${w} / ${ht}` },
      "aria-label": "Open the photo full size",
      onclick: () => openLightbox(api.fileUrl(biggest.file_id)),
    },
    img,
  );
}

function stickerNode(sticker) {
  if (sticker.is_video) {
    return h("video", {
      class: "sticker",
      src: api.fileUrl(sticker.file_id),
      autoplay: true,
      loop: true,
      muted: true,
      playsinline: true,
      "aria-label": `Sticker ${sticker.emoji || ""}`,
    });
  }
  if (sticker.is_animated) {
    return h(
      "span",
      { class: "sticker-emoji", role: "img", "aria-label": `Sticker ${sticker.emoji || ""}` },
      sticker.emoji || "🙂",
    );
  }
  const img = h("img", {
    class: "sticker",
    src: api.fileUrl(sticker.file_id),
    alt: `Sticker ${sticker.emoji || ""}`,
    width: 160,
    height: 160,
  });
  img.addEventListener(
    "error",
    () =>
      img.replaceWith(
        h(
          "span",
          { class: "sticker-emoji", role: "img", "aria-label": "Sticker" },
          sticker.emoji || "🙂",
        ),
      ),
    { once: true },
  );
  return img;
}

function videoNode(video, isAnimation) {
  return h("video", {
    class: "video",
    src: api.fileUrl(video.file_id),
    controls: !isAnimation,
    autoplay: isAnimation,
    loop: isAnimation,
    muted: isAnimation,
    playsinline: true,
    preload: "metadata",
  });
}

function documentChip(doc) {
  const name = doc.file_name || "document";
  const ext = (
    name.includes(".") ? name.split(".").pop() : (doc.mime_type || "").split("/").pop() || "file"
  ).slice(0, 4);
  const meta = [fileSize(doc.file_size), doc.mime_type].filter(Boolean).join(" · ");
  return h(
    "a",
    {
      class: "doc",
      href: api.fileUrl(doc.file_id),
      download: name,
      title: `Download ${name}`,
    },
    h(
      "span",
      { class: "doc-icon", "aria-hidden": "true" },
      h("span", { class: "doc-ext" }, ext.toUpperCase()),
      icon("download", "doc-dl"),
    ),
    h(
      "span",
      { class: "doc-text" },
      h("span", { class: "doc-name", dir: "auto" }, name),
      h("span", { class: "doc-meta" }, meta || "Download"),
    ),
  );
}

function otherContent(msg) {
  if (msg.location)
    return h(
      "div",
      { class: "text" },
      `📍 ${msg.location.latitude.toFixed(5)}, ${msg.location.longitude.toFixed(5)}`,
    );
  if (msg.contact)
    return h("div", { class: "text" }, `👤 ${fullName(msg.contact)} · ${msg.contact.phone_number}`);
  if (msg.poll) {
    return h(
      "div",
      { class: "text poll" },
      h("strong", null, `📊 ${msg.poll.question}`),
      ...msg.poll.options.map((o) => h("div", { class: "poll-option" }, `• ${o.text}`)),
    );
  }
  if (msg.dice) return h("div", { class: "sticker-emoji" }, msg.dice.emoji || "🎲");
  return null;
}

function inlineKeyboard(msg, chatId) {
  const rows = msg.reply_markup && msg.reply_markup.inline_keyboard;
  if (!rows || !rows.length) return null;
  const postable = canPost(chatId);
  const kb = h("div", { class: "ikb", role: "group", "aria-label": "Message buttons" });
  for (const row of rows) {
    const rowEl = h("div", { class: "ikb-row" });
    for (const button of row) {
      const url = button.url ? safeUrl(button.url) : null;
      if (url) {
        rowEl.append(
          h(
            "a",
            {
              class: "ikb-btn",
              href: url,
              target: "_blank",
              rel: "noopener noreferrer",
              title: url,
            },
            h("span", { class: "ikb-label" }, button.text),
            icon("link", "ikb-corner"),
          ),
        );
      } else if (button.callback_data !== undefined) {
        const el = h(
          "button",
          {
            type: "button",
            class: "ikb-btn",
            disabled: !postable,
            title: postable ? null : "Only members of this chat can press buttons",
            onclick: () => pressButton(el, msg, chatId, button.callback_data),
          },
          h("span", { class: "ikb-label" }, button.text),
        );
        rowEl.append(el);
      } else if (button.copy_text) {
        rowEl.append(
          h(
            "button",
            {
              type: "button",
              class: "ikb-btn",
              onclick: async () => {
                try {
                  await navigator.clipboard.writeText(button.copy_text.text);
                  toast("Copied to the clipboard");
                } catch {
                  toast("Couldn't copy to the clipboard", "error");
                }
              },
            },
            h("span", { class: "ikb-label" }, button.text),
          ),
        );
      } else {
        rowEl.append(
          h(
            "button",
            {
              type: "button",
              class: "ikb-btn",
              disabled: true,
              title: "This kind of button isn't supported in the sandbox",
            },
            h("span", { class: "ikb-label" }, button.text),
          ),
        );
      }
    }
    kb.append(rowEl);
  }
  return kb;
}

function renderMessages() {
  const box = $("messages");
  // The bot answers in the acting person's language: let CJK text pick the right glyph forms.
  box.lang = langTag(userById(state.me)?.language_code) || "en";
  $("chat-list").lang = box.lang;
  const view = state.open ? viewKey(state.open.chatId, state.open.threadId) : null;
  const switched = view !== `${renderedView}`;
  if (switched) {
    elementCache = new Map();
    state.stuckToBottom = true;
    state.newWhileAway = 0;
  }
  const before = { top: box.scrollTop, height: box.scrollHeight };
  const nodes = [];
  const nextCache = new Map();

  if (!state.open) {
    nodes.push(emptyState());
  } else {
    const { chatId, threadId } = state.open;
    const list = viewMessages(chatId, threadId);
    if (!list.length) nodes.push(emptyState());
    let prevDay = null;
    for (let i = 0; i < list.length; i += 1) {
      const msg = list[i];
      const day = dayKey(msg.date);
      if (day !== prevDay) {
        nodes.push(
          h(
            "div",
            { class: "day", role: "separator" },
            h("span", { class: "day-pill" }, dayLabel(msg.date)),
          ),
        );
        prevDay = day;
      }
      const prev = list[i - 1];
      const next = list[i + 1];
      const sameRun = (a, b) =>
        a &&
        b &&
        !isServiceMessage(a) &&
        !isServiceMessage(b) &&
        senderOf(a)?.id === senderOf(b)?.id &&
        Math.abs(a.date - b.date) < GROUP_GAP &&
        dayKey(a.date) === dayKey(b.date);
      const ctx = { chatId, first: !sameRun(prev, msg), last: !sameRun(msg, next) };
      const sig = `${state.me}|${canPost(chatId)}|${ctx.first}|${ctx.last}|${JSON.stringify(msg)}`;
      const cacheKey = `${chatId}:${msg.message_id}`;
      const cached = elementCache.get(cacheKey);
      const el = cached && cached.sig === sig ? cached.el : messageRow(msg, ctx);
      nextCache.set(cacheKey, { sig, el });
      nodes.push(el);
    }
    const count = list.length;
    if (!switched && count > renderedCount && !state.stuckToBottom) {
      const fresh = list
        .slice(renderedCount)
        .filter((m) => !(m.from && m.from.id === state.me)).length;
      state.newWhileAway += fresh;
    }
    renderedCount = count;
  }
  elementCache = nextCache;
  reconcile(box, nodes);
  renderedView = view;

  if (switched || state.stuckToBottom) {
    scrollToBottom();
  } else if (box.scrollHeight !== before.height) {
    box.scrollTop = before.top; // keep the reader's place
  }
  updateJumpButton();
  markSeen();
}

function emptyState() {
  const card = h("div", { class: "empty-card" });
  if (state.me === null) {
    card.append(
      h("p", { class: "empty-title" }, "Welcome to the Kefu sandbox"),
      h(
        "p",
        { class: "empty-text" },
        "Pick who you are under “Acting as”, or create a new user, then choose a conversation.",
      ),
    );
  } else if (state.open && isPrivate(state.open.chatId)) {
    card.append(
      h("span", { class: "empty-icon", "aria-hidden": "true" }, icon("bot")),
      h("p", { class: "empty-title" }, botName()),
      ...(state.noBot
        ? [
            h(
              "p",
              { class: "empty-text" },
              "No bot has connected to the sandbox yet. Start your bot with this sandbox as its Bot API server, and it will show up here.",
            ),
          ]
        : [
            h(
              "p",
              { class: "empty-text" },
              "No messages here yet. Start the bot, or just say hello.",
            ),
            h(
              "button",
              { type: "button", class: "btn btn-primary", onclick: () => sendText("/start") },
              "Start",
            ),
          ]),
    );
  } else {
    card.append(
      h("p", { class: "empty-title" }, "No messages here yet"),
      h(
        "p",
        { class: "empty-text" },
        canPost(state.open.chatId)
          ? "Be the first to write something."
          : "Nothing has been posted here.",
      ),
    );
  }
  return h("div", { class: "empty" }, card);
}

/** Make `parent`'s children exactly `nodes`, moving/reusing existing nodes (keeps scroll and focus). */
function reconcile(parent, nodes) {
  let cursor = parent.firstChild;
  for (const node of nodes) {
    if (cursor === node) {
      cursor = cursor.nextSibling;
      continue;
    }
    parent.insertBefore(node, cursor);
  }
  while (cursor) {
    const next = cursor.nextSibling;
    cursor.remove();
    cursor = next;
  }
}

function scrollToBottom() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
  state.stuckToBottom = true;
  state.newWhileAway = 0;
  updateJumpButton();
}

function updateJumpButton() {
  const button = $("jump-btn");
  button.hidden = state.stuckToBottom;
  const count = $("jump-count");
  count.hidden = !state.newWhileAway;
  count.textContent = String(state.newWhileAway);
}

function flashMessage(messageId) {
  const el = $("messages").querySelector(`[data-mid="${messageId}"]`);
  if (!el) {
    toast("That message isn't in this view");
    return;
  }
  el.scrollIntoView({ block: "center", behavior: "smooth" });
  el.classList.remove("flash");
  void el.offsetWidth; // restart the animation
  el.classList.add("flash");
}

// ================================================================ rendering: composer & keyboards

function renderComposer() {
  const input = $("composer-input");
  const hint = $("composer-hint");
  const form = $("composer");
  let disabledReason = null;
  let note = null;
  if (state.me === null) disabledReason = "Pick a user under “Acting as” to start chatting.";
  else if (!state.open) disabledReason = "Choose a conversation.";
  else if (!canPost(state.open.chatId)) {
    const me = userById(state.me);
    disabledReason = `${me ? fullName(me) : "This user"} isn't a member of this group, so they can only read it. Act as a member to post.`;
  } else if (!isPrivate(state.open.chatId)) {
    const entry = chatEntry(state.open.chatId);
    const topic = state.open.threadId ? findTopic(state.open.chatId, state.open.threadId) : null;
    const closed = entry.chat.is_forum && (topic ? topic.is_closed : entry.generalClosed);
    if (closed && entry.admins.has(state.me))
      note = "This topic is closed; as an admin you can still post.";
    else if (closed) disabledReason = "This topic is closed: only admins can post here.";
  }
  const disabled = Boolean(disabledReason);
  form.classList.toggle("disabled", disabled);
  for (const el of form.querySelectorAll("button, textarea")) el.disabled = disabled;
  hint.hidden = !(disabledReason || note);
  hint.textContent = disabledReason || note || "";
  hint.classList.toggle("blocking", disabled);
  form.hidden = disabled;
  $("attach-photo").disabled = disabled || Boolean(state.editing);
  $("attach-doc").disabled = disabled || Boolean(state.editing);
  if (!disabled) {
    const kb = state.keyboard;
    input.placeholder =
      (kb && kb.input_field_placeholder) ||
      (state.open.threadId
        ? `Message in ${findTopic(state.open.chatId, state.open.threadId)?.name || "topic"}`
        : "Message");
    $("send-btn").disabled = state.sending || (!input.value.trim() && !state.attachment);
  }
  renderReplyBar();
  renderAttachmentBar();
  renderReplyKeyboard(disabled);
}

function renderReplyKeyboard(disabled) {
  const box = $("reply-keyboard");
  const toggle = $("kb-toggle");
  const kb = disabled ? null : state.keyboard;
  toggle.hidden = !kb;
  if (!kb) {
    box.hidden = true;
    box.replaceChildren();
    return;
  }
  toggle.setAttribute("aria-pressed", String(!state.keyboardHidden));
  toggle.setAttribute(
    "aria-label",
    state.keyboardHidden ? "Show the bot's keyboard" : "Hide the bot's keyboard",
  );
  box.hidden = state.keyboardHidden;
  box.classList.toggle("tall", !kb.resize_keyboard);
  const sig = JSON.stringify(kb);
  if (box.dataset.sig === sig) return;
  box.dataset.sig = sig;
  box.replaceChildren(
    ...kb.keyboard.map((row) =>
      h(
        "div",
        { class: "rkb-row" },
        ...row.map((button) => {
          const label = typeof button === "string" ? button : button.text;
          return h(
            "button",
            {
              type: "button",
              class: "rkb-btn",
              dir: "auto",
              onclick: () => {
                if (kb.one_time_keyboard) {
                  state.keyboardHidden = true;
                  renderComposer();
                }
                sendText(label);
              },
            },
            label,
          );
        }),
      ),
    ),
  );
}

function renderReplyBar() {
  const bar = $("reply-bar");
  const msg = state.editing || state.replyTo;
  bar.hidden = !msg;
  if (!msg) return;
  const sender = senderOf(msg);
  $("reply-bar-icon").replaceChildren(icon(state.editing ? "edit" : "reply"));
  $("reply-bar-name").textContent = state.editing
    ? "Edit message"
    : `Reply to ${sender ? (sender.id === state.me ? "yourself" : fullName(sender)) : "message"}`;
  $("reply-bar-snippet").textContent = messageSummary(msg);
}

function renderAttachmentBar() {
  const bar = $("attachment-bar");
  const att = state.attachment;
  bar.hidden = !att;
  if (!att) return;
  const thumb = $("attachment-thumb");
  thumb.replaceChildren(
    att.kind === "photo" ? h("img", { src: att.previewUrl, alt: "" }) : icon("file"),
  );
  $("attachment-name").textContent = att.name;
  $("attachment-meta").textContent =
    `${att.kind === "photo" ? "Photo" : "Document"} · ${fileSize(att.size)} · the text becomes its caption`;
}

function startReply(msg) {
  if (state.editing) clearReply();
  state.replyTo = msg;
  renderComposer();
  $("composer-input").focus();
}

function startEdit(msg) {
  clearReply();
  clearAttachment();
  state.editing = msg;
  const input = $("composer-input");
  input.value = msg.text ?? msg.caption ?? "";
  autoGrow();
  renderComposer();
  input.focus();
  input.setSelectionRange(input.value.length, input.value.length);
}

function clearReply() {
  if (state.editing) {
    $("composer-input").value = "";
    autoGrow();
  }
  state.replyTo = null;
  state.editing = null;
}

async function saveEdit(text) {
  const msg = state.editing;
  state.sending = true;
  renderComposer();
  try {
    const result = await api.editMessage({
      from: state.me,
      chat_id: msg.chat.id,
      message_id: msg.message_id,
      text,
    });
    if (result && result.message)
      state.msgs.get(Number(msg.chat.id))?.set(msg.message_id, result.message);
    state.editing = null;
    return true;
  } catch (err) {
    toast(`Couldn't edit: ${err.message}`, "error");
    return false;
  } finally {
    state.sending = false;
    render();
  }
}

function clearAttachment() {
  if (state.attachment && state.attachment.previewUrl)
    URL.revokeObjectURL(state.attachment.previewUrl);
  state.attachment = null;
}

function readBase64(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).replace(/^data:[^,]*,/, ""));
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function attachFile(file, kind) {
  if (!file) return;
  if (file.size > 20 * 1024 * 1024) {
    toast("That file is over 20 MB, the bot API's download limit", "error");
    return;
  }
  clearAttachment();
  const base64 = await readBase64(file);
  state.attachment = {
    kind,
    name: file.name || (kind === "photo" ? "photo.png" : "file"),
    mime: file.type || "application/octet-stream",
    size: file.size,
    base64,
    previewUrl: kind === "photo" ? URL.createObjectURL(file) : null,
  };
  renderComposer();
  $("composer-input").focus();
}

async function send() {
  if (state.sending || !state.open || !canPost(state.open.chatId)) return;
  const input = $("composer-input");
  const text = input.value.replace(/\s+$/, "");
  const att = state.attachment;
  if (!text.trim() && !att) return;
  if (state.editing) {
    if (await saveEdit(text)) {
      input.value = "";
      autoGrow();
      renderComposer();
    }
    return;
  }
  const payload = { from: state.me, chat_id: state.open.chatId };
  if (att && att.kind === "photo") payload.photo = att.base64;
  if (att && att.kind === "document") {
    payload.document = { file_name: att.name, content: att.base64, mime_type: att.mime };
  }
  if (att && text.trim()) payload.caption = text;
  if (!att) payload.text = text;
  const ok = await post(payload);
  if (ok) {
    input.value = "";
    autoGrow();
    clearAttachment();
    renderComposer();
  }
}

async function sendText(text) {
  if (!state.open || !canPost(state.open.chatId)) return;
  await post({ from: state.me, chat_id: state.open.chatId, text });
}

async function post(payload) {
  const { chatId, threadId } = state.open;
  if (threadId) payload.message_thread_id = threadId;
  if (state.replyTo) payload.reply_to_message_id = state.replyTo.message_id;
  state.sending = true;
  $("composer").classList.add("sending");
  renderComposer();
  try {
    const result = await api.sendMessage(payload);
    const msg = result && result.message;
    if (msg) {
      const map = state.msgs.get(chatId) || new Map();
      map.set(msg.message_id, msg);
      state.msgs.set(chatId, map);
      state.lastId.set(chatId, Math.max(state.lastId.get(chatId) || 0, msg.message_id));
    }
    clearReply();
    state.stuckToBottom = true;
    return true;
  } catch (err) {
    toast(`Couldn't send: ${err.message}`, "error");
    return false;
  } finally {
    state.sending = false;
    $("composer").classList.remove("sending");
    render();
  }
}

async function pressButton(el, msg, chatId, data) {
  if (el.classList.contains("loading")) return;
  el.classList.add("loading");
  el.setAttribute("aria-busy", "true");
  try {
    const result = await api.pressButton({
      from: state.me,
      chat_id: chatId,
      message_id: msg.message_id,
      data,
    });
    const answer = result && result.answer;
    if (answer && answer.text) {
      if (answer.show_alert) showAlert(answer.text);
      else toast(answer.text);
    }
  } catch (err) {
    toast(`The button press failed: ${err.message}`, "error");
  } finally {
    el.classList.remove("loading");
    el.removeAttribute("aria-busy");
  }
}

function autoGrow() {
  const input = $("composer-input");
  input.style.height = "auto";
  input.style.height = `${Math.min(input.scrollHeight, 200)}px`;
}

// ================================================================ toasts & dialogs

function toast(text, kind = "info") {
  const box = $("toasts");
  const el = h(
    "div",
    { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
    text,
  );
  box.append(el);
  while (box.children.length > 3) box.firstChild.remove();
  setTimeout(
    () => {
      el.classList.add("leaving");
      setTimeout(() => el.remove(), 300);
    },
    kind === "error" ? 6000 : 3500,
  );
}

function showAlert(text) {
  $("alert-text").textContent = text;
  $("alert").showModal();
}

function openLightbox(url) {
  $("lightbox-img").src = url;
  $("lightbox-open").href = url;
  $("lightbox").showModal();
}

// ================================================================ navigation

function openChat(chatId, threadId = null) {
  chatId = Number(chatId);
  const changed =
    !state.open || state.open.chatId !== chatId || (state.open.threadId || null) !== threadId;
  state.open = { chatId, threadId };
  storage.set("open", state.open);
  if (isForum(chatId)) state.expanded.add(chatId);
  if (!canPost(chatId) && !isPrivate(chatId)) state.othersOpen = true;
  $("app").classList.add("chat-open");
  if (changed) {
    clearReply();
    resetMessageView();
    state.keyboard = null;
    render();
    Promise.all([state.msgs.has(chatId) ? null : loadMessages(chatId), loadKeyboard()])
      .then(render)
      .catch((err) => toast(`Couldn't load the chat: ${err.message}`, "error"));
  } else {
    render();
  }
  if (matchMedia("(pointer: fine)").matches && canPost(chatId)) $("composer-input").focus();
}

function render() {
  renderActing();
  renderSidebar();
  renderHeader();
  renderComposer(); // first: the keyboard and bars change how tall the message list is
  renderMessages();
}

// ================================================================ wiring

function wire() {
  $("acting-current").addEventListener("click", () => toggleUserPanel());
  $("new-user-form").addEventListener("submit", (e) => {
    e.preventDefault();
    createUser(e.currentTarget);
  });
  $("new-user").addEventListener("toggle", () => {
    if ($("new-user").open) $("new-user-form").elements.first_name.focus();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && !$("user-panel").hidden) {
      toggleUserPanel(false);
      $("acting-current").focus();
    }
  });
  document.addEventListener("click", (e) => {
    const acting = document.querySelector(".acting");
    if (!$("user-panel").hidden && !acting.contains(e.target)) toggleUserPanel(false);
  });

  $("back-btn").addEventListener("click", () => $("app").classList.remove("chat-open"));

  const botApiUrl = `${location.origin}/bot`;
  $("bot-api-url").textContent = botApiUrl;
  $("bot-api-url").setAttribute("aria-label", `Copy the Bot API server URL, ${botApiUrl}`);
  $("bot-api-url").addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(botApiUrl);
      toast("Copied: use it as your bot's base URL (the token follows it)");
    } catch {
      toast(`Your bot's base URL: ${botApiUrl}`);
    }
  });

  const input = $("composer-input");
  input.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
      e.preventDefault(); // Enter sends; Shift+Enter is a new line; IME composition is left alone
      send();
    } else if (e.key === "Escape" && (state.replyTo || state.editing || state.attachment)) {
      e.preventDefault();
      clearReply();
      clearAttachment();
      renderComposer();
    }
  });
  input.addEventListener("input", () => {
    autoGrow();
    $("send-btn").disabled = state.sending || (!input.value.trim() && !state.attachment);
  });
  input.addEventListener("paste", (e) => {
    const file = [...(e.clipboardData?.files || [])].find((f) => f.type.startsWith("image/"));
    if (file) {
      e.preventDefault();
      attachFile(file, "photo");
    }
  });
  $("composer").addEventListener("submit", (e) => {
    e.preventDefault();
    send();
  });
  $("attach-photo").addEventListener("click", () => $("photo-input").click());
  $("attach-doc").addEventListener("click", () => $("doc-input").click());
  $("photo-input").addEventListener("change", (e) => {
    attachFile(e.target.files[0], "photo");
    e.target.value = "";
  });
  $("doc-input").addEventListener("change", (e) => {
    attachFile(e.target.files[0], "document");
    e.target.value = "";
  });
  $("attachment-cancel").addEventListener("click", () => {
    clearAttachment();
    renderComposer();
    input.focus();
  });
  $("reply-cancel").addEventListener("click", () => {
    clearReply();
    renderComposer();
    input.focus();
  });
  $("kb-toggle").addEventListener("click", () => {
    state.keyboardHidden = !state.keyboardHidden;
    renderComposer();
  });

  const wrap = document.querySelector(".messages-wrap");
  wrap.addEventListener("dragover", (e) => {
    if (!state.open || !canPost(state.open.chatId)) return;
    e.preventDefault();
    wrap.classList.add("dragging");
  });
  wrap.addEventListener("dragleave", () => wrap.classList.remove("dragging"));
  wrap.addEventListener("drop", (e) => {
    wrap.classList.remove("dragging");
    const file = e.dataTransfer?.files?.[0];
    if (!file || !state.open || !canPost(state.open.chatId)) return;
    e.preventDefault();
    attachFile(file, file.type.startsWith("image/") ? "photo" : "document");
  });

  const box = $("messages");
  box.addEventListener(
    "scroll",
    () => {
      const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 48;
      if (atBottom !== state.stuckToBottom) {
        state.stuckToBottom = atBottom;
        if (atBottom) state.newWhileAway = 0;
        updateJumpButton();
      }
    },
    { passive: true },
  );
  // Keep the newest message in view when the list's box changes size (keyboard shown, window
  // resized, bars opened) while the reader was at the bottom.
  new ResizeObserver(() => {
    if (state.stuckToBottom) box.scrollTop = box.scrollHeight;
  }).observe(box);
  $("jump-btn").addEventListener("click", () => {
    box.scrollTo({ top: box.scrollHeight, behavior: "smooth" });
  });

  $("lightbox").addEventListener("click", (e) => {
    if (e.target === $("lightbox")) $("lightbox").close();
  });
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      markSeen();
      renderSidebar();
    }
  });
}

async function main() {
  wire();
  render();
  let delay = 1000;
  for (;;) {
    try {
      const first = await api.events();
      await loadEverything();
      state.seq = first.seq || 0;
      setOnline(true);
      break;
    } catch (err) {
      console.warn("sandbox load:", err);
      setOnline(false, delay);
      await sleep(delay);
      delay = Math.min(delay * 2, 15000);
    }
  }
  if (state.open && matchMedia("(min-width: 761px)").matches) $("app").classList.add("chat-open");
  render();
  if (state.me === null) {
    $("new-user").open = true; // nobody to act as yet: offer to create someone
    toggleUserPanel(true);
  }
  document.body.classList.add("ready");
  eventLoop();
}

main();

// For debugging from the console.
window.kefuSandbox = { state, api, render, ApiError };
