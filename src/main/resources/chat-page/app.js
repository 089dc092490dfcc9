// Parley's chat page: plain JavaScript on Parley's public API, nothing loaded from elsewhere.
// Every text from the server is put into the page as text (textContent), never as HTML.
'use strict';

const TOKEN_KEY = 'parley.token';
const GUEST_KEY = 'parley.guest'; // a guest's token, kept until a signed-in user claims its conversations
const PAGE = 30;
const HISTORY_PAGE = 50;

const $ = (id) => document.getElementById(id);

const state = {
  token: null,
  conversations: [],
  nextAfter: null,
  current: null,        // the open conversation (as the API returns it), null for a new chat
  oldestId: null,       // the oldest message shown, for "Show earlier messages"
  turn: null,           // the streamed turn in progress (see send)
  editing: null,        // the user message being edited: {node, parentId}
  searchTimer: null,
  searchSeq: 0,
};

class Problem extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || 'HTTP ' + status);
    this.status = status;
    this.problem = problem || {};
  }
}

// ---- the API ----------------------------------------------------------------------------------

function uuid() {
  if (window.crypto && crypto.randomUUID) {
    return crypto.randomUUID();
  }
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

async function problemOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch (e) {
    // not JSON: the status says enough
  }
  return new Problem(response.status, body);
}

/** One call with the user's token; an answer other than 2xx is thrown as its Problem. */
async function request(method, path, body, extraHeaders, signal) {
  const headers = { Authorization: 'Bearer ' + state.token, ...(extraHeaders || {}) };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, { method, headers, signal,
    body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    throw await problemOf(response);
  }
  return response;
}

async function api(method, path, body) {
  const response = await request(method, path, body);
  return response.status === 204 ? null : response.json();
}

// ---- small helpers ----------------------------------------------------------------------------

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text !== undefined && text !== null) {
    node.textContent = text;
  }
  return node;
}

function titleOf(conversation) {
  return conversation && conversation.title ? conversation.title : 'Untitled conversation';
}

function count(n, noun) {
  return n + ' ' + noun + (n === 1 ? '' : 's');
}

function when(iso) {
  const date = new Date(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/** The token's claims (not verified here: the server does that), or {}. */
function claimsOf(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes)) || {};
  } catch (e) {
    return {};
  }
}

function isGuest(token) {
  return claimsOf(token).anonymous === true;
}

/** An error (red), or with notice true a piece of news. */
function showBanner(message, notice) {
  const banner = $('banner');
  banner.textContent = message;
  banner.classList.toggle('notice', !!notice);
  banner.hidden = !message;
}

/** What to tell the user about a failed call: the problem's words, or that Parley was out of reach. */
function describe(error) {
  return error instanceof Problem ? error.message : 'Parley could not be reached: ' + error.message;
}

/** Shows an error from the API; a refused token signs out. */
function fail(error) {
  if (error instanceof Problem && error.status === 401) {
    signOut('Your token was refused (' + error.message + '). Sign in again.');
    return;
  }
  showBanner(describe(error));
}

// ---- signing in -------------------------------------------------------------------------------

async function signIn(token, fromStorage) {
  state.token = token;
  try {
    await loadConversations(true);
  } catch (error) {
    state.token = null;
    if (error instanceof Problem && error.status === 401) {
      localStorage.removeItem(TOKEN_KEY);
      showSignIn('This token was refused: ' + error.message);
    } else {
      $('token-input').value = token; // kept: Sign in tries again
      showSignIn(describe(error));
    }
    return;
  }
  localStorage.setItem(TOKEN_KEY, token);
  $('signin').hidden = true;
  $('app').hidden = false;
  const guest = isGuest(token);
  $('who').textContent = guest ? 'Guest' : claimsOf(token).sub || '';
  $('signout').textContent = guest ? 'Sign in' : 'Sign out';
  loadModels();
  const wanted = conversationInHash();
  if (wanted) {
    openConversation(wanted);
  } else {
    newChat();
  }
  if (!fromStorage) {
    $('message-input').focus();
  }
  if (!guest) {
    claimGuest();
  }
}

