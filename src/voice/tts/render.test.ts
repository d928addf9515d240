import { describe, expect, it } from 'vitest';
import { decodeScriptedSpeech } from '../../media/scripted-speech.js';
import { renderSpeech } from './render.js';
import { createScriptedTts } from './scripted/index.js';

const never = new AbortController().signal;

describe('renderSpeech', () => {
  it('renders the whole text, in pieces, into one μ-law buffer', async () => {
    const audio = await renderSpeech(createScriptedTts({ chunkMs: 40 }), {}, 'Connecting you now. Press 1 to take the call.', never);
    expect(decodeScriptedSpeech(audio)).toBe('Connecting you now. Press 1 to take the call.');
  });

  it('rejects when it takes longer than its bound, or the caller gives up', async () => {
    const slow = createScriptedTts({ firstByteDelayMs: 5_000 });
    await expect(renderSpeech(slow, {}, 'Hello.', never, 50)).rejects.toThrow('in time');
    const gone = new AbortController();
    setTimeout(() => gone.abort(), 20);
    await expect(renderSpeech(slow, {}, 'Hello.', gone.signal, 5_000)).rejects.toThrow();
  });
});
