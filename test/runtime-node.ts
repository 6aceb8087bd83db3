export { setup } from "./helpers";
