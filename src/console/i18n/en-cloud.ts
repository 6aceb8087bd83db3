// Words of a cloud channel's page (Aliyun, Tencent): its signature, per-number limits and what
// each bound template becomes at the provider.
export const enCloud = {
  signature: "Signature",
  signatureHint: "The provider puts it before every message, in 【】; it sends nothing until it approved it.",
  signatureNoId: "Give the signature's ID (SMS console, 签名管理) when adding the channel to see its review here.",
  signId: "Signature ID (optional, to see its review)",
  numberCaps: "Messages to one number",
  numberCapsHint:
    "Past these a message waits until its number has room, instead of being refused by the provider. Empty: the provider's figures ({defaults}).",
  perMinute: "a minute",
  perHour: "an hour",
  perDay: "in 24 hours",
  noCaps: "none",
  arrives: "What arrives",
  arrivesHint: "with a made-up member's values",
  arrivesUnknown: "Ask the provider for approvals to see its text.",
  notBound: "Not bound: nothing is sent with it on this channel.",
  pl_provider_text_unknown: "The provider's text is not known yet.",
  pl_param_missing: "The provider's text has {param} but no value is given for it.",
  pl_param_unused: "{param} is given but the provider's text has no place for it.",
  pl_unsubscribe_hint_missing: "A promotion must say how to refuse more (拒收请回复R): the provider will refuse it.",
  pl_value_empty: "{param} is empty: the provider refuses an empty value.",
  pl_value_too_long: "{param} is {characters} characters; the provider takes {limit}.",
  pl_value_link: "{param} holds a link: a link must be written in the approved text itself.",
  pl_text_too_long: "{characters} characters with the signature; the provider takes at most {limit}.",
  countCn: "{characters} characters, {segments} SMS (70 in one, 67 a part; the signature counts)",
};
