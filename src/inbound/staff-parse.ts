// Reading a staff command from an SMS: the destination's extension (service number + 10101)
// or a body prefix ("102 01 text"), with the full-width digits Chinese handsets send.

export type StaffCommand =
  | { type: "add"; group: string | null; payload: string }
  | { type: "broadcast"; group: string | null; payload: string };

const DIGIT = "[0-9０-９]";
const SPACE = "[\\s\\u3000]";
// Full-width digits are common from Chinese handsets: １０２ ０１ is 102 01.
const BODY = new RegExp(
  `^${SPACE}*([1１][0０][12１２])(?:${SPACE}*(${DIGIT}{2}))?(?=${SPACE}|$)${SPACE}*([\\s\\S]*)$`,
  "u",
);
export const toAscii = (s: string) => s.normalize("NFKC");

/**
 * Reads a command from the destination's extension or the body's prefix; null if the message
 * is not a command (then it goes on down the steps like anyone's).
 */
export function parseStaffCommand(to: string, body: string, serviceNumber: string | null): StaffCommand | null {
  const digits = (s: string) => s.replace(/\D/g, "");
  const base = serviceNumber ? digits(serviceNumber) : "";
  const dest = digits(to);
  if (base && dest.startsWith(base) && dest.length > base.length) {
    const ext = /^(10[12])(\d{2})?$/.exec(dest.slice(base.length));
    if (ext) {
      return { type: ext[1] === "101" ? "add" : "broadcast", group: ext[2] ?? null, payload: body.trim() };
    }
  }
  const m = BODY.exec(body);
  if (!m) return null;
  return {
    type: toAscii(m[1] as string) === "101" ? "add" : "broadcast",
    group: m[2] ? toAscii(m[2]) : null,
    payload: (m[3] ?? "").trim(),
  };
}
