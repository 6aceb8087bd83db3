// What the link_redirect bench's server and its load generator must agree on.
export const LINKS = 100_000;
export const TARGET = "https://gym.example/book";
/** Ten letters and digits, as the service's own codes. */
export const linkCode = (i: number) => `B${String(i).padStart(9, "0")}`;
