// The playground's page: draws what the app sent (Block Kit, mrkdwn) and tells the server what the
// person did. Data only ever reaches the page as text nodes (textContent), never as HTML.
"use strict";

const EMOJI = {
  warning: "\u26A0\uFE0F", white_check_mark: "\u2705", red_circle: "\uD83D\uDD34",
  large_yellow_circle: "\uD83D\uDFE1", large_green_circle: "\uD83D\uDFE2", zzz: "\uD83D\uDCA4",
  tada: "\uD83C\uDF89", chart_with_downwards_trend: "\uD83D\uDCC9", chart_with_upwards_trend: "\uD83D\uDCC8",
  clipboard: "\uD83D\uDCCB", hourglass_flowing_sand: "\u23F3", fast_forward: "\u23E9",
  arrows_counterclockwise: "\uD83D\uDD04", umbrella_with_rain_drops: "\u2614", calendar: "\uD83D\uDCC6",
  bell: "\uD83D\uDD14", telephone_receiver: "\uD83D\uDCDE", memo: "\uD83D\uDCDD", eyes: "\uD83D\uDC40",
  x: "\u274C", heavy_check_mark: "\u2714\uFE0F", information_source: "\u2139\uFE0F", bulb: "\uD83D\uDCA1",
};
const ENTITIES = { "&lt;": "<", "&gt;": ">", "&amp;": "&" };

const ui = {
  viewer: null, channel: null, tab: "messages", version: -1, state: null, poll: null, modalKey: null,
};

// --- DOM helpers: text only -------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function unescapeOnce(text) {
  return text.replace(/&(lt|gt|amp);/g, (m) => ENTITIES[m]);
}

function emojify(text) {
  return text.replace(/:([a-z0-9_+-]+):/g, (m, name) => EMOJI[name] || m);
}

function person(id) {
  const found = (ui.state ? ui.state.people : []).find((p) => p.id === id);
  return found ? found.name : id;
}

function channelName(id) {
  const found = (ui.state ? ui.state.channels : []).find((c) => c.id === id);
  return found ? found.name : id;
}

// --- mrkdwn, as Slack renders it ----------------------------------------------------------------------

function angle(inner) {
  // <@U123>, <@U123|name>, <#C123|name>, <!here>, <!date^…|fallback>, <https://…|label>, <mailto:…>
  const bar = inner.indexOf("|");
  const target = bar >= 0 ? inner.slice(0, bar) : inner;
  const label = bar >= 0 ? unescapeOnce(inner.slice(bar + 1)) : null;
  if (target.startsWith("@")) return el("span", { class: "mention" }, "@" + (label || person(target.slice(1))));
  if (target.startsWith("#")) return el("span", { class: "mention" }, "#" + (label || channelName(target.slice(1))));
  if (target.startsWith("!subteam^")) return el("span", { class: "mention" }, label || "@group");
  if (target.startsWith("!date^")) return document.createTextNode(label || "");
  if (target.startsWith("!")) return el("span", { class: "mention" }, "@" + target.slice(1));
  const href = unescapeOnce(target);
  if (/^(https?:|mailto:)/i.test(href)) {
    return el("a", { href: href, target: "_blank", rel: "noopener noreferrer" }, label || href);
  }
  return document.createTextNode(unescapeOnce("<" + inner + ">"));
}

