// calc serve, the login form: the token is posted to /login, which sets the pages' cookie
// (HttpOnly: no script reads it); the API takes the token only as a Bearer header (SPEC §9), so
// the pages keep it for this browser tab (sessionStorage, gone when the tab closes) and send it
// with their API requests.
'use strict';

(() => {
  const form = document.querySelector('form.login');
  if (!form) return;
  const TRIED = 'calc-login-tried';
  // Back on the form after posting it: the token was not the server's.
  let tried = null;
  try { tried = sessionStorage.getItem(TRIED); sessionStorage.removeItem(TRIED); } catch (_) { /* no storage */ }
  if (tried) {
    const p = document.getElementById('login-status');
    p.textContent = CALC.t('令牌不正确，请重新输入。', 'That token is not the right one: please enter it again.');
    p.classList.add('bad');
  }
  form.addEventListener('submit', () => {
    const token = document.getElementById('token').value.trim();
    try {
      sessionStorage.setItem(CALC.TOKEN_KEY, token);
      sessionStorage.setItem(TRIED, '1');
    } catch (_) { /* storage refused: the API will ask */ }
  });
})();
