/**
 * An S3-compatible object store for tests: a real HTTP server on 127.0.0.1:0 speaking S3's REST
 * API in path style (`/{bucket}/{key}`) for the object calls Parley makes: PutObject, HeadObject,
 * GetObject (whole, or a `Range` answered 206 with `Content-Range`), DeleteObject (204 whether or
 * not the object was there). Every request must carry a valid AWS Signature Version 4
 * (`Authorization: AWS4-HMAC-SHA256 …`), checked here from the spec, and a signed payload hash
 * must match the body; errors are S3's XML (`NoSuchKey`, `NoSuchBucket`,
 * `SignatureDoesNotMatch`, `SlowDown` while `down`).
 */
import { createHash, createHmac } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3FakeOptions {
  readonly bucket?: string;
  readonly region?: string;
  readonly accessKeyId?: string;
  readonly secretAccessKey?: string;
}

export interface S3Request {
  readonly method: string;
  readonly key: string;
  readonly range: string | undefined;
  readonly status: number;
}

export interface S3Fake {
  readonly url: string;
  readonly bucket: string;
  readonly region: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** Stored objects by key. */
  readonly objects: Map<string, { readonly body: Buffer; readonly contentType: string | undefined }>;
  readonly requests: readonly S3Request[];
  /** While true every PUT is answered 503 SlowDown (an outage of the store). */
  down: boolean;
  /** This many next PUTs are answered 503 SlowDown (a blip), counting down. */
  failNextPuts: number;
  close(): Promise<void>;
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
/** RFC 3986 encoding, as SigV4 wants for query strings. */
const encode = (value: string) => encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function errorXml(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
}

/** Why the request's SigV4 signature does not hold, or null when it does. */
function signatureProblem(request: http.IncomingMessage, body: Buffer, fake: Pick<S3Fake, 'accessKeyId' | 'secretAccessKey' | 'region'>): string | null {
  const authorization = request.headers.authorization ?? '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request, ?SignedHeaders=([a-z0-9;-]+), ?Signature=([0-9a-f]{64})$/.exec(authorization);
  if (!match) return 'no AWS4-HMAC-SHA256 authorization';
  const [, accessKeyId = '', date = '', region = '', signedHeaders = '', signature = ''] = match;
  if (accessKeyId !== fake.accessKeyId) return 'unknown access key';
  if (region !== fake.region) return 'wrong region';
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  if (!amzDate.startsWith(date)) return 'x-amz-date does not match the credential scope';
  const payloadHash = String(request.headers['x-amz-content-sha256'] ?? '');
  if (payloadHash !== 'UNSIGNED-PAYLOAD' && payloadHash !== sha256(body)) return 'payload hash does not match the body';
  const [path, query = ''] = (request.url ?? '/').split('?') as [string, string?];
  const canonicalQuery = [...new URLSearchParams(query)].map(([k, v]) => `${encode(k)}=${encode(v)}`).sort().join('&');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${String(request.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`)
    .join('');
  const canonicalRequest = [request.method, path, canonicalQuery, canonicalHeaders, signedHeaders, payloadHash].join('\n');
  const scope = `${date}/${region}/s3/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const key = hmac(hmac(hmac(hmac(`AWS4${fake.secretAccessKey}`, date), region), 's3'), 'aws4_request');
  return hmac(key, stringToSign).toString('hex') === signature ? null : 'signature does not match';
}

export async function startS3Fake(options: S3FakeOptions = {}): Promise<S3Fake> {
  const bucket = options.bucket ?? 'parley-recordings';
  const objects: S3Fake['objects'] = new Map();
  const requests: S3Request[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      const path = decodeURIComponent((request.url ?? '/').split('?')[0]!);
      const [, bucketName = '', ...rest] = path.split('/');
      const key = rest.join('/');
      const answer = (status: number, headers: Record<string, string | number> = {}, payload?: Buffer | string) => {
        requests.push({ method: request.method ?? '', key, range: request.headers.range, status });
        response.writeHead(status, headers);
        response.end(request.method === 'HEAD' ? undefined : payload);
      };
      const fail = (status: number, code: string, message: string) => answer(status, { 'content-type': 'application/xml' }, errorXml(code, message));

      const problem = signatureProblem(request, body, fake);
      if (problem) return fail(403, 'SignatureDoesNotMatch', problem);
      if (bucketName !== bucket) return fail(404, 'NoSuchBucket', 'The specified bucket does not exist');
      const stored = objects.get(key);
      switch (request.method) {
        case 'PUT':
          if (fake.down || fake.failNextPuts > 0) {
            fake.failNextPuts = Math.max(0, fake.failNextPuts - 1);
            return fail(503, 'SlowDown', 'Please reduce your request rate.');
          }
          objects.set(key, { body, contentType: request.headers['content-type'] });
          return answer(200, { etag: `"${createHash('md5').update(body).digest('hex')}"` });
        case 'HEAD':
          return stored ? answer(200, { 'content-length': stored.body.length, 'content-type': stored.contentType ?? 'binary/octet-stream' }) : answer(404);
        case 'GET': {
          if (!stored) return fail(404, 'NoSuchKey', 'The specified key does not exist.');
          const range = /^bytes=(\d+)-(\d*)$/.exec(request.headers.range ?? '');
          if (!range) return answer(200, { 'content-length': stored.body.length, 'content-type': stored.contentType ?? 'binary/octet-stream' }, stored.body);
          const start = Number(range[1]);
          const end = Math.min(range[2] ? Number(range[2]) : stored.body.length - 1, stored.body.length - 1);
          if (start > end) return fail(416, 'InvalidRange', 'The requested range is not satisfiable');
          const part = stored.body.subarray(start, end + 1);
          return answer(206, { 'content-length': part.length, 'content-range': `bytes ${start}-${end}/${stored.body.length}` }, part);
        }
        case 'DELETE':
          objects.delete(key);
          return answer(204);
        default:
          return fail(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const fake: S3Fake = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bucket,
    region: options.region ?? 'eu-west-1',
    accessKeyId: options.accessKeyId ?? 'AKIAPARLEYTEST0000001',
    secretAccessKey: options.secretAccessKey ?? 'parley-test-secret-key-not-a-real-one',
    objects,
    requests,
    down: false,
    failNextPuts: 0,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