const INLINE = /<([^<>\n]+)>|`([^`\n]+)`|(?<![\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])|(?<![\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])|(?<![\w~])~(?=\S)([^~\n]*?\S)~(?![\w~])/g;

function inline(text, out) {
  let at = 0;
  for (const match of text.matchAll(INLINE)) {
    if (match.index > at) out.append(emojify(unescapeOnce(text.slice(at, match.index))));
    if (match[1] !== undefined) out.append(angle(match[1]));
    else if (match[2] !== undefined) out.append(el("code", {}, unescapeOnce(match[2])));
    else {
      const tag = match[3] !== undefined ? "b" : match[4] !== undefined ? "i" : "s";
      const node = el(tag, {});
      inline(match[3] ?? match[4] ?? match[5], node);
      out.append(node);
    }
    at = match.index + match[0].length;
  }
  if (at < text.length) out.append(emojify(unescapeOnce(text.slice(at))));
}

function lines(text, out) {
  // Lines starting with ">" (a literal one: data's is escaped as &gt;) are a quote.
  const rows = text.split("\n");
  let quote = null;
  rows.forEach((row, index) => {
    const quoted = row.startsWith(">");
    if (quoted) {
      if (!quote) { quote = el("blockquote", {}); out.append(quote); } else quote.append("\n");
      inline(row.replace(/^> ?/, ""), quote);
      return;
    }
    quote = null;
    inline(row, out);
    if (index < rows.length - 1 && !(rows[index + 1] || "").startsWith(">")) out.append("\n");
  });
}

function mrkdwn(text) {
  const out = el("div", { class: "mrkdwn" });
  const parts = String(text || "").split("```");
  parts.forEach((part, index) => {
    if (index % 2 === 1 && index < parts.length - 1) out.append(el("pre", {}, unescapeOnce(part.replace(/^\n/, ""))));
    else lines(index % 2 === 1 ? "```" + part : part, out);
  });
  return out;
}

function textObject(object) {
  if (!object) return el("span", {});
  if (object.type === "mrkdwn") return mrkdwn(object.text);
  const text = object.emoji === false ? object.text : emojify(object.text || "");
  return el("span", { class: "plain" }, text);
}

function plainText(object) {
  if (!object) return "";
  return object.emoji === false ? object.text || "" : emojify(object.text || "");
}

// --- Block Kit ----------------------------------------------------------------------------------------

function buttonNode(element, where, blockId) {
  const style = element.style === "primary" ? " primary" : element.style === "danger" ? " danger" : "";
  return el("button", {
    type: "button", class: "button" + style,
    onclick: (event) => press(event.currentTarget, element, where, blockId),
  }, plainText(element.text));
}

function elementNode(element, where, blockId) {
  if (element.type === "button") return buttonNode(element, where, blockId);
  if (element.type === "image") return el("img", { src: element.image_url, alt: element.alt_text || "" });
  if (element.type === "mrkdwn" || element.type === "plain_text") return textObject(element);
  if (element.type === "overflow" || element.type === "static_select") {
    const select = el("select", { "aria-label": plainText(element.placeholder) || "Options" });
    select.append(el("option", { value: "" }, plainText(element.placeholder) || "…"));
    for (const option of element.options || []) select.append(el("option", { value: option.value }, plainText(option.text)));
    return select;
  }
  return el("span", { class: "hint" }, "[" + element.type + "]");
}

function blockNode(block, where) {
  const id = block.block_id;
  switch (block.type) {
    case "header":
      return el("div", { class: "block header-block", role: "heading", "aria-level": "3" }, plainText(block.text));
    case "section": {
      const main = el("div", { class: "section-main" }, block.text ? textObject(block.text) : null);
      if (block.fields) main.append(el("div", { class: "section-fields" }, block.fields.map(textObject)));
      const node = el("div", { class: "block section-block" }, main);
      if (block.accessory) node.append(el("div", { class: "accessory" }, elementNode(block.accessory, where, id)));
      return node;
    }
    case "context":
      return el("div", { class: "block context-block" }, (block.elements || []).map((e) => elementNode(e, where, id)));
    case "divider":
      return el("hr", { class: "block divider-block" });
    case "actions":
      return el("div", { class: "block actions-block", role: "group" }, (block.elements || []).map((e) => elementNode(e, where, id)));
    case "image":
      return el("div", { class: "block image-block" }, el("img", { src: block.image_url, alt: block.alt_text || "" }));
    case "input":
      return inputNode(block);
    default:
      return el("div", { class: "block hint" }, "[" + block.type + " block]");
  }
}

function blocksNode(blocks, where, fallback) {
  const node = el("div", { class: "blocks" });
  if (!blocks || !blocks.length) node.append(mrkdwn(fallback || ""));
  for (const block of blocks || []) {
    const drawn = blockNode(block, where);
    if (block.block_id) drawn.setAttribute("data-block-id", block.block_id);
    node.append(drawn);
  }
  return node;
}

// --- inputs in modals ---------------------------------------------------------------------------------

let fieldCount = 0;

