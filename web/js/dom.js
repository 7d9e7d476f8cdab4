/* Small DOM helpers.  Text goes in through textContent only: nothing the
 * server or another guest sends is ever parsed as HTML. */
export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'class') e.className = v;
    else if (k.startsWith('data-') || k.startsWith('aria-') || k === 'role') e.setAttribute(k, v);
    else e[k] = v;
  }
  if (text !== undefined) e.textContent = text;
  return e;
}

const SCREENS = ['welcome', 'callid', 'name', 'call', 'left'];
export function show(name, focusId) {
  SCREENS.forEach((s) => { $('screen-' + s).hidden = s !== name; });
  if (focusId) $(focusId).focus();
}
