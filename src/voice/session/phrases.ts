/** The few things the voice lane says on its own: a filler while the agent thinks, an apology when it cannot go on. */

const fillers: Readonly<Record<string, string>> = {
  en: 'One moment, please.',
  es: 'Un momento, por favor.',
  fr: 'Un instant, s\'il vous plaît.',
  de: 'Einen Moment, bitte.',
  pt: 'Um momento, por favor.',
  it: 'Un attimo, per favore.',
  nl: 'Een moment, alstublieft.',
};

const apologies: Readonly<Record<string, string>> = {
  en: "I'm sorry, we're having technical trouble on this line. We'll call you back. Goodbye.",
  es: 'Lo siento, tenemos problemas técnicos en esta línea. Le volveremos a llamar. Adiós.',
  fr: 'Désolé, nous avons un problème technique sur cette ligne. Nous vous rappellerons. Au revoir.',
  de: 'Entschuldigung, wir haben technische Probleme auf dieser Leitung. Wir rufen Sie zurück. Auf Wiederhören.',
  pt: 'Desculpe, estamos com problemas técnicos nesta linha. Voltaremos a ligar. Adeus.',
  it: 'Mi scusi, abbiamo un problema tecnico su questa linea. La richiameremo. Arrivederci.',
  nl: 'Excuses, we hebben technische problemen op deze lijn. We bellen u terug. Tot ziens.',
};

const base = (language: string): string => language.toLowerCase().split(/[-_]/)[0] ?? 'en';

/** Said when the agent needs a moment (a slow model), in the agent's language (English otherwise). */
export function fillerText(language: string): string {
  return fillers[base(language)] ?? fillers.en!;
}

/** The languages the apology is written in (each has a recording: see phrase-recordings.ts). */
export const apologyLanguages: readonly string[] = Object.keys(apologies);

/** Said before hanging up when speech recognition or synthesis failed for good. */
export function apologyText(language: string): string {
  return apologies[base(language)] ?? apologies.en!;
}