/** A guest token kept from before: a new one only when there is none, so the guest's conversations stay. */
async function signInAsGuest() {
  let token = localStorage.getItem(GUEST_KEY);
  if (!token) {
    try {
      const response = await fetch('/v1/auth/anonymous', { method: 'POST' });
      if (!response.ok) {
        throw await problemOf(response);
      }
      token = (await response.json()).token;
      localStorage.setItem(GUEST_KEY, token);
    } catch (error) {
      showSignIn(describe(error));
      return;
    }
  }
  signIn(token, false);
}

/** Moves what this browser wrote as a guest to the signed-in user (POST /v1/users/me/claim). */
async function claimGuest() {
  const guest = localStorage.getItem(GUEST_KEY);
  if (!guest) {
    return;
  }
  try {
    const claim = await api('POST', '/v1/users/me/claim', { anonymous_token: guest });
    localStorage.removeItem(GUEST_KEY);
    if (claim.conversations_moved > 0) {
      await loadConversations(true);
      showBanner(count(claim.conversations_moved, 'conversation') + ' from your guest visit '
        + (claim.conversations_moved === 1 ? 'is' : 'are') + ' now in your account.', true);
    }
  } catch (error) {
    if (error instanceof Problem && (error.status === 409 || error.status === 422)) {
      localStorage.removeItem(GUEST_KEY); // another user's, or expired: nothing to move here
      showBanner('Your guest conversations could not be moved: ' + error.message);
    } else {
      fail(error); // kept: the next sign-in tries again
    }
  }
}

function showSignIn(message) {
  $('app').hidden = true;
  $('signin').hidden = false;
  const error = $('signin-error');
  error.textContent = message || '';
  error.hidden = !message;
  $('token-input').focus();
}

function signOut(message) {
  stopTurnLocally();
  state.token = null;
  state.current = null;
  state.conversations = [];
  localStorage.removeItem(TOKEN_KEY);
  $('token-input').value = '';
  history.replaceState(null, '', '#');
  showSignIn(message);
}

// ---- the conversation list --------------------------------------------------------------------

async function loadConversations(reset) {
  const after = reset ? '' : '&after=' + encodeURIComponent(state.nextAfter);
  const page = await api('GET', '/v1/conversations?limit=' + PAGE + after);
  state.conversations = reset ? page.data : state.conversations.concat(page.data);
  state.nextAfter = page.has_more ? page.last_id : null;
  renderConversations();
}

function renderConversations() {
  const list = $('conversations');
  list.replaceChildren();
  for (const conversation of state.conversations) {
    const item = el('a', 'item');
    item.href = '#c=' + conversation.id;
    item.dataset.id = conversation.id;
    if (state.current && state.current.id === conversation.id) {
      item.classList.add('active');
      item.setAttribute('aria-current', 'page');
    }
    item.append(el('span', 'item-title', titleOf(conversation)),
      el('span', 'item-meta', when(conversation.updated_at) + ' · ' + count(conversation.message_count, 'message')));
    list.append(item);
  }
  if (state.conversations.length === 0) {
    list.append(el('p', 'muted small pad', 'No conversations yet.'));
  }
  $('more-conversations').hidden = !state.nextAfter || !$('search-results').hidden;
}

/** Puts the open conversation first in the list (it has the newest activity). */
function bumpCurrent() {
  if (!state.current) {
    return;
  }
  state.conversations = [state.current].concat(state.conversations.filter((c) => c.id !== state.current.id));
  renderConversations();
}

// ---- search -----------------------------------------------------------------------------------

/** A search snippet marks matches with <mark>…</mark>; everything else is text to escape. */
function snippetNode(snippet) {
  const node = el('span', 'snippet');
  const parts = snippet.split(/(<mark>|<\/mark>)/);
  let marked = false;
  for (const part of parts) {
    if (part === '<mark>') {
      marked = true;
    } else if (part === '</mark>') {
      marked = false;
    } else if (part) {
      node.append(marked ? el('mark', null, part) : document.createTextNode(part));
    }
  }
  return node;
}

