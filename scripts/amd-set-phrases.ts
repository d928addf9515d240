/**
 * What the labelled answering-machine set says, in two disjoint halves: the tuning part and the
 * held-out part never share a phrase or a voice, so a detector tuned on one is measured on
 * speech it has not heard. Phrases follow what people and greetings say on real lines: most
 * people answer with one short word, some name themselves or ask who is calling, some say
 * "hello?" twice; greetings are personal, business, carrier-style (a system voice around a
 * recorded name) or as short as "Leave a message."
 */

export const AMD_SET_PARTS = ['tuning', 'held-out'] as const;
export type AmdSetPart = (typeof AMD_SET_PARTS)[number];

/** The phrase pools and voices of one part. */
export interface AmdPhrases {
  /** One short word or two, then the person waits. */
  readonly shortHuman: readonly string[];
  /** A person naming themselves or the place: one to two seconds. */
  readonly mediumHuman: readonly string[];
  /** A person saying a whole sentence: two to three and a half seconds. */
  readonly longHuman: readonly string[];
  /** Personal greetings, several sentences. */
  readonly personal: readonly string[];
  /** Business greetings, several sentences. */
  readonly business: readonly string[];
  /** Greetings of one or two short phrases. */
  readonly short: readonly string[];
  /** Carrier greetings: `[before the name, after the name]`, spoken by the system voice. */
  readonly carrier: readonly (readonly [string, string])[];
  /** Names people record into a carrier greeting. */
  readonly names: readonly string[];
  /** espeak-ng voices (language plus variant). */
  readonly voices: readonly string[];
  /**
   * Speaking rates, words a minute: people answering talk at conversational speed; greetings
   * are read out slowly and clearly. The ranges overlap.
   */
  readonly humanRatesWpm: readonly number[];
  readonly machineRatesWpm: readonly number[];
  /** Sample rates the files are written at. */
  readonly sampleRatesHz: readonly number[];
}

const tuning: AmdPhrases = {
  shortHuman: ['Hello?', 'Hello.', 'Yeah?', 'Hi.', 'Yes?', 'Hey.', 'Hello, yes?', 'Yeah, hello?', 'Hi there.', 'Good morning.'],
  mediumHuman: ['Hi, this is Mark.', 'Hello, Jennifer speaking.', 'Smith residence.', 'Hello, this is Carlos.', 'Yes, this is she.', 'Accounts, Maria speaking.'],
  longHuman: [
    "Hi, this is Mark from accounting, who's calling?",
    'Hello, Jennifer speaking, how can I help you?',
    'Yeah, hello, who is calling please?',
    'Hello? Sorry, I can barely hear you.',
    'Good afternoon, this is Dave, what can I do for you?',
    'Hi there, who am I speaking with?',
  ],
  personal: [
    "Hi, you've reached John Smith. I can't take your call right now. Please leave a message after the beep.",
    'Hello, you have reached the voicemail of Sarah. Leave your name and number and I will call you back.',
    "Hi, this is Emily. Sorry I missed you, I'm probably driving. Leave me a message and I'll get back to you soon.",
    'Hi, this is Tom. I am away from my desk. Please leave your name, number and a short message, thanks.',
    "Hey there, you've got Lisa. I'm not around right now, but leave a message and I'll call you back.",
  ],
  business: [
    'Thanks for calling Acme Dental. Our office is currently closed. Please leave a message and we will return your call on the next business day.',
    'You have reached the office of Doctor Patel. Please leave a detailed message including your date of birth.',
    'Thank you for calling Riverside Plumbing. All of our technicians are busy helping other customers. Please leave a message.',
  ],
  short: ["Hey, it's Mike. Leave a message.", 'Leave a message.', "It's Anna, leave a message.", 'Please leave a message.'],
  carrier: [
    ['Your call has been forwarded to an automated voice messaging system.', 'is not available. At the tone, please record your message.'],
    ['The person you are calling,', 'is not available. Please leave a message after the tone.'],
  ],
  names: ['Robert Chen', 'Alice', 'Kevin Murphy', 'Dana'],
  voices: ['en-us', 'en-gb', 'en-us+f3', 'en-gb-scotland', 'en-029+m3', 'en-us+f5'],
  humanRatesWpm: [160, 175, 190, 205],
  machineRatesWpm: [140, 155, 170, 185],
  sampleRatesHz: [8000, 8000, 16000, 22050],
};

const heldOut: AmdPhrases = {
  shortHuman: ['Hello?', 'Yep?', 'Hiya.', 'Hello there?', 'Yes, hello?', 'Mm, hello?', 'Hey, hi.', 'Speaking.', 'Hello, who is it?', 'Good evening.'],
  mediumHuman: ['Hello, Peter speaking.', 'Hi, it is Rachel.', 'Johnson household.', 'Hey, this is Sam.', 'Front desk, Linda.', 'Hello, Greg here.'],
  longHuman: [
    'Hello, this is Nina from the billing office, who is this?',
    'Hi, Paul speaking, sorry, who did you want?',
    "Yes hello, you're speaking to Andrew, can I help?",
    'Hello? Hang on, I am just driving, who is it?',
    'Good morning, reception, this is Karen, how can I help?',
    "Hi, it's Oliver, who's this please?",
  ],
  personal: [
    "Hi, you've reached the phone of Megan Lee. I'm unable to answer right now, so leave a message and I'll return your call.",
    'Hello, this is Brian. I cannot come to the phone at the moment. Please leave your details after the tone.',
    "Hey, it's Chloe, sorry I missed your call. Leave a message and I will call you back as soon as I can.",
    "Hello, you've reached David and Laura. We are not home right now. Please leave a message.",
    "Hi, this is Victor's phone. I'm in meetings all day. Send me a text or leave a voicemail.",
  ],
  business: [
    'Thank you for calling Northside Veterinary Clinic. We are closed for the weekend. Please leave your name and number.',
    'You have reached the sales department of Blue Harbor Logistics. Our hours are nine to five. Leave a message after the tone.',
    'Hello and thank you for calling Greenway Property Management. Nobody is available to take your call. Please leave a message.',
  ],
  short: ["It's Jake, leave a message.", 'Leave a message, thanks.', 'Not here. Leave a message.', "Hi, it's Beth, talk soon."],
  carrier: [
    ['The wireless customer you are calling,', 'is unavailable. Record your message at the tone.'],
    ['The number you have dialed has a voice mailbox that has not been set up.', 'Please try again later.'],
  ],
  names: ['Martin', 'Sophie Turner', 'Luis', 'Hannah Brooks'],
  voices: ['en-gb-x-rp+f2', 'en-us-nyc', 'en-gb-x-gbclan+m2', 'en-gb-x-gbcwmd', 'en-us+f4', 'en-us+klatt'],
  humanRatesWpm: [165, 180, 195, 210],
  machineRatesWpm: [135, 150, 165, 180],
  sampleRatesHz: [8000, 8000, 11025, 44100],
};

/** The phrases of one part. */
export function phrasesOf(part: AmdSetPart): AmdPhrases {
  return part === 'tuning' ? tuning : heldOut;
}
