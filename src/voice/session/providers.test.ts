import { describe, expect, it } from 'vitest';
import { AppError } from '../../shared/errors.js';
import { recordEvents } from '../stt/contract.js';
import { loadPhraseRecordings, phraseSentences } from './phrase-recordings.js';
import { apologyText } from './phrases.js';
import { missingForPhoneCalls, SpeechProviders } from './providers.js';
import { checkVoiceSettings, resolveVoiceSettings } from './settings.js';

describe('speech providers for a call', () => {
  it('uses the scripted (offline) providers when no vendor key is configured', () => {
    const providers = new SpeechProviders({});
    expect(providers.stt({}).ids).toEqual(['scripted']);
    expect(providers.tts({}).ids).toEqual(['scripted']);
    expect(providers.tts({}).provider.id).toBe('scripted');
  });

  it('puts the agent\'s vendor first and the other configured vendors behind it as fallbacks', () => {
    const providers = new SpeechProviders({ deepgramApiKey: 'dg', elevenlabsApiKey: 'el', cartesiaApiKey: 'ca' });
    expect(providers.stt({}).ids).toEqual(['deepgram']);
    expect(providers.tts({}).ids).toEqual(['elevenlabs', 'cartesia']);
    const cartesiaFirst = providers.tts({ provider: 'cartesia' });
    expect(cartesiaFirst.ids).toEqual(['cartesia', 'elevenlabs']);
    expect(cartesiaFirst.provider.id).toBe('fallback(cartesia,elevenlabs)');
    expect(providers.tts({ provider: 'scripted' }).ids).toEqual(['scripted']);
  });

  it('has an offline voice that speaks the apology from its recordings, in the call\'s language', async () => {
    const providers = new SpeechProviders({});
    const recordings = loadPhraseRecordings();
    for (const language of ['en-US', 'es-MX']) {
      const stream = providers.offlineTts.openStream({ language }, new AbortController().signal);
      const recorder = recordEvents(stream);
      // The session hands its TTS one sentence at a time.
      const sentences = phraseSentences(apologyText(language));
      for (const [index, sentence] of sentences.entries()) {
        const start = recorder.events.length;
        stream.pushText(`${sentence} `);
        stream.flush();
        const events = await recorder.until((all) => all.filter((e) => e.type === 'flushed').length === index + 1);
        const audio = Buffer.concat(events.slice(start).flatMap((e) => (e.type === 'audio' ? [e.payload] : [])));
        expect(audio.equals(recordings.get(sentence)!), sentence).toBe(true);
      }
      await stream.close();
    }
  });

  it('says what a call to a person\'s phone lacks: a vendor to hear with and one to speak with', () => {
    const none = new SpeechProviders({});
    expect(missingForPhoneCalls(none, { stt: {}, tts: {} })).toEqual([
      'speech recognition (DEEPGRAM_API_KEY)', 'speech synthesis (ELEVENLABS_API_KEY or CARTESIA_API_KEY)',
    ]);
    const keyed = new SpeechProviders({ deepgramApiKey: 'dg', cartesiaApiKey: 'ca' });
    expect(missingForPhoneCalls(keyed, { stt: {}, tts: {} })).toEqual([]);
    // An agent that picks the scripted voice on a keyed server still cannot talk to a person.
    expect(missingForPhoneCalls(keyed, { stt: {}, tts: { provider: 'scripted' } })).toEqual(['speech synthesis (ELEVENLABS_API_KEY or CARTESIA_API_KEY)']);
    expect(missingForPhoneCalls(new SpeechProviders({ elevenlabsApiKey: 'el' }), { stt: {}, tts: {} })).toEqual(['speech recognition (DEEPGRAM_API_KEY)']);
  });

  it('says so when the agent asks for a vendor the server has no key for', () => {
    const providers = new SpeechProviders({ elevenlabsApiKey: 'el' });
    expect(providers.tts({ provider: 'cartesia' })).toMatchObject({ ids: ['elevenlabs'], unavailable: 'cartesia' });
    expect(providers.stt({ provider: 'deepgram' })).toMatchObject({ ids: ['scripted'], unavailable: 'deepgram' });
  });
});

describe('voice settings', () => {
  it('fills defaults and takes the agent\'s voice and language', () => {
    const settings = resolveVoiceSettings({ settings: { tts: { provider: 'cartesia' } }, voice: 'v-123', language: 'es-MX' });
    expect(settings).toEqual({
      interruption: { enabled: true, min_duration_ms: 500, vad_threshold: -40, backchannels: [] },
      stt: {},
      tts: { provider: 'cartesia', voice: 'v-123' },
      language: 'es-MX',
    });
  });

  it('refuses bad settings on save, naming every field', () => {
    let error: unknown;
    try {
      checkVoiceSettings({ interruption: { enabled: 'yes', min_duration_ms: 99_999 }, stt: { provider: 'whisper' }, tts: { speed: 2 } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('AGENT_INVALID');
    const fields = ((error as AppError).details as { problems: { field: string }[] }).problems.map((p) => p.field);
    expect(fields.sort()).toEqual(['interruption.enabled', 'interruption.min_duration_ms', 'stt.provider', 'tts.speed']);
    expect(checkVoiceSettings({ kind: 'prompt', interruption: { min_duration_ms: 300 } })).toEqual({ kind: 'prompt', interruption: { min_duration_ms: 300 } });
  });
});
