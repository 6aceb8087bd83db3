// Escapes every character beyond ASCII in JavaScript text as \u escapes (a pair for one beyond
// the Basic Multilingual Plane), for the build (build.mjs). Valid in strings, templates'
// cooked text, comments and regular expressions, with or without the u or v flag. An identity
// escape before the character ("\€" in a regular expression) becomes the \u escape alone. Not
// in a tagged template's raw text (String.raw would see the escape): esbuild escapes the rest,
// and no bundle has such a template with a character beyond ASCII in it.
export function asciiOnly(text) {
  return text.replace(/(\\*)([\u0080-\u{10ffff}])/gu, (_, slashes, ch) => {
    let units = "";
    for (let i = 0; i < ch.length; i++) units += `\\u${ch.charCodeAt(i).toString(16).padStart(4, "0")}`;
    return (slashes.length % 2 === 1 ? slashes.slice(1) : slashes) + units;
  });
}
