// calc serve, the login form: the token is posted to /login, which sets the pages' cookie
// (HttpOnly: no script reads it); the API takes the token only as a Bearer header (SPEC §9), so
// the pages keep it for this browser tab (sessionStorage, gone when the tab closes) and send it
// with their API requests.
'use strict';

(() => {
  const form = document.querySelector('form.login');
  if (!form) return;
  form.addEventListener('submit', () => {
    const token = document.getElementById('token').value.trim();
    try { sessionStorage.setItem(CALC.TOKEN_KEY, token); } catch (_) { /* storage refused: the API will ask */ }
  });
})();
