// The console's only stylesheet, served by the app (no CDN: the machine may be offline).
// Colours meet WCAG AA contrast on white; the layout folds to one column on a phone.
export const CONSOLE_CSS = `
:root { --ink: #1d2733; --muted: #4f5b67; --line: #d5dbe1; --accent: #0b5cad; --bg: #f5f7f9; --bad: #a4262c; --good: #1e6b3a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji"; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
a:focus, button:focus, input:focus, select:focus { outline: 3px solid #f2b134; outline-offset: 2px; }
header { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem; padding: .6rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; text-decoration: none; color: var(--ink); }
nav ul { display: flex; flex-wrap: wrap; gap: .25rem .9rem; list-style: none; margin: 0; padding: 0; }
nav a[aria-current="page"] { font-weight: 700; color: var(--ink); }
header form { margin: 0; }
header .who { margin-left: auto; display: flex; gap: .6rem; align-items: center; color: var(--muted); font-size: .9rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; }
h3 { font-size: 1rem; margin: 1rem 0 .4rem; }
h4 { font-size: .95rem; margin: .8rem 0 .2rem; }
.verdict p { margin: .2rem 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(9.5rem, 1fr)); gap: .75rem; }
.card { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; }
.card .label { color: var(--muted); font-size: .85rem; }
.card .value { font-size: 1.5rem; font-weight: 700; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f4; font-size: .9rem; }
form.filters, div.filters, fieldset.filters { display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: end; margin-bottom: 1rem; }
label { display: block; font-size: .9rem; color: var(--muted); }
input, select, textarea { max-width: 100%; }
.filters > div { max-width: 100%; }
input, select { font: inherit; padding: .35rem .5rem; border: 1px solid #8a96a3; border-radius: .35rem; background: #fff; color: var(--ink); }
button { font: inherit; padding: .4rem .9rem; border-radius: .35rem; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
button.danger { background: var(--bad); border-color: var(--bad); }
a.button { display: inline-block; padding: .4rem .9rem; border-radius: .35rem; border: 1px solid var(--accent); color: var(--accent); background: #fff; text-decoration: none; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem .75rem; align-items: flex-start; margin: .5rem 0 1rem; }
.actions form { margin: 0; }
details.confirm { display: inline-block; }
details.confirm summary { cursor: pointer; color: var(--bad); padding: .4rem 0; }
.warning { color: #7a4d00; background: #fff6e0; border: 1px solid #e0b85a; border-radius: .35rem; padding: .4rem .6rem; }
button.link { background: none; border: none; color: var(--accent); padding: 0; text-decoration: underline; }
.error { color: var(--bad); font-weight: 600; }
.muted { color: var(--muted); }
.login { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
.login form { background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: 1rem; display: grid; gap: .6rem; }
.login input { width: 100%; }
.login button { justify-self: start; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; background: #fff; border: 1px solid var(--line); padding: .75rem; border-radius: .5rem; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
ol.timeline { list-style: none; padding: 0; }
ol.timeline li { background: #fff; border: 1px solid var(--line); border-radius: .4rem; padding: .5rem .75rem; margin-bottom: .4rem; }
pre.sms { white-space: pre-wrap; font: inherit; background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: .75rem; max-width: 28rem; }
pre.sms mark { background: #ffe08a; color: var(--ink); outline: 1px solid #b7791f; }
textarea { font: inherit; width: 100%; max-width: 40rem; padding: .5rem; border: 1px solid #8a96a3; border-radius: .35rem; }
nav.tabs ul { display: flex; flex-wrap: wrap; gap: .4rem 1rem; list-style: none; padding: 0; }
nav.tabs a[aria-current="page"] { font-weight: 700; color: var(--ink); }
blockquote { margin: .4rem 0; padding: .4rem .75rem; border-left: 3px solid var(--line); background: var(--bg); }
fieldset { border: 1px solid var(--line); border-radius: .4rem; margin: 0 0 .5rem; }
.badge { display: inline-block; padding: 0 .4rem; border-radius: .3rem; font-size: .8rem; border: 1px solid var(--line); }
.badge.bad { color: var(--bad); border-color: var(--bad); }
.badge.good { color: var(--good); border-color: var(--good); }
form.inline { display: flex; flex-wrap: wrap; gap: .3rem .5rem; align-items: center; margin: 0; }
form.inline label { display: inline; }
/* The attribute wins over a display the page sets (a fieldset laid out as a row). */
[hidden] { display: none !important; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
code { font-size: .8rem; word-break: break-all; }
figure.chart { margin: .5rem 0; background: #fff; border: 1px solid var(--line); border-radius: .5rem; padding: .5rem; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
.lead { font-size: 1.1rem; font-weight: 600; }
.copy { display: flex; flex-wrap: wrap; gap: .2rem .4rem; align-items: center; margin-bottom: .3rem; }
.copy label { width: 100%; }
.copy input { width: 100%; min-width: 12rem; font-size: .8rem; }
fieldset.bulk { position: sticky; bottom: 0; background: #fff; z-index: 1; box-shadow: 0 -2px 6px rgba(0,0,0,.08); }
@media (max-width: 40rem) {
  table.responsive thead { display: none; }
  table.responsive tr { display: block; border-bottom: 1px solid var(--line); padding: .4rem 0; }
  table.responsive td { display: block; border: 0; padding: .1rem .6rem; }
  table.responsive td[data-label]::before { content: attr(data-label) ": "; color: var(--muted); }
}
`;

// A speech bubble in the console's accent colour: the tab's icon.
export const FAVICON_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#0b5cad" d="M4 4h24a2 2 0 0 1 2 2v15a2 2 0 0 1-2 2H13l-7 6v-6H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/><path fill="#fff" d="M9 9h14v3h-5.5v8h-3v-8H9z"/></svg>`;
