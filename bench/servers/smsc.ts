// A loopback SMSC for `smpp_submit`, in a process of its own so that its work is not counted
// against Tidings': binds any transceiver, answers each submit_sm at once with a message id.
import type { AddressInfo } from "node:net";
import { createServer } from "smpp";

let taken = 0;
const server = createServer((session) => {
  session.on("error", () => {});
  session.on("bind_transceiver", (pdu) => session.send(pdu.response()));
  session.on("enquire_link", (pdu) => session.send(pdu.response()));
  session.on("unbind", (pdu) => {
    session.send(pdu.response());
    session.close();
  });
  session.on("submit_sm", (pdu) => {
    taken++;
    session.send(pdu.response({ message_id: `M${taken}` }));
  });
});
server.listen(0, "127.0.0.1", () => {
  console.log(`@@READY ${(server.address() as AddressInfo).port} smsc`);
});
