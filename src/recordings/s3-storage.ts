/**
 * Recordings in an S3-compatible object store (AWS S3, MinIO, Cloudflare R2, Backblaze B2, …),
 * so every Parley process serves every recording, whichever process recorded it. An object
 * cannot be appended to, nor its start rewritten (the WAV header is known only at the end), so
 * a recording is spooled to a local folder while the call runs (local-storage.ts: memory does
 * not grow with the call), uploaded in one PUT when it completes, and its spool file removed.
 * A failed upload is tried again (the SDK cannot replay a file stream itself) after each of
 * `uploadRetryDelaysMs`; a spool file that a crash or an upload failing throughout left behind
 * is uploaded at the next start (`unfinished` / `recover`): nothing recorded is lost to an
 * outage of the store.
 */
import { Readable } from 'node:stream';
import { setTimeout } from 'node:timers/promises';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { createLocalRecordingStorage, localRecordingKeys } from './local-storage.js';
import { RecordingKeptError, type RecordingStorage, type StoredRecording } from './storage.js';

export interface S3RecordingOptions {
  readonly bucket: string;
  readonly region: string;
  /** A non-AWS store's URL (MinIO, R2, …); AWS's own when absent. */
  readonly endpoint?: string | undefined;
  /** Put before every key (`recordings/`, say). */
  readonly prefix?: string | undefined;
  /** Bucket in the path (`endpoint/bucket/key`), as MinIO and most self-hosted stores want. */
  readonly forcePathStyle?: boolean | undefined;
  /** Absent: the SDK's own chain (its environment variables, an instance or task role, …). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string | undefined } | undefined;
  /** The local folder recordings are spooled to until they are uploaded. */
  readonly spoolDir: string;
  /** Waits before each further upload attempt. Default 1 s, 5 s, 20 s. */
  readonly uploadRetryDelaysMs?: readonly number[];
}

export function createS3RecordingStorage(options: S3RecordingOptions): RecordingStorage {
  const client = new S3Client({
    region: options.region,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    forcePathStyle: options.forcePathStyle ?? false,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    // Checksums only where S3 requires them: S3-compatible stores differ in which of the newer
    // checksum headers and chunked trailers they accept.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const spool = createLocalRecordingStorage(options.spoolDir);
  const object = (key: string) => ({ Bucket: options.bucket, Key: `${options.prefix ?? ''}${key}` });

  const retryDelaysMs = options.uploadRetryDelaysMs ?? [1_000, 5_000, 20_000];

  /** Uploads a finished spool file (a fresh stream each attempt), then removes it. */
  const upload = async ({ key, sizeBytes }: StoredRecording): Promise<StoredRecording> => {
    for (let attempt = 0; ; attempt++) {
      const body = await spool.read(key);
      if (!body) throw new Error(`recording ${key} is no longer in the spool folder`);
      try {
        await client.send(new PutObjectCommand({ ...object(key), Body: body, ContentLength: sizeBytes, ContentType: 'audio/wav' }));
        break;
      } catch (error) {
        body.destroy(); // closes the file if the SDK never read it
        const permanent = error instanceof S3ServiceException && error.$fault === 'client' && error.$metadata.httpStatusCode !== 429;
        if (permanent || attempt >= retryDelaysMs.length) throw error;
        await setTimeout(retryDelaysMs[attempt]);
      }
    }
    await spool.delete(key);
    return { key, sizeBytes };
  };

  /** A store's 404 as null; any other failure stands. */
  const missingAsNull = (error: unknown): null => {
    if (error instanceof S3ServiceException && error.$metadata.httpStatusCode === 404) return null;
    throw error;
  };

  const head = async (key: string): Promise<StoredRecording | null> => {
    const found = await client.send(new HeadObjectCommand(object(key))).catch(missingAsNull);
    return found && { key, sizeBytes: found.ContentLength ?? 0 };
  };

  return {
    // Every process reaches the bucket; only those sharing the spool folder can upload what is left in it.
    places: async () => ({ finished: null, unfinished: (await spool.places()).unfinished }),

    async begin(key, headerBytes) {
      const spooled = await spool.begin(key, headerBytes);
      return {
        write: (chunk) => spooled.write(chunk),
        complete: async (header) => {
          const finished = await spooled.complete(header);
          // The finished file stays in the spool, where `unfinished` finds it: it is uploaded later, not lost.
          return upload(finished).catch((error: unknown) => {
            throw new RecordingKeptError({ cause: error });
          });
        },
        abort: () => spooled.abort(),
      };
    },

    stat: head,

    async read(key, range) {
      const got = await client
        .send(new GetObjectCommand({ ...object(key), ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }))
        .catch(missingAsNull);
      if (!got) return null;
      if (!(got.Body instanceof Readable)) throw new Error('the object store answered without a body');
      return got.Body;
    },

    async delete(key) {
      const spooled = await spool.delete(key);
      const stored = (await head(key)) !== null;
      if (stored) await client.send(new DeleteObjectCommand(object(key)));
      return spooled || stored;
    },

    async unfinished() {
      // Uploads a crash interrupted, and finished recordings whose upload did not happen.
      const keys = [...(await spool.unfinished()), ...(await localRecordingKeys(options.spoolDir, 'finished'))];
      return [...new Set(keys)];
    },

    async recover(key, repair) {
      // A crash's partial is repaired first; a finished file whose upload failed is taken as it is.
      const spooled = (await spool.recover(key, repair)) ?? (await spool.stat(key));
      return spooled ? upload(spooled) : null;
    },
  };
}
