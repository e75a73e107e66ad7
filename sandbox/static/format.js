// Pure helpers for the web chat: DOM building, Telegram entity rendering, names, colours, times.
// Message text is only ever put into the page as text nodes (never innerHTML).

const SVG_NS = "http://www.w3.org/2000/svg";
let assetVersion = "";

export function setAssetVersion(version) {
  assetVersion = version || "";
}

/** h("div", {class: "x", onclick: fn}, child, "text", ...) -> Element. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key.startsWith("on") && typeof value === "function") {
        el.addEventListener(key.slice(2), value);
      } else if (key === "class") {
        el.className = value;
      } else if (key === "dataset") {
        Object.assign(el.dataset, value);
      } else if (key === "style" && typeof value === "object") {
        for (const [prop, v] of Object.entries(value)) el.style.setProperty(prop, v);
      } else if (value === true) {
        el.setAttribute(key, "");
      } else {
        el.setAttribute(key, String(value));
      }
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.append(child);
    else el.append(document.createTextNode(String(child)));
  }
}

/** An icon from the SVG sprite (decorative: hidden from assistive technology). */
export function icon(name, cls = "") {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("class", `icon ${cls}`.trim());
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(SVG_NS, "use");
  use.setAttribute("href", `/static/icons.svg?v=${assetVersion}#${name}`);
  svg.append(use);
  return svg;
}

// ---------------------------------------------------------------- people, colours

// Telegram's seven peer colours: avatar background and (darker) name colour.
const PEER_COLOURS = [
  ["#e17076", "#d2545c"],
  ["#faa774", "#d47b2a"],
  ["#a695e7", "#8a6fd8"],
  ["#7bc862", "#3e9f3e"],
  ["#6ec9cb", "#2a9ea1"],
  ["#65aadd", "#3a86c8"],
  ["#ee7aae", "#d0558f"],
];

export function peerColour(id) {
  const n = Math.abs(Number(id) || 0);
  return PEER_COLOURS[n % PEER_COLOURS.length];
}

export function fullName(user) {
  if (!user) return "Unknown";
  if (user.title) return user.title;
  return (
    [user.first_name, user.last_name].filter(Boolean).join(" ") || user.username || `#${user.id}`
  );
}

export function initials(name) {
  const words = String(name || "?")
    .trim()
    .split(/\s+/)
    .filter(Boolean);
  if (!words.length) return "?";
  const first = Array.from(words[0]);
  // CJK names read best as their first character alone.
  if (/[\u3000-\u9fff\uf900-\ufaff]/u.test(first[0])) return first[0];
  if (words.length < 2) return first[0].toUpperCase();
  const second = Array.from(words[words.length - 1])[0];
  const latin = /[\p{Script=Latin}\p{Script=Cyrillic}\p{Script=Greek}\d]/u;
  return (latin.test(second) ? first[0] + second : first[0]).toUpperCase();
}

/** A round avatar with initials (or an icon) in the peer's colour. */
export function avatar(id, name, { size = "md", iconName = null, cls = "" } = {}) {
  const [bg] = peerColour(id);
  const el = h("span", {
    class: `avatar avatar-${size} ${cls}`.trim(),
    "aria-hidden": "true",
    style: { "--avatar-bg": bg },
  });
  if (iconName) el.append(icon(iconName));
  else el.textContent = initials(name);
  return el;
}

export function languageLabel(code) {
  if (!code) return "";
  const c = code.toLowerCase();
  if (c === "zh-hans" || c === "zh-cn" || c === "zh-sg") return "zh-hans";
  if (c === "zh-hant" || c === "zh-tw" || c === "zh-hk") return "zh-hant";
  return c;
}

/** A BCP 47 tag for the lang attribute, so CJK text gets the right glyph forms. */
export function langTag(code) {
  const c = languageLabel(code);
  if (c === "zh-hans") return "zh-Hans";
  if (c === "zh-hant") return "zh-Hant";
  if (c === "zh") return "zh";
  return c || "";
}

export function topicColour(iconColor) {
  if (iconColor === undefined || iconColor === null) return "#6fb9f0";
  return `#${Number(iconColor).toString(16).padStart(6, "0")}`;
}

// ---------------------------------------------------------------- time

const pad = (n) => String(n).padStart(2, "0");