function inputNode(block) {
  const element = block.element || {};
  const fieldId = "field-" + (++fieldCount);
  const label = [plainText(block.label), block.optional ? el("span", { class: "optional" }, " (optional)") : null];
  const wrap = el("div", { class: "block input-block", "data-block-id": block.block_id, "data-action-id": element.action_id, "data-type": element.type });
  const hintId = fieldId + "-hint";
  const errorId = fieldId + "-error";
  const described = [block.hint ? hintId : null, errorId].filter(Boolean).join(" ");
  if (element.type === "checkboxes" || element.type === "radio_buttons") {
    const kind = element.type === "checkboxes" ? "checkbox" : "radio";
    const set = el("fieldset", { "aria-describedby": described }, el("legend", {}, label));
    (element.options || []).forEach((option, index) => {
      const initial = (element.initial_options || []).some((o) => o.value === option.value) ||
        (element.initial_option && element.initial_option.value === option.value);
      const box = el("input", { type: kind, id: fieldId + "-" + index, name: fieldId, value: option.value, checked: initial });
      set.append(el("label", { class: "choice", for: fieldId + "-" + index }, box, plainText(option.text)));
    });
    wrap.append(set);
  } else {
    wrap.append(el("label", { for: fieldId }, label));
    let control;
    if (element.type === "plain_text_input" && element.multiline) {
      control = el("textarea", { id: fieldId });
      control.value = element.initial_value || "";
    } else if (element.type === "static_select") {
      control = el("select", { id: fieldId }, el("option", { value: "" }, plainText(element.placeholder) || "Choose…"));
      for (const option of element.options || []) {
        control.append(el("option", { value: option.value, selected: element.initial_option && element.initial_option.value === option.value }, plainText(option.text)));
      }
    } else if (element.type === "datepicker") {
      control = el("input", { id: fieldId, type: "date" });
      control.value = element.initial_date || "";
    } else if (element.type === "number_input") {
      control = el("input", { id: fieldId, type: "number" });
      control.value = element.initial_value || "";
    } else {
      control = el("input", { id: fieldId, type: "text", maxlength: element.max_length || null });
      control.value = element.initial_value || "";
    }
    if (element.placeholder) control.setAttribute("placeholder", plainText(element.placeholder));
    if (!block.optional) control.setAttribute("aria-required", "true");
    control.setAttribute("aria-describedby", described);
    wrap.append(control);
  }
  if (block.hint) wrap.append(el("div", { class: "hint", id: hintId }, plainText(block.hint)));
  wrap.append(el("div", { class: "field-error", id: errorId }));
  return wrap;
}

function optionOf(element, value) {
  return (element.options || []).find((o) => o.value === value) || null;
}

function valuesOf(container, blocks) {
  const values = {};
  for (const wrap of container.querySelectorAll(".input-block")) {
    const block = blocks.find((b) => b.block_id === wrap.dataset.blockId);
    if (!block) continue;
    const element = block.element || {};
    const type = element.type;
    let value;
    if (type === "checkboxes") {
      const picked = [...wrap.querySelectorAll("input:checked")].map((box) => optionOf(element, box.value)).filter(Boolean);
      value = { type, selected_options: picked };
    } else if (type === "radio_buttons") {
      const box = wrap.querySelector("input:checked");
      value = { type, selected_option: box ? optionOf(element, box.value) : null };
    } else if (type === "static_select") {
      const chosen = wrap.querySelector("select").value;
      value = { type, selected_option: chosen ? optionOf(element, chosen) : null };
    } else if (type === "datepicker") {
      value = { type, selected_date: wrap.querySelector("input").value || null };
    } else {
      const control = wrap.querySelector("input, textarea");
      value = { type, value: control.value === "" ? null : control.value };
    }
    values[block.block_id] = { [element.action_id]: value };
  }
  return values;
}

// --- talking to the server ----------------------------------------------------------------------------

function say(text) {
  document.getElementById("status").textContent = text;
}

async function ask(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ as: ui.viewer, ...body }),
  });
  let answer = {};
  try { answer = await response.json(); } catch (e) { answer = { ok: false, error: "HTTP " + response.status }; }
  if (!answer.ok) say(answer.error || "That did not work.");
  return answer;
}

