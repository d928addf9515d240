import { describe, expect, it } from 'vitest';
import { recordingView } from './call-view.js';

describe('recordingView', () => {
  it('shows the recording\'s state, not where the storage keeps it', () => {
    const stored = {
      key: 'org_a/call_a.wav', folder: 'folder_0123456789abcdef', writer_folder: 'folder_0123456789abcdef',
      status: 'ready', size_bytes: 364, duration_ms: 10, started_at: '2026-12-06T10:00:00.000Z', ready_at: '2026-12-06T10:01:00.000Z', url: null,
    };
    // Stored without a public base URL: the view's url is the API path, as recording_url is.
    expect(recordingView({ id: 'call_1', recording: stored })).toEqual({
      status: 'ready', size_bytes: 364, duration_ms: 10, started_at: '2026-12-06T10:00:00.000Z', ready_at: '2026-12-06T10:01:00.000Z', url: '/v1/calls/call_1/recording',
    });
    expect(recordingView({ id: 'call_1', recording: { ...stored, status: 'recording' } })).toMatchObject({ url: null });
    expect(recordingView({ id: 'call_1', recording: null })).toBeNull();
  });
});
