/**
 * What a transcript of the first seconds of an answer says about who answered: a recorded
 * greeting's stock phrases ("leave a message", "after the tone", "you've reached") or a
 * person's questions to a silent caller ("who is this?", "hello, hello?").
 */

const MACHINE_WORDING =
  /\b(leave (a |your |me a )?(message|name)|after the (beep|tone)|at the (beep|tone)|record your message|voice ?mail|mailbox|not available|unavailable|can(no|')?t (take|come to|get to) (your|the) (call|phone)|you('ve| have) reached|you('ve| have) got|is not available|get back to you|call you back|return your call|sorry i missed|away from (my|the) desk|not around|automated voice|messaging system|office is (currently )?closed|thanks? (you )?for calling|(person|party|customer|subscriber|number) you (are|were|have) (trying to reach|calling|called|dialed|dialled)|(call|you) (has|have) been forwarded|(i'm|i am|we're|we are) (away|out of the office|not (here|in|home|available))|(i'm|i am|we're|we are) (not|unable|away|out)\b.{0,20}\b(right now|at the moment|currently|today)|can('|no)?t (answer|pick up)|unable to (answer|take|come))\b/i;

/** What people say when they pick up and nobody speaks yet: questions to the caller. */
const HUMAN_WORDING =
  /\b(who('s| is) (this|calling|there|speaking)|who am i speaking|can i help|what can i do for you|(can't|cannot|can barely) hear|this is (she|he)|hello\W+hello)\b|\bspeaking\W*$/i;

/** True when a transcript reads like a recorded greeting. */
export function soundsLikeGreeting(text: string): boolean {
  return MACHINE_WORDING.test(text);
}

/** True when a transcript reads like a person answering the phone (and not like a greeting). */
export function soundsLikePerson(text: string): boolean {
  return HUMAN_WORDING.test(text) && !MACHINE_WORDING.test(text);
}