async function press(button, element, where, blockId) {
  if (element.url) window.open(element.url, "_blank", "noopener");
  button.disabled = true;
  const body = { block_id: blockId, action_id: element.action_id };
  if (where.view) {
    body.view_id = where.view.id;
    const dialog = document.getElementById("modal");
    body.values = where.view.type === "modal" ? valuesOf(dialog, where.view.blocks || []) : {};
  } else {
    body.channel = where.channel;
    body.ts = where.ts;
  }
  try { await ask("/playground/click", body); } finally { button.disabled = false; }
}

// --- drawing the page ---------------------------------------------------------------------------------

function timeOf(ts) {
  const when = new Date(parseFloat(ts) * 1000);
  return when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function messageNode(post) {
  const slackbot = post.author === "Slackbot";
  const meta = el("div", { class: "meta" },
    el("strong", {}, post.author), slackbot ? null : el("span", { class: "badge" }, "APP"),
    el("time", { datetime: new Date(parseFloat(post.ts) * 1000).toISOString() }, timeOf(post.ts)),
    post.edited ? el("span", { class: "edited" }, "(edited)") : null);
  const body = el("div", { class: "message-body" }, meta);
  if (post.ephemeral) body.append(el("div", { class: "ephemeral-note" }, "Only visible to you"));
  body.append(blocksNode(post.blocks, { channel: post.channel, ts: post.ts }, post.text));
  return el("article", { class: "message" + (post.ephemeral ? " ephemeral" : ""), "data-ts": post.ts, "aria-label": "Message from " + post.author },
    el("div", { class: "avatar" + (slackbot ? " slackbot" : ""), "aria-hidden": "true" }, slackbot ? "S" : "cc"), body);
}

function viewerOptions(state) {
  const select = document.getElementById("viewing-as");
  const wanted = state.people.map((p) => p.id).join(",");
  if (select.dataset.people !== wanted) {
    select.replaceChildren(...state.people.map((p) =>
      el("option", { value: p.id }, p.name + " — " + p.role + ", " + p.team)));
    select.dataset.people = wanted;
  }
  select.value = ui.viewer;
}

function sidebar(state) {
  const list = document.getElementById("channel-list");
  const apps = document.getElementById("app-list");
  const item = (channel, label) => el("li", {}, el("button", {
    type: "button", "aria-current": channel.id === ui.channel ? "true" : "false",
    onclick: () => { ui.channel = channel.id; ui.tab = "messages"; draw(); },
  }, label));
  list.replaceChildren(...state.channels.filter((c) => c.kind === "channel").map((c) => item(c, "# " + c.name)));
  apps.replaceChildren(...state.channels.filter((c) => c.kind === "dm").map((c) => item(c, c.name)));
}

function drawMessages(state) {
  const pane = document.getElementById("messages");
  const atBottom = pane.scrollHeight - pane.scrollTop - pane.clientHeight < 40;
  const posts = state.posts[ui.channel] || [];
  if (!posts.length) {
    const dm = (state.channels.find((c) => c.id === ui.channel) || {}).kind === "dm";
    pane.replaceChildren(el("p", { class: "empty" }, dm
      ? "Nothing from csm-coach yet. Run this morning's round, or type /myload below."
      : "Nothing posted yet. Run this morning's round to see the team's post."));
  } else {
    pane.replaceChildren(...posts.map(messageNode));
  }
  if (atBottom || ui.scrollDown) { pane.scrollTop = pane.scrollHeight; ui.scrollDown = false; }
}

function drawHome(state) {
  const pane = document.getElementById("home");
  if (!state.home) {
    pane.replaceChildren(el("p", { class: "empty" }, "Opening Home…"));
    return;
  }
  pane.replaceChildren(blocksNode(state.home.view.blocks, { view: state.home.view }, ""));
}

function drawModal(state) {
  const dialog = document.getElementById("modal");
  if (!state.modal) {
    ui.modalKey = null;
    if (dialog.open) dialog.close();
    return;
  }
  const view = state.modal.view;
  const key = view.id + "|" + view.hash;
  if (ui.modalKey !== key) {
    ui.modalKey = key;
    fieldCount = 0;
    const body = el("div", { class: "modal-body" }, blocksNode(view.blocks, { view: view }, ""));
    const closeText = plainText(view.close) || "Cancel";
    const foot = el("div", { class: "modal-foot" },
      el("button", { type: "button", class: "button", onclick: () => ask("/playground/close", { view_id: view.id }) }, closeText));
    if (view.submit) {
      foot.append(el("button", { type: "submit", class: "button primary" }, plainText(view.submit)));
    }
    const form = el("form", {
      method: "dialog",
      onsubmit: (event) => {
        event.preventDefault();
        ask("/playground/submit", { view_id: view.id, values: valuesOf(dialog, view.blocks || []) });
      },
    }, el("div", { class: "modal-head" }, el("h2", { id: "modal-title" }, plainText(view.title))), body, foot);
    dialog.replaceChildren(form);
    if (!dialog.open) dialog.showModal();
  }
  const errors = state.modal.errors || {};
  for (const wrap of dialog.querySelectorAll(".input-block")) {
    wrap.querySelector(".field-error").textContent = errors[wrap.dataset.blockId] || "";
  }
  if (errors[""]) say(errors[""]);
}

function draw() {
  const state = ui.state;
  if (!state) return;
  viewerOptions(state);
  const visible = state.channels.map((c) => c.id);
  if (!visible.includes(ui.channel)) {
    const dm = state.channels.find((c) => c.kind === "dm");
    ui.channel = dm ? dm.id : visible[0];
  }
  sidebar(state);
  const channel = state.channels.find((c) => c.id === ui.channel) || { kind: "channel", name: "" };
  const isApp = channel.kind === "dm";
  document.getElementById("pane-title").textContent = isApp ? channel.name : "# " + channel.name;
  document.getElementById("tabs").hidden = !isApp;
  const onHome = isApp && ui.tab === "home";
  document.getElementById("tab-home").setAttribute("aria-selected", onHome ? "true" : "false");
  document.getElementById("tab-messages").setAttribute("aria-selected", onHome ? "false" : "true");
  document.getElementById("home").hidden = !onHome;
  document.getElementById("messages").hidden = onHome;
  document.getElementById("composer").hidden = onHome;
  if (onHome) drawHome(state); else drawMessages(state);
  drawModal(state);
}

async function poll() {
  const controller = new AbortController();
  ui.poll = controller;
  const viewer = ui.viewer;
  try {
    const query = new URLSearchParams({ as: viewer || "", since: String(ui.version) });
    const response = await fetch("/playground/state?" + query, { signal: controller.signal });
    const state = await response.json();
    if (viewer === ui.viewer) {
      ui.state = state;
      ui.viewer = state.viewer;
      ui.version = state.version;
      draw();
    }
  } catch (error) {
    if (error.name !== "AbortError") await new Promise((r) => setTimeout(r, 1000));
  }
  if (ui.poll === controller) poll();
}

function restart() {
  if (ui.poll) ui.poll.abort();
  ui.poll = null;
  ui.version = -1;
  poll();
}

function start() {
  const params = new URLSearchParams(location.search);
  ui.viewer = params.get("as");
  document.getElementById("viewing-as").addEventListener("change", (event) => {
    ui.viewer = event.target.value;
    ui.channel = null;
    ui.tab = "messages";
    say("");
    restart();
  });
  document.getElementById("composer").addEventListener("submit", async (event) => {
    event.preventDefault();
    const input = document.getElementById("command");
    const text = input.value.trim();
    if (!text) return;
    say("");
    ui.scrollDown = true;
    const answer = await ask("/playground/command", { channel: ui.channel, text: text });
    if (answer.ok) input.value = "";
  });
  document.getElementById("run-round").addEventListener("click", async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    say("Running this morning's round…");
    try {
      const answer = await ask("/playground/round", {});
      if (answer.ok) say("This morning's round: " + answer.summary);
    } finally { button.disabled = false; }
  });
  document.getElementById("tab-home").addEventListener("click", () => {
    ui.tab = "home";
    draw();
    ask("/playground/home", {});
  });
  document.getElementById("tab-messages").addEventListener("click", () => { ui.tab = "messages"; draw(); });
  document.getElementById("modal").addEventListener("cancel", (event) => {
    event.preventDefault();
    if (ui.state && ui.state.modal) ask("/playground/close", { view_id: ui.state.modal.id });
  });
  poll();
}

document.addEventListener("DOMContentLoaded", start);
