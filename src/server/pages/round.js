// calc serve, the clerk's page: a round's spreadsheet to POST /api/batch, the output (and the
// summary, zipped with it) back as downloads, the row counts from the response's headers.
'use strict';

(() => {
  const { t, lang, el, errorText, json, status, download, fileName } = CALC;
  const form = document.getElementById('round-form');
  const statusNode = document.getElementById('round-status');
  const downloads = document.getElementById('round-downloads');
  const run = document.getElementById('round-run');

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const input = document.getElementById('round-file');
    const file = input.files && input.files[0];
    downloads.replaceChildren();
    if (!file) {
      status(statusNode, t('请选择申报表文件。', 'Choose the round file.'), 'bad');
      input.focus();
      return;
    }
    const output = document.getElementById('round-output').value;
    const summary = document.getElementById('round-summary').checked;
    const asOf = document.getElementById('round-as-of').value.trim();
    const query = new URLSearchParams({ lang, output });
    if (summary) query.set('summary', 'true');
    if (asOf) query.set('as_of', asOf);
    const body = new FormData();
    body.append('file', file, file.name);
    run.disabled = true;
    status(statusNode, t(`正在计算 ${file.name}…`, `Computing ${file.name}…`), '');
    let res;
    try {
      res = await CALC.api(`/api/batch?${query}`, { method: 'POST', body, credentials: 'same-origin' });
    } catch (err) {
      status(statusNode, `${t('无法连接服务器', 'The server cannot be reached')}: ${err}`, 'bad');
      run.disabled = false;
      return;
    }
    run.disabled = false;
    if (!res.ok) {
      const b = await json(res);
      const where = CALC.errorPlace(b && b.error);
      status(statusNode, `${file.name}${where ? ` (${where})` : ''}: ${errorText(b) || res.status}`, 'bad');
      return;
    }
    const blob = await res.blob();
    const stem = file.name.replace(/\.[^.]+$/, '');
    const fallback = summary ? `${stem}-${t('输出', 'output')}.zip` : `${stem}-${t('输出', 'output')}.${output}`;
    const name = fileName(res, fallback);
    const rows = res.headers.get('X-Calc-Rows');
    const errors = Number(res.headers.get('X-Calc-Row-Errors') || 0);
    const counts = rows === null ? '' : t(`共 ${rows} 行，${errors} 行有错误`, `${rows} rows, ${errors} with errors`);
    status(statusNode, `${t('计算完成', 'Done')}${counts ? `: ${counts}` : ''}${t('。', '.')}`, errors ? 'bad' : 'good');
    const url = URL.createObjectURL(blob);
    downloads.replaceChildren(el('a', { href: url, download: name, id: 'round-download' },
      summary ? t(`下载输出表和汇总表 (${name})`, `Download the output and the summary (${name})`)
        : t(`下载输出表 (${name})`, `Download the output (${name})`)));
    download(blob, name);
  });
})();
