// The checks test_pages.py runs in every page: width on a phone, labels, alt texts, names of links and buttons,
// contrast (WCAG 2 AA), and the page's text for the untranslated-string check. Elements inside a horizontally
// scrollable box (a wide table in .table-wrap) may be wider than the screen: the box scrolls, the page does not.
() => {
  const width = document.documentElement.clientWidth;
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
    if (p === document.body) return false;
    if (['auto', 'scroll', 'hidden'].includes(getComputedStyle(p).overflowX)) return true; } return false; };
  const problems = [];
  if (document.documentElement.scrollWidth > width + 1) {
    const wide = [...document.querySelectorAll('body *')].filter(el => visible(el) &&
      el.getBoundingClientRect().right > width + 1 && !scrolls(el));
    problems.push(`page is ${document.documentElement.scrollWidth}px wide on a ${width}px screen: ` +
      wide.slice(-3).map(describe).join(', '));
  }
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (['hidden', 'submit', 'button', 'reset', 'image'].includes(el.type)) continue;
    if ((el.labels && el.labels.length) || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) continue;
    problems.push(`form control without a label: ${el.outerHTML.slice(0, 120)}`);
  }
  for (const el of document.querySelectorAll('[aria-describedby], [aria-labelledby]'))
    for (const ref of ((el.getAttribute('aria-describedby') || '') + ' ' + (el.getAttribute('aria-labelledby') || '')).split(/\s+/))
      if (ref && !document.getElementById(ref)) problems.push(`aria reference to a missing id ${ref}: ${el.outerHTML.slice(0, 120)}`);
  for (const el of document.querySelectorAll('img:not([alt])')) problems.push(`image without alt: ${el.outerHTML.slice(0, 120)}`);
  for (const el of document.querySelectorAll('a[href], button')) {
    const name = (el.textContent || '').trim() || el.getAttribute('aria-label') || el.getAttribute('title') ||
      [...el.querySelectorAll('img[alt]')].map(i => i.alt).join('').trim();
    if (!name && visible(el)) problems.push(`${el.tagName.toLowerCase()} without a name: ${el.outerHTML.slice(0, 120)}`);
  }
  // Contrast (WCAG 2 AA): 4.5:1, or 3:1 for large text, against the first opaque background behind it.
  const rgb = c => (c.match(/[\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = el => { for (let p = el; p; p = p.parentElement) { const s = getComputedStyle(p);
    if (s.backgroundImage && s.backgroundImage !== 'none') return null;  // gradient or image: not judged here
    const c = rgb(s.backgroundColor); if (c.length >= 3 && (c.length === 3 || c[3] === 1)) return c.slice(0, 3); }
    return [255, 255, 255]; };
  const seen = new Set();
  for (const el of document.querySelectorAll('body *')) {
    if (!visible(el) || el.closest('.visually-hidden, [aria-hidden=true]')) continue;
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own) continue;
    const s = getComputedStyle(el), bg = background(el);
    if (!bg) continue;
    const fg = rgb(s.color), a = fg.length > 3 ? fg[3] : 1;
    const mixed = fg.slice(0, 3).map((v, i) => v * a + bg[i] * (1 - a));
    const [l1, l2] = [lum(mixed), lum(bg)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight, 10) >= 700;
    const needed = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    const key = describe(el) + s.color + s.backgroundColor;
    if (ratio < needed && !seen.has(key)) { seen.add(key);
      problems.push(`contrast ${ratio.toFixed(2)} < ${needed}: ${describe(el)} "${el.innerText.trim().slice(0, 40)}"`); }
  }
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const p = n.parentElement; if (!p || p.closest('script, style, noscript')) continue;
    const t = n.textContent.replace(/\s+/g, ' ').trim(); if (t) texts.push(t);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], img[alt], input[type=submit][value]'))
    for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'value'])
      if (el.getAttribute(a) && (a !== 'value' || el.type === 'submit')) texts.push(el.getAttribute(a).trim());
  return {problems, texts};
}
