/** Offline understanding of answers (yes/no, numbers, dates, choices, free text), with an optional model to help. */
export { parseYesNo, yesNoAnswers, type YesNo } from './yes-no.js';
export { parseNumber, parseNumbers, replaceNumberWords } from './number.js';
export { dateValue, parseDate, timezoneOffsetMinutes, type DateParseOptions, type ParsedDate } from './date.js';
export { choiceMethods, parseChoice, type ChoiceMatch, type ChoiceMethod, type ChoiceOption } from './choice.js';
export {
  answerKinds,
  understandAnswer,
  understandDtmf,
  keysToAnswer,
  type AnswerKind,
  type Understanding,
  type UnderstandOptions,
} from './understand.js';
export { interpretWithLlm, type LlmInterpretRequest } from './llm-assist.js';
export { completeJson, type JsonReply, type LlmBinding } from './llm-json.js';
export { canonical, tokenize, words } from './normalize.js';
