import { describe, expect, it } from 'vitest';
import { checkTarget, classifyAddress, type HostLookup, type ResolvedAddress } from './safe-target.js';

/** A resolver over a fixed table, counting calls: no real DNS in tests. */
function tableLookup(table: Record<string, readonly string[]>): HostLookup & { calls: string[] } {
  const calls: string[] = [];
  const lookup = async (hostname: string): Promise<readonly ResolvedAddress[]> => {
    calls.push(hostname);
    const addresses = table[hostname];
    if (!addresses) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { calls });
}

describe('classifyAddress', () => {
  it.each([
    // public
    ['93.184.215.14', 'public', 'unicast'],
    ['1.1.1.1', 'public', 'unicast'],
    ['2606:4700::1111', 'public', 'unicast'],
    ['::ffff:93.184.215.14', 'public', 'ipv4Mapped'],
    ['64:ff9b::5db8:d70e', 'public', 'rfc6052'],
    ['2002:5db8:d70e::1', 'public', '6to4'],
    // private: allowed only with allowPrivate
    ['127.0.0.1', 'private', 'loopback'],
    ['127.255.255.254', 'private', 'loopback'],
    ['10.0.0.1', 'private', 'private'],
    ['172.16.0.1', 'private', 'private'],
    ['172.31.255.255', 'private', 'private'],
    ['192.168.1.1', 'private', 'private'],
    ['169.254.1.1', 'private', 'linkLocal'],
    ['100.64.0.1', 'private', 'carrierGradeNat'],
    ['100.127.255.255', 'private', 'carrierGradeNat'],
    ['::1', 'private', 'loopback'],
    ['fc00::1', 'private', 'uniqueLocal'],
    ['fd12:3456::1', 'private', 'uniqueLocal'],
    ['fe80::1', 'private', 'linkLocal'],
    ['::ffff:127.0.0.1', 'private', 'ipv4Mapped:loopback'],
    ['::ffff:10.1.2.3', 'private', 'ipv4Mapped:private'],
    ['::ffff:0:192.168.0.1', 'private', 'rfc6145:private'],
    ['64:ff9b::7f00:1', 'private', 'rfc6052:loopback'],
    ['2002:c0a8:101::1', 'private', '6to4:private'],
    // never
    ['169.254.169.254', 'blocked', 'metadata'],
    ['169.254.170.2', 'blocked', 'metadata'],
    ['100.100.100.200', 'blocked', 'metadata'],
    ['fd00:ec2::254', 'blocked', 'metadata'],
    ['::ffff:169.254.169.254', 'blocked', 'ipv4Mapped:metadata'],
    ['0.0.0.0', 'blocked', 'unspecified'],
    ['0.1.2.3', 'blocked', 'unspecified'],
    ['::', 'blocked', 'unspecified'],
    ['255.255.255.255', 'blocked', 'broadcast'],
    ['224.0.0.1', 'blocked', 'multicast'],
    ['239.255.255.250', 'blocked', 'multicast'],
    ['ff02::1', 'blocked', 'multicast'],
    ['::ffff:224.0.0.1', 'blocked', 'ipv4Mapped:multicast'],
    ['::ffff:0.0.0.0', 'blocked', 'ipv4Mapped:unspecified'],
    ['240.0.0.1', 'blocked', 'reserved'],
    ['192.0.2.10', 'blocked', 'reserved'],
    ['2001:db8::1', 'blocked', 'reserved'],
    ['2001::1', 'blocked', 'teredo'],
    ['fec0::1', 'blocked', 'deprecatedSiteLocal'],
    ['::7f00:1', 'blocked', 'ipv4Compatible'],
    ['64:ff9b:1::a00:1', 'blocked', 'rfc6052'],
    ['not-an-ip', 'blocked', 'invalid'],
  ])('%s is %s (%s)', (address, kind, range) => {
    expect(classifyAddress(address)).toEqual({ kind, range });
  });
});