async function search(query) {
  const seq = ++state.searchSeq;
  const results = $('search-results');
  if (!query) {
    results.hidden = true;
    $('conversations').hidden = false;
    renderConversations();
    return;
  }
  try {
    const page = await api('GET', '/v1/search?limit=20&q=' + encodeURIComponent(query));
    if (seq !== state.searchSeq) {
      return;
    }
    results.replaceChildren();
    for (const hit of page.data) {
      const item = el('a', 'item hit');
      item.href = '#c=' + hit.conversation_id;
      item.dataset.id = hit.conversation_id;
      item.dataset.message = hit.message_id;
      item.append(el('span', 'item-title', titleOf({ title: hit.conversation_title })),
        snippetNode(hit.snippet), el('span', 'item-meta', hit.role + ' · ' + when(hit.created_at)));
      results.append(item);
    }
    if (page.data.length === 0) {
      results.append(el('p', 'muted small pad', 'No messages match.'));
    }
    results.hidden = false;
    $('conversations').hidden = true;
    $('more-conversations').hidden = true;
  } catch (error) {
    fail(error);
  }
}

// ---- a conversation ---------------------------------------------------------------------------

function conversationInHash() {
  const match = /^#c=([0-9a-fA-F-]{36})$/.exec(location.hash);
  return match ? match[1] : null;
}

function newChat() {
  if (state.turn) {
    return;
  }
  state.current = null;
  state.oldestId = null;
  cancelEdit();
  history.replaceState(null, '', '#');
  $('messages').replaceChildren();
  $('earlier').hidden = true;
  showBanner('');
  renderHeader();
  renderConversations();
  closeContext();
  $('message-input').focus();
}

async function openConversation(id, messageId) {
  if (state.turn) {
    return;
  }
  showBanner('');
  try {
    const [conversation, page] = await Promise.all([
      api('GET', '/v1/conversations/' + id),
      api('GET', '/v1/conversations/' + id + '/messages?order=desc&limit=' + HISTORY_PAGE),
    ]);
    state.current = conversation;
    cancelEdit();
    history.replaceState(null, '', '#c=' + id);
    $('messages').replaceChildren();
    const oldestFirst = page.data.slice().reverse();
    oldestFirst.forEach((m) => $('messages').append(messageNode(m)));
    state.oldestId = oldestFirst.length ? oldestFirst[0].id : null;
    $('earlier').hidden = !page.has_more;
    renderHeader();
    renderConversations();
    const target = messageId && document.querySelector('[data-message-id="' + messageId + '"]');
    if (target) {
      target.classList.add('found');
      target.scrollIntoView({ block: 'center' });
    } else {
      scrollToEnd();
    }
    if (!$('context-panel').hidden) {
      refreshContext();
    }
  } catch (error) {
    if (error instanceof Problem && error.status === 404) {
      state.conversations = state.conversations.filter((c) => c.id !== id);
      newChat();
      showBanner('That conversation does not exist (any more).');
      return;
    }
    fail(error);
  }
}

async function loadEarlier() {
  if (!state.current || !state.oldestId) {
    return;
  }
  try {
    const page = await api('GET', '/v1/conversations/' + state.current.id + '/messages?order=desc&limit='
      + HISTORY_PAGE + '&after=' + state.oldestId);
    const list = $('messages');
    const before = list.firstChild;
    for (const m of page.data.slice().reverse()) {
      list.insertBefore(messageNode(m), before);
    }
    if (page.data.length) {
      state.oldestId = page.data[page.data.length - 1].id;
    }
    $('earlier').hidden = !page.has_more;
  } catch (error) {
    fail(error);
  }
}

function renderHeader() {
  const conversation = state.current;
  $('conversation-title').textContent = conversation ? titleOf(conversation) : 'New chat';
  $('conversation-meta').textContent = conversation
    ? count(conversation.message_count, 'message') + ' · ' + count(conversation.total_tokens, 'token')
    : '';
  for (const id of ['rename', 'toggle-context', 'delete']) {
    $(id).disabled = !conversation || !!state.turn;
  }
  $('empty').hidden = $('messages').childElementCount > 0;
  $('regenerate').hidden = !!state.turn || !conversation || !lastAnswerNode();
  renderEditButton();
}

/** An Edit button on the last user message that follows another message (an edit branches off that one). */
function renderEditButton() {
  document.querySelectorAll('#messages .edit').forEach((b) => b.remove());
  if (state.turn || !state.current) {
    return;
  }
  const users = document.querySelectorAll('#messages .message.user[data-message-id]');
  const last = users[users.length - 1];
  const parent = last && last.previousElementSibling;
  if (!parent || !parent.dataset.messageId) {
    return;
  }
  const button = el('button', 'link edit', 'Edit');
  button.type = 'button';
  button.addEventListener('click', () => startEdit(last, parent.dataset.messageId));
  last.querySelector('.message-meta').append(button);
}