export function timeHM(unix) {
  const d = new Date(unix * 1000);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

export function dayKey(unix) {
  const d = new Date(unix * 1000);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

export function dayLabel(unix) {
  const d = new Date(unix * 1000);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(unix) === dayKey(today / 1000)) return "Today";
  if (dayKey(unix) === dayKey(yesterday / 1000)) return "Yesterday";
  const base = `${d.getDate()} ${MONTHS[d.getMonth()]}`;
  return d.getFullYear() === today.getFullYear() ? base : `${base} ${d.getFullYear()}`;
}

/** Sidebar time: HH:MM today, a short weekday this week, else a short date. */
export function listTime(unix) {
  const d = new Date(unix * 1000);
  const now = new Date();
  if (dayKey(unix) === dayKey(now / 1000)) return timeHM(unix);
  const ageDays = (now - d) / 86400000;
  if (ageDays < 6) return d.toLocaleDateString("en-GB", { weekday: "short" });
  return `${d.getDate()} ${MONTHS[d.getMonth()].slice(0, 3)}`;
}

export function fileSize(bytes) {
  if (bytes === undefined || bytes === null) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10240 ? 1 : 0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

// ---------------------------------------------------------------- message text

const SAFE_URL = /^(https?:|mailto:|tel:|tg:)/i;

export function safeUrl(url) {
  const u = String(url || "").trim();
  if (SAFE_URL.test(u)) return u;
  if (/^[\w.-]+\.[a-z]{2,}(\/|$)/i.test(u)) return `https://${u}`;
  return null;
}

function entityElement(entity, text, hooks) {
  switch (entity.type) {
    case "bold":
      return h("strong");
    case "italic":
      return h("em");
    case "underline":
      return h("u");
    case "strikethrough":
      return h("s");
    case "spoiler": {
      const el = h("span", {
        class: "spoiler",
        role: "button",
        tabindex: "0",
        "aria-label": "Spoiler: click to reveal",
      });
      const reveal = () => {
        el.classList.add("revealed");
        el.removeAttribute("role");
        el.removeAttribute("tabindex");
        el.removeAttribute("aria-label");
      };
      el.addEventListener("click", reveal, { once: true });
      el.addEventListener("keydown", (e) => {
        if (e.key === "Enter" || e.key === " ") {
          e.preventDefault();
          reveal();
        }
      });
      return el;
    }
    case "code":
      return h("code", { class: "code-inline" });
    case "pre":
      return h("pre", { class: "code-block", "data-language": entity.language || null });
    case "blockquote":
    case "expandable_blockquote":
      return h("blockquote", { class: "quote" });
    case "text_link": {
      const href = safeUrl(entity.url);
      return href
        ? h("a", { href, target: "_blank", rel: "noopener noreferrer", title: href })
        : h("span");
    }
    case "url": {
      const href = safeUrl(text);
      return href ? h("a", { href, target: "_blank", rel: "noopener noreferrer" }) : h("span");
    }
    case "email":
      return h("a", { href: `mailto:${text}` });
    case "phone_number":
      return h("a", { href: `tel:${text.replace(/[^\d+]/g, "")}` });
    case "mention":
    case "hashtag":
    case "cashtag":
      return h("span", { class: "mention" });
    case "text_mention":
      return h("span", { class: "mention", title: entity.user ? fullName(entity.user) : null });
    case "bot_command":
      if (hooks && hooks.onCommand) {
        return h("button", {
          type: "button",
          class: "command",
          title: `Send ${text}`,
          onclick: () => hooks.onCommand(text),
        });
      }
      return h("span", { class: "mention" });
    default:
      return null; // custom_emoji and unknown types: plain text
  }
}

/**
 * Render Bot API text + entities into `parent` as DOM nodes.
 * Offsets and lengths are in UTF-16 code units, which is exactly how JS strings index.
 * Entities nest but never partially overlap (Bot API guarantee); anything odd is clipped.
 */
export function renderEntities(parent, text, entities, hooks = null) {
  text = text || "";
  const list = (entities || [])
    .filter((e) => e && e.length > 0 && e.offset >= 0 && e.offset < text.length)
    .slice()
    .sort((a, b) => a.offset - b.offset || b.length - a.length);

  const build = (start, end, items, into) => {
    let pos = start;
    let i = 0;
    while (i < items.length) {
      const entity = items[i];
      if (entity.offset < pos) {
        i += 1; // partially overlapping: ignore
        continue;
      }
      const entityEnd = Math.min(entity.offset + entity.length, end);
      if (entity.offset > pos) into.append(document.createTextNode(text.slice(pos, entity.offset)));
      const inner = [];
      let j = i + 1;
      while (j < items.length && items[j].offset < entityEnd) {
        inner.push(items[j]);
        j += 1;
      }
      const el = entityElement(entity, text.slice(entity.offset, entityEnd), hooks);
      if (el) {
        const target = el.tagName === "PRE" ? el.appendChild(h("code")) : el;
        build(entity.offset, entityEnd, inner, target);
        into.append(el);
      } else {
        build(entity.offset, entityEnd, inner, into);
      }
      pos = entityEnd;
      i = j;
    }
    if (pos < end) into.append(document.createTextNode(text.slice(pos, end)));
  };
  build(0, text.length, list, parent);
  return parent;
}

// ---------------------------------------------------------------- summaries

/** One line describing a message, for reply quotes and the sidebar preview. */
export function messageSummary(msg) {
  if (!msg) return "";
  const text = msg.text ?? msg.caption ?? "";
  const firstLine = (s) => s.replace(/\s+/g, " ").trim();
  if (msg.photo) return text ? `🖼 ${firstLine(text)}` : "Photo";
  if (msg.document)
    return `📄 ${msg.document.file_name || "Document"}${text ? ` · ${firstLine(text)}` : ""}`;
  if (msg.sticker) return `${msg.sticker.emoji || ""} Sticker`.trim();
  if (msg.forum_topic_created) return `Topic “${msg.forum_topic_created.name}” created`;
  if (msg.forum_topic_closed) return "Topic closed";
  if (msg.forum_topic_reopened) return "Topic reopened";
  if (msg.forum_topic_edited) return "Topic edited";
  if (text) return firstLine(text);
  for (const kind of [
    "video",
    "animation",
    "audio",
    "voice",
    "video_note",
    "location",
    "contact",
    "poll",
    "venue",
    "dice",
  ]) {
    if (msg[kind]) return kind.replace("_", " ").replace(/^./, (c) => c.toUpperCase());
  }
  return "Message";
}

export function isServiceMessage(msg) {
  return Boolean(
    msg.forum_topic_created ||
    msg.forum_topic_closed ||
    msg.forum_topic_reopened ||
    msg.forum_topic_edited ||
    msg.new_chat_members ||
    msg.left_chat_member ||
    msg.new_chat_title ||
    msg.group_chat_created ||
    msg.supergroup_chat_created ||
    msg.pinned_message ||
    msg.general_forum_topic_hidden ||
    msg.general_forum_topic_unhidden,
  );
}

/** The grey centred line for a service message. */
export function serviceText(msg) {
  const who = msg.from ? fullName(msg.from) : "Someone";
  if (msg.forum_topic_created) return `${who} created the topic “${msg.forum_topic_created.name}”`;
  if (msg.forum_topic_closed) return `${who} closed the topic`;
  if (msg.forum_topic_reopened) return `${who} reopened the topic`;
  if (msg.forum_topic_edited) {
    const name = msg.forum_topic_edited.name;
    return name ? `${who} renamed the topic to “${name}”` : `${who} edited the topic`;
  }
  if (msg.new_chat_members) {
    const names = msg.new_chat_members.map(fullName).join(", ");
    return msg.from && msg.new_chat_members.some((u) => u.id === msg.from.id)
      ? `${names} joined the group`
      : `${who} added ${names}`;
  }
  if (msg.left_chat_member) return `${fullName(msg.left_chat_member)} left the group`;
  if (msg.new_chat_title) return `${who} changed the group name to “${msg.new_chat_title}”`;
  if (msg.group_chat_created || msg.supergroup_chat_created) return `${who} created the group`;
  if (msg.pinned_message) return `${who} pinned “${messageSummary(msg.pinned_message)}”`;
  if (msg.general_forum_topic_hidden) return "The General topic was hidden";
  if (msg.general_forum_topic_unhidden) return "The General topic was unhidden";
  return messageSummary(msg);
}