describe('checkTarget', () => {
  const lookup = tableLookup({
    'hooks.example.com': ['93.184.215.14', '2606:2800:21f:cb07:6820:80da:af6b:8b2c'],
    'localhost': ['127.0.0.1', '::1'],
    'intranet.example.com': ['10.0.0.7'],
    'mixed.example.com': ['93.184.215.14', '10.0.0.7'],
    'metadata.example.com': ['169.254.169.254'],
    'empty.example.com': [],
  });

  it.each([
    // url, allowPrivate, expected outcome
    ['https://hooks.example.com/parley', false, 'ok'],
    ['http://hooks.example.com:8080/x?y=1', false, 'ok'],
    ['https://93.184.215.14/hook', false, 'ok'],
    ['https://[2606:4700::1111]/hook', false, 'ok'],
    ['http://localhost:3000/hook', false, 'blocked_address'],
    ['http://localhost:3000/hook', true, 'ok'],
    ['http://127.0.0.1/hook', false, 'blocked_address'],
    ['http://127.0.0.1/hook', true, 'ok'],
    ['http://[::1]/hook', false, 'blocked_address'],
    ['http://[::ffff:127.0.0.1]/hook', false, 'blocked_address'],
    ['http://2130706433/hook', false, 'blocked_address'], // decimal 127.0.0.1, normalised by URL
    ['http://0x7f.1/hook', false, 'blocked_address'],
    ['http://intranet.example.com/hook', false, 'blocked_address'],
    ['http://intranet.example.com/hook', true, 'ok'],
    ['http://mixed.example.com/hook', false, 'blocked_address'],
    ['http://169.254.169.254/latest/meta-data/', false, 'blocked_address'],
    ['http://169.254.169.254/latest/meta-data/', true, 'blocked_address'],
    ['http://metadata.example.com/', true, 'blocked_address'],
    ['http://[fd00:ec2::254]/', true, 'blocked_address'],
    ['http://0.0.0.0:3000/', true, 'blocked_address'],
    ['http://100.64.1.1/', false, 'blocked_address'],
    ['http://192.168.0.10/', false, 'blocked_address'],
    ['http://[fe80::1]/', false, 'blocked_address'],
    ['http://224.0.0.251/', true, 'blocked_address'],
    ['ftp://hooks.example.com/x', false, 'scheme'],
    ['file:///etc/passwd', true, 'scheme'],
    ['gopher://hooks.example.com/', false, 'scheme'],
    ['javascript:alert(1)', false, 'scheme'],
    ['hooks.example.com/no-scheme', false, 'invalid_url'],
    ['not a url', false, 'invalid_url'],
    ['http://nowhere.example.com/', false, 'dns_failed'],
    ['http://empty.example.com/', false, 'no_address'],
  ])('%s (allowPrivate %s) -> %s', async (url, allowPrivate, expected) => {
    const result = await checkTarget(url, { allowPrivate, lookup });
    expect(result.ok ? 'ok' : result.reason).toBe(expected);
  });

  it('returns every checked address, the first to connect to, and the host for Host and SNI', async () => {
    const result = await checkTarget('https://hooks.example.com/parley', { allowPrivate: false, lookup });
    expect(result).toMatchObject({
      ok: true,
      hostname: 'hooks.example.com',
      port: 443,
      address: '93.184.215.14',
      family: 4,
      addresses: [
        { address: '93.184.215.14', family: 4 },
        { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
      ],
    });
  });

  it('does not resolve IP literals and strips IPv6 brackets', async () => {
    const counting = tableLookup({});
    const result = await checkTarget('http://[2606:4700::1111]:8443/x', { allowPrivate: false, lookup: counting });
    expect(counting.calls).toEqual([]);
    expect(result).toMatchObject({ ok: true, hostname: '2606:4700::1111', port: 8443, family: 6 });
  });

  it('names the refused range without echoing the URL', async () => {
    const result = await checkTarget('http://intranet.example.com/secret-path', { allowPrivate: false, lookup });
    expect(result).toMatchObject({ ok: false, reason: 'blocked_address', range: 'private' });
    if (!result.ok) expect(result.message).not.toContain('secret-path');
  });

  it('resolves with the system resolver when none is given', async () => {
    const result = await checkTarget('http://localhost:1/', { allowPrivate: false });
    expect(result).toMatchObject({ ok: false, reason: 'blocked_address' });
  });
});
