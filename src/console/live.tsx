// A page part that follows its form as the user types: after a short pause the form's fields
// go to `url` with fragment=1, and the answer (the part alone) replaces the element `target`.
// Without script the form still works by submitting it.
export function LiveFragment(props: { form: string; url: string; target: string }) {
  const script = `
(() => {
  const form = document.getElementById(${JSON.stringify(props.form)});
  let timer;
  const refresh = async () => {
    const q = new URLSearchParams(new FormData(form));
    q.delete("_csrf");
    q.set("fragment", "1");
    const res = await fetch(${JSON.stringify(props.url)} + "?" + q, { credentials: "same-origin" });
    if (res.ok) document.getElementById(${JSON.stringify(props.target)}).outerHTML = await res.text();
  };
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 300); });
})();
`;
  return <script dangerouslySetInnerHTML={{ __html: script }} />;
}

/** A page part that refreshes itself every `seconds` while the page is open (a running campaign's numbers). */
export function Poll(props: { url: string; target: string; seconds: number }) {
  const script = `
setInterval(async () => {
  if (document.hidden) return;
  const res = await fetch(${JSON.stringify(props.url)}, { credentials: "same-origin" });
  if (res.ok) document.getElementById(${JSON.stringify(props.target)}).outerHTML = await res.text();
}, ${Math.round(props.seconds * 1000)});
`;
  return <script dangerouslySetInnerHTML={{ __html: script }} />;
}