function startEdit(node, parentId) {
  state.editing = { node, parentId };
  $('message-input').value = node.querySelector('.content').textContent;
  $('editing').hidden = false;
  $('message-input').focus();
}

function cancelEdit() {
  state.editing = null;
  $('editing').hidden = true;
}

function messageNode(message) {
  const node = el('article', 'message ' + message.role);
  if (message.id) {
    node.dataset.messageId = message.id;
  }
  const meta = el('header', 'message-meta');
  meta.append(el('span', 'role', message.role === 'assistant' ? (message.model || 'assistant') : message.role));
  if (message.token_count !== undefined) {
    meta.append(el('span', 'tokens', count(message.token_count, 'token')));
  }
  if (message.status === 'interrupted') {
    meta.append(el('span', 'badge', 'stopped'));
  }
  node.append(meta, rendered(message.content || ''));
  for (const call of message.tool_calls || []) {
    node.append(el('pre', 'tool-call', 'calls ' + call.function.name + '(' + call.function.arguments + ')'));
  }
  return node;
}

/**
 * A message's text with the bits of Markdown that answers lean on most: fenced code blocks,
 * `inline code` and **bold**. Built from text nodes only; anything else stays as written.
 */
function rendered(text) {
  const content = el('div', 'content');
  const blocks = text.split(/^```[^\n]*\n?/m);
  blocks.forEach((block, i) => {
    if (i % 2 === 1) {
      const pre = el('pre', 'code');
      pre.append(el('code', null, block.replace(/\n$/, '')));
      content.append(pre);
    } else {
      inline(content, block);
    }
  });
  return content;
}

function inline(parent, text) {
  const pieces = text.split(/(`[^`\n]+`|\*\*[^*\n]+\*\*)/);
  for (const piece of pieces) {
    if (/^`[^`]+`$/.test(piece)) {
      parent.append(el('code', null, piece.slice(1, -1)));
    } else if (/^\*\*[^*]+\*\*$/.test(piece)) {
      parent.append(el('strong', null, piece.slice(2, -2)));
    } else if (piece) {
      parent.append(document.createTextNode(piece));
    }
  }
}

function scrollToEnd() {
  const transcript = $('transcript');
  transcript.scrollTop = transcript.scrollHeight;
}

// ---- a chat turn, streamed --------------------------------------------------------------------

/** Reads Server-Sent Events from a fetch response, calling onEvent(name, data, id) for each. */
async function readEvents(response, onEvent) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) {
      return;
    }
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
      let name = 'message';
      let id = null;
      const data = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith(':')) {
          continue;
        }
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') {
          name = text;
        } else if (field === 'id') {
          id = text;
        } else if (field === 'data') {
          data.push(text);
        }
      }
      if (data.length) {
        onEvent(name, JSON.parse(data.join('\n')), id);
      }
    }
  }
}

async function send(text) {
  if (state.turn || !text.trim()) {
    return;
  }
  const body = { message: text };
  if (state.current) {
    body.conversation_id = state.current.id;
  }
  // An edit goes on after the edited message's parent on a branch of its own: what followed leaves the page.
  const editing = state.editing;
  const replaced = [];
  if (editing) {
    body.parent_id = editing.parentId;
    for (let node = editing.node; node; node = node.nextElementSibling) {
      replaced.push(node);
    }
    replaced.forEach((node) => node.remove());
    cancelEdit();
  }
  let userNode = messageNode({ role: 'user', content: text });
  $('messages').append(userNode);
  $('message-input').value = '';
  const stored = await streamTurn(body, (message) => {
    const node = messageNode(message);
    userNode.replaceWith(node);
    userNode = node;
  }, null);
  if (!stored) {
    // refused before anything was stored: the message goes back into the composer
    userNode.remove();
    if (!$('message-input').value) {
      $('message-input').value = text;
    }
    if (editing && editing.node.isConnected === false && state.current && state.current.id === body.conversation_id) {
      $('messages').append(...replaced);
      startEdit(editing.node, editing.parentId);
    }
    renderHeader();
  }
}

/** A new answer to the message the last answer answered (a branch of its own; the old answer stays on its branch). */
async function regenerate() {
  const last = lastAnswerNode();
  const parent = last && last.previousElementSibling;
  if (state.turn || !state.current || !parent || !parent.dataset.messageId) {
    return;
  }
  await streamTurn({ conversation_id: state.current.id, parent_id: parent.dataset.messageId }, null, last);
}

/** The transcript's last message when it is a stored answer (what Regenerate replaces), else null. */
function lastAnswerNode() {
  const last = $('messages').lastElementChild;
  return last && last.classList.contains('assistant') && last.dataset.messageId ? last : null;
}

/**
 * Runs one streamed turn of {@code body}: its answer streams into a new node (in place of
 * {@code replacing}, for a regenerate), {@code onUserMessage} gets the stored input message.
 * Returns whether anything was stored (false: refused before the turn started).
 */
async function streamTurn(body, onUserMessage, replacing) {
  showBanner('');
  body.stream = true;
  const model = $('model-select').value;
  if (model) {
    body.model = model;
  }
  const answerNode = messageNode({ role: 'assistant', model: model || 'assistant', content: '' });
  answerNode.classList.add('streaming');
  if (replacing) {
    replacing.replaceWith(answerNode);
  } else {
    $('messages').append(answerNode);
  }
  // lastEvent: the n of the last event (ids are <turn id>:<n>), to pick the turn up again after it
  const turn = { controller: new AbortController(), turnId: null, stopRequested: false, lastEvent: 0, final: null };
  state.turn = turn;
  setBusy(true);
  scrollToEnd();
  const content = answerNode.querySelector('.content');
  const onEvent = (name, data, id) => {
    const n = id ? Number(id.slice(id.lastIndexOf(':') + 1)) : NaN;
    if (Number.isInteger(n)) {
      turn.lastEvent = n;
    }
    if (name === 'turn') {
      turn.turnId = data.turn_id;
      if (onUserMessage) {
        onUserMessage(data.user_message);
      }
      if (!state.current || state.current.id !== data.conversation_id) {
        state.current = { id: data.conversation_id, title: null, message_count: 1, total_tokens: 0,
          updated_at: new Date().toISOString() };
        history.replaceState(null, '', '#c=' + data.conversation_id);
        bumpCurrent();
        renderHeader();
      }
      if (turn.stopRequested) {
        stopTurn();
      }
    } else if (name === 'delta') {
      const follow = atEnd(); // a reader who scrolled up is left where they are
      content.textContent += data.content;
      if (follow) {
        scrollToEnd();
      }
    } else if (name === 'message') {
      turn.final = data;
    } else if (name === 'error') {
      throw new Problem(data.status || 500, data);
    }
  };
  try {
    try {
      const response = await request('POST', '/v1/chat', body, { 'Idempotency-Key': uuid() }, turn.controller.signal);
      await readEvents(response, onEvent);
    } catch (error) {
      if (!turn.turnId || error instanceof Problem || error.name === 'AbortError') {
        throw error;
      }
      // the connection broke after the turn started: it goes on (or was stored) on the server
    }
    if (!turn.final) {
      await followAgain(turn, onEvent);
    }
  } catch (error) {
    if (error.name !== 'AbortError') {
      fail(error);
    }
    if (!turn.turnId && error instanceof Problem && error.status === 404 && body.conversation_id) {
      // the conversation is gone (deleted on another device): start afresh, keeping the draft
      state.conversations = state.conversations.filter((c) => c.id !== body.conversation_id);
      state.turn = null;
      newChat();
      showBanner('That conversation was deleted. Send again to start a new one.');
    }
  } finally {
    state.turn = null;
    if (turn.final && turn.final.message) {
      answerNode.replaceWith(messageNode(turn.final.message));
    } else if (!turn.turnId) {
      if (replacing) {
        answerNode.replaceWith(replacing);
      } else {
        answerNode.remove();
      }
    } else {
      answerNode.classList.remove('streaming');
      answerNode.classList.add('failed');
    }
    setBusy(false);
    await refreshCurrent();
  }
  return !!turn.turnId;
}

/**
 * Picks a streamed turn up again after a broken connection: the events after the last one seen,
 * from whichever node has them (the turn log needs Redis). Without a log (410) the answer as
 * stored ends the turn.
 */
async function followAgain(turn, onEvent) {
  for (let attempt = 1; attempt <= 5 && !turn.final; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    try {
      const response = await request('GET', '/v1/chat/turns/' + turn.turnId + '/events?after=' + turn.lastEvent,
        undefined, { Accept: 'text/event-stream' }, turn.controller.signal);
      await readEvents(response, onEvent);
    } catch (error) {
      if (error instanceof Problem && error.status === 410) {
        turn.final = { message: error.problem.message };
        return;
      }
      if (error instanceof Problem || error.name === 'AbortError') {
        throw error;
      }
      // the network again: another try
    }
  }
  if (!turn.final) {
    throw new Error('the connection was lost during the answer');
  }
}

/** Asks the node running the turn to stop it: the answer so far is stored and ends the stream. */
async function stopTurn() {
  const turn = state.turn;
  if (!turn) {
    return;
  }
  turn.stopRequested = true;
  if (!turn.turnId) {
    return; // the turn event will come with the id
  }
  try {
    await request('DELETE', '/v1/chat/turns/' + turn.turnId);
  } catch (error) {
    if (!(error instanceof Problem && error.status === 404)) { // 404: it had already ended
      fail(error);
    }
  }
}

function stopTurnLocally() {
  if (state.turn) {
    state.turn.controller.abort();
  }
}

function setBusy(busy) {
  $('stop').hidden = !busy;
  $('send').disabled = busy;
  $('new-chat').disabled = busy;
  renderHeader();
}

/** Reloads the open conversation's counters and title (the first turn names it). */
async function refreshCurrent() {
  if (!state.current) {
    return;
  }
  try {
    state.current = await api('GET', '/v1/conversations/' + state.current.id);
    renderHeader();
    bumpCurrent();
    if (!$('context-panel').hidden) {
      refreshContext();
    }
  } catch (error) {
    fail(error);
  }
}

// ---- rename and delete ------------------------------------------------------------------------

function startRename() {
  if (!state.current) {
    return;
  }
  $('conversation-title').hidden = true;
  $('rename-form').hidden = false;
  const input = $('rename-input');
  input.value = state.current.title || '';
  input.focus();
  input.select();
}

function endRename() {
  $('rename-form').hidden = true;
  $('conversation-title').hidden = false;
}

async function rename(title) {
  endRename();
  try {
    const trimmed = title.trim();
    state.current = await api('PATCH', '/v1/conversations/' + state.current.id, { title: trimmed ? trimmed : null });
    renderHeader();
    state.conversations = state.conversations.map((c) => (c.id === state.current.id ? state.current : c));
    renderConversations();
  } catch (error) {
    fail(error);
  }
}

async function deleteCurrent() {
  const id = state.current && state.current.id;
  if (!id) {
    return;
  }
  try {
    await api('DELETE', '/v1/conversations/' + id);
    state.conversations = state.conversations.filter((c) => c.id !== id);
    newChat();
  } catch (error) {
    fail(error);
  }
}

// ---- the context dry run ----------------------------------------------------------------------

function closeContext() {
  $('context-panel').hidden = true;
  $('toggle-context').setAttribute('aria-pressed', 'false');
  document.querySelectorAll('.message.not-sent, .message.sent').forEach((n) => n.classList.remove('not-sent', 'sent'));
}

async function refreshContext() {
  if (!state.current) {
    return;
  }
  const body = {};
  const draft = $('message-input').value;
  if (draft.trim()) {
    body.message = draft;
  }
  const model = $('model-select').value;
  if (model) {
    body.model = model;
  }
  try {
    const dry = await api('POST', '/v1/conversations/' + state.current.id + '/context', body);
    renderContext(dry);
  } catch (error) {
    fail(error);
  }
}

function renderContext(dry) {
  const summary = $('context-summary');
  summary.replaceChildren();
  const rows = [
    ['Model', dry.model],
    ['Strategy', dry.strategy.replace(/_/g, ' ')],
    ['Context window', dry.context_window + ' tokens'],
    ['Budget for history', dry.budget_tokens + ' tokens'],
    ['Prompt', dry.prompt_tokens + ' tokens'],
    ['Messages sent', String(dry.messages_included)],
    ['Messages left out', dry.messages_dropped + (dry.dropped_reason ? ' (' + dry.dropped_reason.replace(/_/g, ' ') + ')' : '')],
  ];
  if (dry.new_message_tokens !== null && dry.new_message_tokens !== undefined) {
    rows.splice(5, 0, ['Your draft', dry.new_message_tokens + ' tokens']);
  }
  for (const [name, value] of rows) {
    summary.append(el('dt', null, name), el('dd', null, value));
  }
  const tbody = $('context-table').querySelector('tbody');
  tbody.replaceChildren();
  const sent = new Set();
  for (const m of dry.messages || []) {
    sent.add(m.id);
    const row = el('tr');
    row.append(el('td', null, String(m.seq)), el('td', null, m.role), el('td', null, String(m.token_count)));
    tbody.append(row);
  }
  document.querySelectorAll('#messages .message[data-message-id]').forEach((node) => {
    const included = sent.has(node.dataset.messageId);
    node.classList.toggle('sent', included);
    node.classList.toggle('not-sent', !included);
  });
}

function atEnd() {
  const transcript = $('transcript');
  return transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 40;
}

function toggleContext() {
  const stayAtEnd = atEnd();
  if ($('context-panel').hidden) {
    $('context-panel').hidden = false;
    if (stayAtEnd) {
      scrollToEnd(); // the panel narrows the transcript, which grows taller
    }
    $('toggle-context').setAttribute('aria-pressed', 'true');
    refreshContext();
  } else {
    closeContext();
  }
}

async function loadModels() {
  try {
    const models = await api('GET', '/v1/models');
    const select = $('model-select');
    select.replaceChildren(el('option', null, 'default'));
    select.firstChild.value = '';
    for (const model of models.data) {
      const option = el('option', null, model.id);
      option.value = model.id;
      select.append(option);
    }
  } catch (error) {
    // the page works with the server's default model
  }
}

// ---- wiring -----------------------------------------------------------------------------------

function wire() {
  $('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const token = $('token-input').value.trim().replace(/^Bearer\s+/i, '').replace(/\s+/g, ''); // a JWT has no spaces
    if (token) {
      signIn(token, false);
    }
  });
  $('signout').addEventListener('click', () => signOut(''));
  $('guest').addEventListener('click', signInAsGuest);
  $('new-chat').addEventListener('click', newChat);
  $('more-conversations').addEventListener('click', () => loadConversations(false).catch(fail));
  for (const list of ['conversations', 'search-results']) {
    $(list).addEventListener('click', (event) => {
      const item = event.target.closest('a.item');
      if (item) {
        event.preventDefault();
        openConversation(item.dataset.id, item.dataset.message);
      }
    });
  }
  $('search-input').addEventListener('input', (event) => {
    clearTimeout(state.searchTimer);
    const query = event.target.value.trim();
    state.searchTimer = setTimeout(() => search(query), 250);
  });
  $('search-input').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      event.target.value = '';
      search('');
    }
  });
  $('composer').addEventListener('submit', (event) => {
    event.preventDefault();
    send($('message-input').value);
  });
  $('message-input').addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send($('message-input').value);
    }
  });
  $('stop').addEventListener('click', stopTurn);
  $('regenerate').addEventListener('click', regenerate);
  $('cancel-edit').addEventListener('click', () => {
    cancelEdit();
    $('message-input').value = '';
  });
  $('earlier').addEventListener('click', loadEarlier);
  $('rename').addEventListener('click', startRename);
  $('rename-form').addEventListener('submit', (event) => {
    event.preventDefault();
    rename($('rename-input').value);
  });
  $('rename-input').addEventListener('keydown', (event) => {
    if (event.key === 'Escape') {
      endRename();
    }
  });
  $('delete').addEventListener('click', () => $('confirm-delete').showModal());
  $('confirm-delete').addEventListener('close', () => {
    if ($('confirm-delete').returnValue === 'delete') {
      deleteCurrent();
    }
  });
  $('toggle-context').addEventListener('click', toggleContext);
  $('context-refresh').addEventListener('click', refreshContext);
  $('model-select').addEventListener('change', () => {
    if (!$('context-panel').hidden) {
      refreshContext();
    }
  });
  window.addEventListener('hashchange', () => {
    const id = conversationInHash();
    if (state.token && id && (!state.current || state.current.id !== id)) {
      openConversation(id);
    }
  });
}

wire();
const stored = localStorage.getItem(TOKEN_KEY);
if (stored) {
  signIn(stored, true);
} else {
  showSignIn('');
}
