import { describe, expect, it } from 'vitest';
import { soundsLikeGreeting, soundsLikePerson } from './amd-wording.js';

describe('answering-machine wording', () => {
  it('knows a greeting by its stock phrases', () => {
    for (const text of [
      "Hi you've reached Sam",
      'please leave a message after the tone',
      "hey there you've got lisa i'm not around right now",
      'sorry i missed you',
      'our office is currently closed',
      'your call has been forwarded to an automated voice messaging system',
      'thank you for calling riverside plumbing',
      'the person you are calling',
      'the number you have dialed',
      'your call has been forwarded',
      "i'm not available right now",
    ]) {
      expect(soundsLikeGreeting(text), text).toBe(true);
    }
  });

  it('knows a person by a question to a silent caller', () => {
    for (const text of ['who is this', "yeah hello who's calling please", 'hi there who am i speaking with', 'hello how can i help you', 'hello hello?', 'sorry i can barely hear you', 'Hello, Jennifer speaking.', 'good afternoon this is dave what can i do for you', 'Accounts, Maria speaking?']) {
      expect(soundsLikePerson(text), text).toBe(true);
    }
  });

  it('reads neither into a plain hello, and a greeting wins over a question', () => {
    expect(soundsLikeGreeting('hello?')).toBe(false);
    expect(soundsLikePerson('hello?')).toBe(false);
    expect(soundsLikePerson("you've reached Dana, who is this? leave a message")).toBe(false);
    for (const text of ['who are you calling for', 'hi this is mark from accounting', "i'm here, who is it"]) expect(soundsLikeGreeting(text), text).toBe(false);
  });
});
