// A value a person copies elsewhere (a webhook address into a provider's console): shown whole in
// a read-only box with a Copy button; one script per page makes the buttons work.
import type { Words } from "./i18n";

/**
 * An address to paste into the provider's own console: shown in a read-only box (the whole of it,
 * selectable on a phone) with a button that copies it.
 */
export function CopyField(props: { id: string; label: string; value: string; w: Words }) {
  return (
    <div class="copy">
      <label for={props.id}>{props.label}</label>
      <input id={props.id} readonly value={props.value} />
      <button type="button" class="link" data-copy={props.id}>
        {props.w.copy}
      </button>
    </div>
  );
}

export function CopyScript(props: { copied: string }) {
  const script = `
document.addEventListener("click", async (e) => {
  const button = e.target.closest("[data-copy]");
  if (!button) return;
  const input = document.getElementById(button.dataset.copy);
  input.select();
  try { await navigator.clipboard.writeText(input.value); } catch { document.execCommand("copy"); }
  button.textContent = ${JSON.stringify(props.copied)};
});
document.addEventListener("focusin", (e) => { if (e.target.matches(".copy input")) e.target.select(); });
`;
  return <script dangerouslySetInnerHTML={{ __html: script }} />;
}
