/** TwiML that connects an answered call to Parley's bidirectional Media Stream. */

const xmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Escapes text for an XML attribute value or element content. */
export function escapeXml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => xmlEntities[char]!);
}

/**
 * `<Response><Connect><Stream url="wss://…"><Parameter …/></Stream></Connect></Response>`.
 * Twilio takes no query string on a Stream URL (values travel as Parameters) and speaks only
 * wss; ws is let through for loopback fakes alone, matching the options' http rule.
 */
export function buildConnectStreamTwiml(streamUrl: string, parameters: Readonly<Record<string, string>> = {}): string {
  const url = new URL(streamUrl);
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]';
  if (url.protocol !== 'wss:' && !(url.protocol === 'ws:' && loopback)) {
    throw new Error('A Twilio Stream URL must use wss');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new Error('A Twilio Stream URL takes no query string; pass values as parameters');
  }
  const params = Object.entries(parameters)
    .map(([name, value]) => `<Parameter name="${escapeXml(name)}" value="${escapeXml(value)}"/>`)
    .join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Response><Connect><Stream url="${escapeXml(streamUrl)}">${params}</Stream></Connect></Response>`
  );
}

/**
 * `<Response><Dial callerId action timeout><Number>to</Number></Dial></Response>`: hands the
 * call to `to`; when the dialled leg ends Twilio posts its outcome (`DialCallStatus`,
 * `DialCallDuration`) to `actionUrl` and runs the TwiML that answers it.
 */
export function buildTransferDialTwiml(options: { to: string; callerId: string; actionUrl: string; timeoutS: number }): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Response><Dial callerId="${escapeXml(options.callerId)}" action="${escapeXml(options.actionUrl)}" method="POST" timeout="${Math.round(options.timeoutS)}">` +
    `<Number>${escapeXml(options.to)}</Number></Dial></Response>`
  );
}

/** `<Response><Hangup/></Response>`. */
export function buildHangupTwiml(): string {
  return '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';
}

/**
 * A warm transfer's whisper to the target: the briefing is played (`playUrl`: the words in the
 * agent's voice) or said by Twilio (`words`), then Twilio waits for a key; `1` posts to
 * `actionUrl` (which answers with the conference), anything else or nothing hangs up.
 */
export function buildWhisperTwiml(options: { words: string; playUrl?: string; actionUrl: string; timeoutS: number }): string {
  const briefing = options.playUrl ? `<Play>${escapeXml(options.playUrl)}</Play>` : `<Say>${escapeXml(options.words)}</Say>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Response><Gather numDigits="1" timeout="${Math.round(options.timeoutS)}" action="${escapeXml(options.actionUrl)}" method="POST">` +
    `${briefing}</Gather><Hangup/></Response>`
  );
}

/** `<Response><Dial><Conference endConferenceOnExit="true">room</Conference></Dial></Response>`: either side leaving ends it. */
export function buildConferenceTwiml(room: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<Response><Dial><Conference endConferenceOnExit="true" beep="false">${escapeXml(room)}</Conference></Dial></Response>`
  );
}
