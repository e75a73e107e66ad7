// Thin client for the sandbox's JSON control API (same origin, under config.apiBase).

export class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.body = body;
  }
}

export class Api {
  constructor(base) {
    this.base = base.replace(/\/$/, "");
  }

  url(path, params) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(params || {})) {
      if (value !== undefined && value !== null && value !== "") query.set(key, String(value));
    }
    const qs = query.toString();
    return `${this.base}${path}${qs ? `?${qs}` : ""}`;
  }

  fileUrl(fileId) {
    return `${this.base}/files/${encodeURIComponent(fileId)}`;
  }

  async request(method, path, { params, body, timeoutMs = 15000, signal } = {}) {
    const controller = new AbortController();
    const timer = setTimeout(
      () => controller.abort(new DOMException("Timed out", "TimeoutError")),
      timeoutMs,
    );
    if (signal)
      signal.addEventListener("abort", () => controller.abort(signal.reason), { once: true });
    let response;
    try {
      response = await fetch(this.url(path, params), {
        method,
        headers: body === undefined ? {} : { "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: controller.signal,
        cache: "no-store",
      });
    } finally {
      clearTimeout(timer);
    }
    const raw = await response.text();
    let data = null;
    try {
      data = raw ? JSON.parse(raw) : null;
    } catch {
      data = null;
    }
    if (!response.ok) {
      const reason =
        (data && (data.description || data.error || data.message)) ||
        raw.slice(0, 200) ||
        response.statusText;
      throw new ApiError(`${response.status}: ${reason}`, response.status, data);
    }
    return data;
  }

  get(path, params, options = {}) {
    return this.request("GET", path, { ...options, params });
  }

  post(path, body, options = {}) {
    return this.request("POST", path, { ...options, body });
  }

  // -- the endpoints --------------------------------------------------------------------

  users() {
    return this.get("/users");
  }

  createUser(user) {
    return this.post("/users", user);
  }

  chats() {
    return this.get("/chats");
  }

  async messages(chatId, after) {
    try {
      return await this.get(`/chats/${chatId}/messages`, { after });
    } catch (err) {
      // 404: a chat (or person) the sandbox doesn't know (yet); 409: no bot has connected
      // yet, so there is no private chat with it. Either way: nothing to show.
      if (err instanceof ApiError && (err.status === 404 || err.status === 409)) {
        return { messages: [], missing: err.status };
      }
      throw err;
    }
  }

  async keyboard(chatId, userId) {
    try {
      return await this.get(`/chats/${chatId}/keyboard`, { user: userId });
    } catch (err) {
      if (err instanceof ApiError && (err.status === 404 || err.status === 409)) {
        return { keyboard: null };
      }
      throw err;
    }
  }

  async bots() {
    try {
      return await this.get("/bots");
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return { bots: [] };
      throw err;
    }
  }

  async topics(chatId) {
    try {
      return await this.get(`/chats/${chatId}/topics`);
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return { topics: [] };
      throw err;
    }
  }

  sendMessage(payload) {
    return this.post("/messages", payload, { timeoutMs: 60000 });
  }

  editMessage(payload) {
    return this.post("/edits", payload);
  }

  pressButton(payload) {
    return this.post("/callbacks", payload, { timeoutMs: 30000 });
  }

  /** The change feed: without `after`, just the current sequence number (a starting point). */
  events(after, timeout = 0, signal = undefined) {
    return this.get(
      "/events",
      { after, timeout: after === undefined ? undefined : timeout },
      { timeoutMs: (timeout + 10) * 1000, signal },
    );
  }

  async demo() {
    try {
      return await this.get("/demo");
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }
  }
}
