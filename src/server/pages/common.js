// calc serve: what the official's and the clerk's pages share. Plain JS, nothing remote.
'use strict';

const CALC = (() => {
  const en = document.documentElement.lang === 'en';
  /** The Chinese or the English words. */
  const t = (zh, eng) => (en ? eng : zh);
  /** The language as the API takes it. */
  const lang = en ? 'en' : 'zh';

  /** A decimal string ("3932083.33") with thousands separators, never through a float. */
  function money(s) {
    if (s === undefined || s === null) return '';
    const text = String(s);
    const m = /^(-?)(\d+)(\.\d+)?$/.exec(text);
    if (!m) return text;
    return m[1] + m[2].replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (m[3] || '');
  }

  /** An element with attributes and children (strings become text, never markup). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /** The §5 JSON error of a response, in the page's language ("" when there is none). */
  function errorText(body) {
    const e = body && body.error;
    if (!e) return '';
    return (en ? e.message_en : e.message_zh) || e.message_zh || e.message_en || '';
  }

  /** Where an error is: the file, line and column it names, as a person reads them. */
  function errorPlace(e) {
    if (!e) return '';
    const parts = [];
    if (e.line) parts.push(t(`第 ${e.line} 行`, `line ${e.line}`));
    if (e.column) parts.push(t(`第 ${e.column} 列`, `column ${e.column}`));
    return parts.join(t('', ', '));
  }

  /** The JSON of a response, or null when it has none. */
  async function json(res) {
    try { return await res.json(); } catch (_) { return null; }
  }

  /** A status line: its text and its mood (good, bad or plain). */
  function status(node, text, mood) {
    node.textContent = text;
    node.classList.toggle('bad', mood === 'bad');
    node.classList.toggle('good', mood === 'good');
  }

  /** Offers bytes for download under a name. */
  function download(blob, name) {
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  /** The file name a response's Content-Disposition gives, else `fallback`. */
  function fileName(res, fallback) {
    const cd = res.headers.get('Content-Disposition') || '';
    const star = /filename\*=UTF-8''([^;]+)/i.exec(cd);
    if (star) { try { return decodeURIComponent(star[1]); } catch (_) { /* as below */ } }
    const plain = /filename="?([^";]+)"?/i.exec(cd);
    return plain ? plain[1] : fallback;
  }

  /** Where the login form keeps the token for the API's Bearer header (see login.js). */
  const TOKEN_KEY = 'calc-token';
  // A page other than the login form: a login posted from this tab succeeded.
  if (!document.querySelector('form.login')) {
    try { sessionStorage.removeItem('calc-login-tried'); } catch (_) { /* no storage */ }
  }

  /** A request to the API: with the token as a Bearer header where one was given at login;
   * an answer 401 (no token, or a wrong one) goes to the login form. */
  async function api(path, init) {
    const headers = new Headers((init && init.headers) || {});
    let token = null;
    try { token = sessionStorage.getItem(TOKEN_KEY); } catch (_) { /* no storage: no token */ }
    if (token) headers.set('Authorization', `Bearer ${token}`);
    const res = await fetch(path, { ...init, headers, credentials: 'same-origin' });
    if (res.status === 401) {
      try { sessionStorage.removeItem(TOKEN_KEY); } catch (_) { /* nothing kept */ }
      window.location.assign(en ? '/login?lang=en' : '/login');
    }
    return res;
  }

  return { en, t, lang, money, el, errorText, errorPlace, json, status, download, fileName, api, TOKEN_KEY };
})();
