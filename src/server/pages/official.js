// calc serve, the official's page: a form built from the facts schema (GET /api/schema, made
// from the rules vocabulary), each field checked by calc's own parser as it is typed (POST
// /api/evaluate), the result and the explanation (POST /api/explain), the decision sheet to
// print, a facts file in and out. No policy field is written here: they all come from the schema.
'use strict';

(() => {
  const { t, en, lang, money, el, errorText, json, status, download } = CALC;
  const form = document.getElementById('facts-form');
  const sectionsNode = document.getElementById('sections');
  const formStatus = document.getElementById('form-status');
  const printButton = document.getElementById('print');
  const resultNode = document.getElementById('result');

  /** The sections of the schema, in its order: {name, label, many, fields: [{name, ...}]}. */
  let sections = [];
  /** Inputs the official has changed or left: an error is shown at these as typed. */
  const touched = new Set();
  /** Each request's number: an answer to an older one is dropped. */
  let asked = 0;
  /** Whether the last evaluation succeeded (the decision sheet may then be printed). */
  let evaluated = false;

  /** A label in the page's language; an English one begins with a capital, as a label does. */
  const label = (node) => {
    const l = (en ? node['x-label-en'] : node['x-label']) || node['x-label'] || '';
    return en ? l.charAt(0).toUpperCase() + l.slice(1) : l;
  };
  /** A unit in the page's language (the vocabulary names it in Chinese). */
  const unitWord = (u) => (en && u === '元' ? 'yuan' : u);

  // ---- the form, from the schema ----------------------------------------------------------

  function readSchema(schema) {
    const out = [];
    for (const [name, node] of Object.entries(schema.properties || {})) {
      const many = node.type === 'array';
      const obj = many ? node.items : node;
      const required = new Set(obj.required || []);
      const fields = Object.entries(obj.properties || {}).map(([fname, f]) => ({
        name: fname,
        label: label(f),
        unit: unitWord(f['x-unit'] || ''),
        type: f['x-type'] || 'text',
        values: f['x-values'] || [],
        required: required.has(fname),
      }));
      out.push({ name, label: label(node) || label(obj), many, fields });
    }
    return out;
  }

  /** One input with its label and the place of its error. */
  function fieldNode(section, f) {
    const id = `f-${section.name}-${f.name}-${Math.random().toString(36).slice(2, 8)}`;
    let input;
    if (f.type === 'bool') {
      // Three states: unstated is not "no".
      input = el('select', { id, 'data-field': f.name, 'data-type': f.type },
        el('option', { value: '' }, t('未填', 'not stated')),
        el('option', { value: 'true' }, t('是', 'yes')),
        el('option', { value: 'false' }, t('否', 'no')));
    } else if (f.values.length) {
      input = el('select', { id, 'data-field': f.name, 'data-type': f.type },
        el('option', { value: '' }, t('未填', 'not stated')),
        f.values.map((v) => el('option', { value: v.value }, en ? v.label_en : v.label)));
    } else {
      const hint = {
        date: 'YYYY-MM-DD', year: 'YYYY', money: t('如 1200000 或 120万', 'e.g. 1200000 or 120万'),
        credit_code: t('18 位', '18 characters'),
      }[f.type];
      const mode = { money: 'decimal', year: 'numeric', integer: 'numeric', number: 'decimal' }[f.type];
      input = el('input', {
        type: 'text', id, 'data-field': f.name, 'data-type': f.type, placeholder: hint,
        inputmode: mode, autocomplete: 'off', spellcheck: 'false',
      });
    }
    const err = el('p', { class: 'err', id: `${id}-err`, 'aria-live': 'polite' });
    input.setAttribute('aria-describedby', err.id);
    if (f.required) input.setAttribute('aria-required', 'true');
    const lab = el('label', { for: id }, f.label,
      f.unit ? el('span', { class: 'unit' }, ` (${f.unit})`) : null,
      f.required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);
    return el('div', { class: 'field' }, lab, input, err);
  }

  function itemNode(section) {
    // The legend is the item's name alone ("算力服务合同 2"): a screen reader, and a test, find
    // the item's group by it.
    const legend = el('legend', { class: 'item-title' }, '');
    const remove = el('button', { type: 'button', class: 'remove' }, t('删除此项', 'Remove this item'));
    const node = el('fieldset', { class: 'item', 'data-section': section.name }, legend,
      el('div', { class: 'grid' }, section.fields.map((f) => fieldNode(section, f))),
      el('div', { class: 'item-actions' }, remove));
    remove.addEventListener('click', () => {
      node.remove();
      renumber();
      changed();
    });
    return node;
  }

  function sectionNode(section) {
    const node = el('fieldset', { class: 'section', 'data-section': section.name, 'data-many': section.many ? '1' : '' },
      el('legend', {}, section.label));
    if (!section.many) {
      node.append(el('div', { class: 'grid' }, section.fields.map((f) => fieldNode(section, f))));
      return node;
    }
    const items = el('div', { class: 'items' });
    const add = el('button', { type: 'button', class: 'add' }, t(`添加${section.label}`, `Add: ${section.label}`));
    add.addEventListener('click', () => {
      const item = itemNode(section);
      items.append(item);
      renumber();
      const first = item.querySelector('input, select');
      if (first) first.focus();
    });
    node.append(items, add);
    return node;
  }

  /** Item titles and each input's JSON Pointer, after an item is added or removed. */
  function renumber() {
    for (const sec of sectionsNode.querySelectorAll('fieldset.section')) {
      const name = sec.dataset.section;
      const section = sections.find((s) => s.name === name);
      if (!sec.dataset.many) {
        for (const input of sec.querySelectorAll('[data-field]')) {
          input.dataset.pointer = `/${name}/${input.dataset.field}`;
        }
        continue;
      }
      sec.querySelectorAll('fieldset.item').forEach((item, i) => {
        const title = `${section.label} ${i + 1}`;
        item.querySelector('.item-title').textContent = title;
        item.querySelector('button.remove').setAttribute('aria-label', `${t('删除', 'Remove')} ${title}`);
        for (const input of item.querySelectorAll('[data-field]')) {
          input.dataset.pointer = `/${name}/${i}/${input.dataset.field}`;
        }
      });
    }
  }

  // ---- the form's facts as JSON (SPEC §3 keys) --------------------------------------------

  /** One input's value as the facts JSON carries it; undefined when unstated. */
  function valueOf(input) {
    const raw = input.value.trim();
    if (raw === '') return undefined;
    switch (input.dataset.type) {
      case 'bool':
        return raw === 'true' ? true : raw === 'false' ? false : raw;
      case 'integer':
        return /^-?\d+$/.test(raw) ? Number(raw) : raw;
      case 'year':
        return /^\d{4}$/.test(raw) ? Number(raw) : raw;
      case 'number':
        return /^-?\d+(\.\d+)?$/.test(raw) && raw.replace(/\D/g, '').length <= 15 ? Number(raw) : raw;
      default:
        // Money as typed ("120万", "1,200,000"): calc's parser reads it, exactly.
        return raw;
    }
  }

  function factsOf() {
    const facts = {};
    for (const sec of sectionsNode.querySelectorAll('fieldset.section')) {
      const name = sec.dataset.section;
      const read = (scope) => {
        const o = {};
        for (const input of scope.querySelectorAll('[data-field]')) {
          const v = valueOf(input);
          if (v !== undefined) o[input.dataset.field] = v;
        }
        return o;
      };
      if (sec.dataset.many) {
        const items = [...sec.querySelectorAll('fieldset.item')].map(read);
        if (items.length) facts[name] = items;
      } else {
        const o = read(sec);
        if (Object.keys(o).length) facts[name] = o;
      }
    }
    return facts;
  }

  // ---- checking as typed --------------------------------------------------------------------

  function clearErrors() {
    for (const input of form.querySelectorAll('[aria-invalid="true"]')) input.removeAttribute('aria-invalid');
    for (const p of form.querySelectorAll('p.err')) p.textContent = '';
  }

  function inputAt(pointer) {
    if (!pointer) return null;
    for (const input of form.querySelectorAll('[data-pointer]')) {
      if (input.dataset.pointer === pointer) return input;
    }
    return null;
  }

  /** The error at its field when the official has been there, else in the status line. */
  function showError(body, force) {
    const e = body && body.error;
    const text = errorText(body);
    const input = inputAt(e && e.field);
    if (input && (force || touched.has(input))) {
      input.setAttribute('aria-invalid', 'true');
      document.getElementById(input.getAttribute('aria-describedby')).textContent = text;
      status(formStatus, t('请更正标红的一项。', 'Please correct the field marked in red.'), 'bad');
      if (force) input.focus();
    } else if (input) {
      status(formStatus, `${t('尚未填完', 'Not complete yet')}: ${text}`, '');
    } else {
      status(formStatus, text || t('计算失败', 'The calculation failed'), 'bad');
    }
  }

  let timer = 0;
  function changed() {
    clearTimeout(timer);
    timer = setTimeout(() => evaluate(false), 250);
  }

  async function post(path, facts, accept) {
    const res = await CALC.api(`${path}?lang=${lang}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: accept || 'application/json' },
      body: JSON.stringify(facts),
      credentials: 'same-origin',
    });
    return res;
  }

  async function evaluate(force) {
    const n = ++asked;
    const facts = factsOf();
    if (!facts.applicant) {
      clearErrors();
      status(formStatus, t('请先填写申报单位。', 'Start with the applicant.'), '');
      return;
    }
    let res, body;
    try {
      res = await post('/api/evaluate', facts);
      body = await json(res);
    } catch (err) {
      if (n === asked) status(formStatus, `${t('无法连接服务器', 'The server cannot be reached')}: ${err}`, 'bad');
      return;
    }
    if (n !== asked) return;
    clearErrors();
    if (!res.ok) {
      evaluated = false;
      printButton.disabled = true;
      // The figures shown are of the facts before the error: greyed until it is mended.
      resultNode.classList.add('stale');
      showError(body, force);
      return;
    }
    evaluated = true;
    printButton.disabled = false;
    resultNode.classList.remove('stale');
    status(formStatus, t('已校验，见“计算结果”。', 'Checked: see the Result.'), 'good');
    renderResult(body);
    explain(facts, n);
    earlier((body.applicant || {}).credit_code, n);
    // Asked for by the button: the result is shown (below the form on a narrow screen).
    if (force && resultNode.getBoundingClientRect().top > window.innerHeight * 0.6) {
      resultNode.scrollIntoView({ block: 'start', behavior: 'smooth' });
    }
  }

  // ---- the result ---------------------------------------------------------------------------

  const statusWord = (s) => ({
    awarded: t('核定', 'awarded'), discretionary: t('酌定', 'discretionary'),
    ineligible: t('不符合', 'ineligible'), paid: t('已兑现', 'paid'),
  }[s] || s);

  function amountOf(x) {
    if (x.status === 'discretionary' && x.ceiling !== undefined) {
      return x.floor !== undefined ? `${money(x.floor)} ~ ${money(x.ceiling)}` : `≤ ${money(x.ceiling)}`;
    }
    return money(x.amount);
  }

  /** The nodes given, without the absent ones (replaceChildren would write "null"). */
  const present = (...nodes) => nodes.filter((n) => n !== null && n !== undefined);

  /** An item's way from its facts to its figure: the computation and each step that changed
   * it (a cap that cut, a deduction, a higher item, an earlier payment), as the CLI's table. */
  function way(item) {
    return (item.steps || []).filter((s) => {
      if (s.kind === 'date_in_window' || s.kind === 'highest_chosen') return false;
      if (['annual_cap', 'item_cap', 'prior_deducted', 'limited_by_paid'].includes(s.kind) && s.before === s.after) return false;
      return true;
    }).map((s) => s.text).join(t('；', '; '));
  }

  /** A clause line above its items: which pay, how many were paid before or fail. */
  function itemsSummary(items) {
    const paying = items.filter((i) => (i.status === 'awarded' || i.status === 'discretionary')
      && !(i.steps || []).some((s) => s.kind === 'not_highest'));
    const paid = items.filter((i) => i.status === 'paid').length;
    const failing = items.filter((i) => i.status === 'ineligible').length;
    const parts = [];
    if (paying.length === 1) parts.push(t(`按 ${paying[0].id}`, `${paying[0].id} paid`));
    else if (paying.length > 1) parts.push(t(`${paying.length} 项合计`, `${paying.length} items added up`));
    if (paid) parts.push(t(`${paid} 项已兑现`, `${paid} paid before`));
    if (failing) parts.push(t(`${failing} 项不符合`, `${failing} not eligible`));
    return parts.join(t('；', '; '));
  }

  function renderResult(out) {
    const a = out.applicant || {};
    const head = document.getElementById('result-head');
    head.replaceChildren(...present(
      el('p', {}, `${a.name || ''} (${a.credit_code || ''}) ${a.district || ''} · ${t('计算基准日', 'as of')} ${out.as_of}`),
      out.overlays && out.overlays.length ? el('p', {}, `${t('叠加规则', 'Overlays')}: ${out.overlays.map((o) => o.name || o).join(', ')}`) : null));
    const rows = [];
    for (const c of out.clauses || []) {
      const items = c.items || [];
      const listed = items.length > 1 || items.some((i) => i.status === 'paid');
      const why = c.status === 'ineligible' || !items.length
        ? (c.reasons || []).join(t('；', '; '))
        : listed ? itemsSummary(items) : way(items[0]);
      rows.push(el('tr', { class: 'clause' },
        el('td', { class: 'num' }, c.clause),
        el('td', { class: 'title' }, c.title),
        el('td', { class: `status st-${c.status}` }, statusWord(c.status)),
        el('td', { class: 'num' }, amountOf(c)),
        el('td', {}, why)));
      if (listed) {
        for (const i of items) {
          rows.push(el('tr', { class: 'item' },
            el('td', {}, ''),
            el('td', { class: 'title' }, `· ${i.id}`),
            el('td', { class: `status st-${i.status}` }, statusWord(i.status)),
            el('td', { class: 'num' }, i.status === 'paid' ? '' : amountOf(i)),
            el('td', {}, way(i))));
        }
      }
    }
    rows.push(el('tr', { class: 'total' },
      el('td', { colspan: 3 }, t('确定金额合计', 'Determinate total')),
      el('td', { class: 'num', id: 'total' }, money(out.total)),
      el('td', {}, t('元', 'yuan'))));
    const table = el('table', { class: 'outcome' },
      el('thead', {}, el('tr', {},
        el('th', { class: 'num' }, t('条款', 'Clause')), el('th', {}, t('名称', 'Title')),
        el('th', {}, t('状态', 'Status')), el('th', { class: 'num' }, t('金额（元）', 'Amount (yuan)')),
        el('th', {}, t('说明', 'Why')))),
      el('tbody', {}, rows));
    const ranges = (out.clauses || []).filter((c) => c.status === 'discretionary');
    const foot = ranges.length
      ? el('p', {}, `${t('酌定（不计入合计）', 'Discretionary (not in the total)')}: `,
        ranges.map((c) => t(`第 ${c.clause} 条 ${c.title} ${amountOf(c)} 元`, `clause ${c.clause} ${c.title} ${amountOf(c)} yuan`)).join(t('；', '; ')))
      : null;
    const none = (out.clauses || []).length ? null
      : el('p', {}, t('未申报任何条款的事项：请添加事项。', 'No claim under any clause: add items.'));
    document.getElementById('result-table').replaceChildren(...present(table, foot, none,
      el('p', { class: 'digest' }, `${t('规则摘要', 'Rules digest')} sha256 ${out.rules_digest}`),
      // Kept as it is until the new list arrives (no flicker while the form is evaluated again).
      document.getElementById('earlier') || el('section', { id: 'earlier', 'aria-live': 'polite' })));
  }

  /** With a ledger (`calc serve --ledger`), the applicant's live awards in it, which the result
   * above was computed against; nothing at all without a ledger. */
  async function earlier(code, n) {
    let body = null;
    try {
      if (code) {
        const res = await CALC.api(`/api/awards?credit_code=${encodeURIComponent(code)}`, { credentials: 'same-origin' });
        if (res.ok) body = await json(res);
      }
    } catch (_) {
      body = null;
    }
    const node = document.getElementById('earlier');
    if (n !== asked || !node) return;
    // No ledger, or none readable: nothing shown (never an earlier applicant's list).
    if (!body || !body.ledger_head) {
      node.replaceChildren();
      return;
    }
    const awards = body.awards || [];
    const what = (a) => [a.item, a.subject, a.title, a.year ? t(`${a.year}年度`, `year ${a.year}`) : null,
      a.start && a.end ? `${a.start} ~ ${a.end}` : null].filter((x) => x).join(' · ');
    const rows = awards.map((a) => el('tr', {},
      el('td', { class: 'num' }, `#${a.seq}`),
      el('td', { class: 'num' }, a.clause),
      el('td', {}, what(a)),
      el('td', { class: 'num' }, money(a.amount)),
      el('td', {}, a.round),
      el('td', {}, a.as_of || '')));
    node.replaceChildren(
      el('h3', {}, t('台账中的往期奖补', 'Earlier awards in the ledger')),
      awards.length
        ? el('table', { class: 'outcome earlier' },
          el('thead', {}, el('tr', {},
            el('th', { class: 'num' }, t('台账', 'Entry')), el('th', { class: 'num' }, t('条款', 'Clause')),
            el('th', {}, t('事项', 'Item')), el('th', { class: 'num' }, t('金额（元）', 'Amount (yuan)')),
            el('th', {}, t('批次', 'Round')), el('th', {}, t('计算基准日', 'As of')))),
          el('tbody', {}, rows))
        : el('p', {}, t('台账中没有本单位的奖补。', 'The ledger holds no award of this applicant.')),
      el('p', { class: 'digest' }, `${t('以上结果按此台账头计算', 'The result above was computed against')}: ${body.ledger_head}`));
  }

  /** A computation that needed no rounding: its note says nothing the step does not. */
  const exactRounding = (s) => ['rate_applied', 'tier_applied', 'interest_days'].includes(s.kind) && s.exact === s.rounded;

  /** The facts an item used, by their labels and as an official reads them (是/否, the
   * enum's label, grouped amounts), from the section of the schema that has these keys. */
  function factsUsed(used) {
    const keys = Object.keys(used);
    const section = sections.find((s) => s.many && keys.every((k) => s.fields.some((f) => f.name === k)));
    return keys.map((k) => {
      const f = section && section.fields.find((x) => x.name === k);
      const v = used[k];
      let shownValue = v === null || v === undefined ? t('未填写', 'not stated') : String(v);
      if (f && v !== null && v !== undefined) {
        if (f.type === 'bool') shownValue = v === 'true' || v === true ? t('是', 'yes') : t('否', 'no');
        else if (f.type === 'money') shownValue = money(v);
        else if (f.values.length) {
          const e = f.values.find((x) => x.value === v);
          if (e) shownValue = en ? e.label_en : e.label;
        }
      }
      return `${f ? f.label : k} = ${shownValue}`;
    }).join(t('；', '; '));
  }

  async function explain(facts, n) {
    let res, body;
    try {
      res = await post('/api/explain', facts);
      body = await json(res);
    } catch (_) { return; }
    if (n !== asked || !res.ok || !body) return;
    const node = document.getElementById('explanation');
    document.getElementById('explain-title').hidden = false;
    node.replaceChildren(...(body.clauses || []).map((c) => {
      const items = (c.items || []).map((i) => el('div', { class: 'explain-item' },
        el('p', { class: 'facts' }, `${t('事项', 'Item')} ${i.id} — ${t('所用事实', 'facts used')}: `, factsUsed(i.facts || {})),
        el('ul', {}, (i.steps || []).map((s) => el('li', { class: i.qualifies ? '' : 'fail' }, s.text,
          s.note && !exactRounding(s) ? el('div', { class: 'note' }, s.note) : null)))));
      const gates = (c.gates || []).filter((g) => !/_(in_force|inside|confirmed|covered)$/.test(g.kind));
      return el('div', { class: 'explain-clause' },
        el('h3', {}, t(`第 ${c.clause} 条 ${c.title} — ${statusWord(c.status)} ${amountOf(c)} 元`,
          `Clause ${c.clause} ${c.title} — ${statusWord(c.status)} ${amountOf(c)} yuan`)),
        el('blockquote', {}, `“${c.text}”`),
        ...present(gates.length ? el('ul', {}, gates.map((g) => el('li', { class: 'fail' }, `✗ ${g.text}`,
          g.basis ? el('div', { class: 'note' }, `${t('依据', 'basis')}: ${g.basis}`) : null))) : null),
        ...items);
    }), el('p', { class: 'digest' }, `${t('规则版本', 'Rules version')} ${body.rules_version} · ${body.rules_origin}`));
  }

  // ---- the decision sheet, printed ------------------------------------------------------------

  async function printSheet() {
    const facts = factsOf();
    // A window opened now, on the click, is not taken for a pop-up.
    const w = window.open('', '_blank');
    let res;
    try {
      res = await post('/api/explain', facts, 'text/html');
    } catch (err) {
      if (w) w.close();
      status(formStatus, String(err), 'bad');
      return;
    }
    if (!res.ok) {
      if (w) w.close();
      showError(await json(res), true);
      return;
    }
    const html = await res.text();
    const url = URL.createObjectURL(new Blob([html], { type: 'text/html;charset=utf-8' }));
    if (!w) {
      download(new Blob([html], { type: 'text/html;charset=utf-8' }), t('核定表.html', 'decision-sheet.html'));
      return;
    }
    w.location.href = url;
    w.addEventListener('load', () => {
      setTimeout(() => { try { w.focus(); w.print(); } catch (_) { /* the official prints by hand */ } }, 300);
    }, { once: true });
  }

  // ---- a facts file in and out --------------------------------------------------------------

  /** A TOML string, quoted. */
  const quote = (s) => `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}"`;

  function tomlValue(v, type) {
    if (typeof v === 'boolean' || typeof v === 'number') return String(v);
    if (type === 'date' && /^\d{4}-\d{2}-\d{2}$/.test(v)) return v;
    return quote(v);
  }

  function toToml(facts) {
    const lines = [`# ${t('由 calc serve 的表单生成', 'written by the form of calc serve')}`];
    for (const section of sections) {
      const v = facts[section.name];
      if (!v) continue;
      const types = Object.fromEntries(section.fields.map((f) => [f.name, f.type]));
      const block = (o, head) => {
        lines.push('', head);
        for (const [k, x] of Object.entries(o)) lines.push(`${k} = ${tomlValue(x, types[k])}`);
      };
      if (Array.isArray(v)) v.forEach((o) => block(o, `[[${section.name}]]`));
      else block(v, `[${section.name}]`);
    }
    return `${lines.join('\n')}\n`;
  }

  /** The facts of a TOML file as calc writes them: tables, arrays of tables, key = value. */
  function parseToml(text) {
    const out = {};
    let cur = out;
    const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
    lines.forEach((line, i) => {
      const s = stripComment(line).trim();
      if (!s) return;
      let m = /^\[\[\s*([A-Za-z0-9_-]+)\s*\]\]$/.exec(s);
      if (m) {
        (out[m[1]] = out[m[1]] || []).push(cur = {});
        return;
      }
      m = /^\[\s*([A-Za-z0-9_-]+)\s*\]$/.exec(s);
      if (m) {
        cur = out[m[1]] = out[m[1]] || {};
        return;
      }
      m = /^([A-Za-z0-9_-]+|"[^"]*")\s*=\s*(.+)$/.exec(s);
      if (!m) throw new Error(t(`第 ${i + 1} 行无法读取`, `line ${i + 1} cannot be read`));
      cur[m[1].replace(/^"|"$/g, '')] = scalar(m[2].trim());
    });
    return out;
  }

  function stripComment(line) {
    let q = '';
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (q) {
        if (c === '\\' && q === '"') i++;
        else if (c === q) q = '';
      } else if (c === '"' || c === "'") q = c;
      else if (c === '#') return line.slice(0, i);
    }
    return line;
  }

  function scalar(s) {
    if (s.startsWith('"')) return JSON.parse(s.replace(/\\U([0-9a-fA-F]{8})/g, (_, h) => String.fromCodePoint(parseInt(h, 16))));
    if (s.startsWith("'")) return s.slice(1, -1);
    if (s === 'true' || s === 'false') return s === 'true';
    if (/^[+-]?\d[\d_]*$/.test(s)) return s.replace(/_/g, '');
    return s;
  }

  /** A value read from a file, as the input shows it. */
  function shown(input, v) {
    if (v === null || v === undefined) return '';
    if (input.dataset.type === 'bool') {
      const word = String(v).trim().toLowerCase();
      if (v === true || ['true', 'yes', '是', '有'].includes(word)) return 'true';
      if (v === false || ['false', 'no', '否', '无'].includes(word)) return 'false';
    }
    return String(v);
  }

  function setValue(input, v) {
    const text = shown(input, v);
    if (input.tagName === 'SELECT' && text && ![...input.options].some((o) => o.value === text)) {
      // A value in the file's own words (企业, 自主, ...): kept as written, for calc to read.
      const found = [...input.options].find((o) => o.textContent === text);
      if (found) { input.value = found.value; return; }
      input.append(el('option', { value: text }, text));
    }
    input.value = text;
  }

  function fill(facts) {
    for (const sec of sectionsNode.querySelectorAll('fieldset.section')) {
      const name = sec.dataset.section;
      const v = facts[name];
      if (sec.dataset.many) {
        sec.querySelector('.items').replaceChildren();
        const section = sections.find((s) => s.name === name);
        for (const o of Array.isArray(v) ? v : []) {
          const item = itemNode(section);
          sec.querySelector('.items').append(item);
          for (const input of item.querySelectorAll('[data-field]')) setValue(input, o[input.dataset.field]);
        }
      } else {
        for (const input of sec.querySelectorAll('[data-field]')) setValue(input, v ? v[input.dataset.field] : undefined);
      }
    }
    renumber();
    for (const input of form.querySelectorAll('[data-field]')) touched.add(input);
  }

  async function upload(file) {
    const text = await file.text();
    const isJson = /\.json$/i.test(file.name) || /^\s*\{/.test(text);
    // calc's own parser first: a file it refuses is said with its line and column.
    let res, body;
    try {
      res = await CALC.api(`/api/evaluate?lang=${lang}`, {
        method: 'POST',
        headers: { 'Content-Type': isJson ? 'application/json' : 'application/toml' },
        body: text,
        credentials: 'same-origin',
      });
      body = await json(res);
    } catch (err) {
      status(formStatus, String(err), 'bad');
      return;
    }
    let facts;
    try {
      facts = isJson ? JSON.parse(text) : parseToml(text);
    } catch (err) {
      status(formStatus, `${file.name}: ${err.message}`, 'bad');
      return;
    }
    fill(facts);
    if (!res.ok && !inputAt(body && body.error && body.error.field)) {
      const where = CALC.errorPlace(body && body.error);
      status(formStatus, `${file.name}${where ? ` (${where})` : ''}: ${errorText(body)}`, 'bad');
      return;
    }
    status(formStatus, `${t('已载入', 'Loaded')} ${file.name}`, 'good');
    evaluate(true);
  }

  // ---- start --------------------------------------------------------------------------------

  async function start() {
    let schema;
    try {
      const res = await CALC.api('/api/schema', { credentials: 'same-origin' });
      schema = await json(res);
      if (!res.ok || !schema) throw new Error(errorText(schema) || res.status);
    } catch (err) {
      status(formStatus, `${t('无法载入表单', 'The form cannot be loaded')}: ${err.message || err}`, 'bad');
      return;
    }
    sections = readSchema(schema);
    sectionsNode.replaceChildren(...sections.map(sectionNode));
    renumber();
    status(formStatus, t('请填写申报单位。', 'Start with the applicant.'), '');
    form.addEventListener('input', (e) => {
      if (e.target.dataset && e.target.dataset.field) touched.add(e.target);
      changed();
    });
    form.addEventListener('change', (e) => {
      if (e.target.dataset && e.target.dataset.field) touched.add(e.target);
      changed();
    });
    form.addEventListener('focusout', (e) => {
      if (e.target.dataset && e.target.dataset.field && e.target.value !== '') touched.add(e.target);
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      clearTimeout(timer);
      evaluate(true);
    });
    printButton.addEventListener('click', () => { if (evaluated) printSheet(); });
    document.getElementById('download').addEventListener('click', () => {
      const facts = factsOf();
      const name = (facts.applicant && facts.applicant.name) || t('申报单位', 'applicant');
      download(new Blob([toToml(facts)], { type: 'application/toml;charset=utf-8' }), `${name}.toml`);
    });
    document.getElementById('upload').addEventListener('change', (e) => {
      const file = e.target.files && e.target.files[0];
      if (file) upload(file);
      e.target.value = '';
    });
    document.getElementById('reset').addEventListener('click', () => {
      fill({});
      touched.clear();
      clearErrors();
      document.getElementById('result-head').replaceChildren();
      document.getElementById('result-table').replaceChildren(el('p', { class: 'hint' },
        t('填写申报单位和申报事项后，计算结果和说明显示在这里。', 'The result and its explanation appear here once the applicant and its items are filled in.')));
      document.getElementById('explanation').replaceChildren();
      document.getElementById('explain-title').hidden = true;
      evaluated = false;
      printButton.disabled = true;
      status(formStatus, t('请填写申报单位。', 'Start with the applicant.'), '');
    });
  }

  start();
})();
