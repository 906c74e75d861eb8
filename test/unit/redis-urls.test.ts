/**
 * The redis plugin's URLs (plain JS, run as shipped): what link,
 * new-password, failover and info hand a consumer — shared name for one pod
 * or --reads, master + shared name for several, the password
 * percent-encoded so no special character reaches the URL literally.
 */
import test from 'ava';
import {
  REDACTED,
  buildLinkUrls,
  buildSentinelHosts,
  composeUrl,
  encodeUserinfo,
  monitorTarget,
  redactUrl,
  redisPassword,
  redisPort,
} from '../../plugins/redis/lib/urls.js';

const spec = (over: Record<string, unknown> = {}) => ({ ports: ['6379'], replicas: 1, ...over });

test('one pod: a single REDIS_URL on the shared name', (t) => {
  const u = buildLinkUrls({ scope: 'clowk-lp', name: 'redis', spec: spec(), config: { REDIS_PASSWORD: 's3cret' } });
  t.is(u.write, 'redis://default:s3cret@redis.clowk-lp.voodu:6379');
  t.is(u.read, undefined);
});

test('several pods: the write URL pins the master, the read URL is the shared name; --reads gives one shared URL', (t) => {
  const config = { REDIS_PASSWORD: 's3cret' };
  const split = buildLinkUrls({ scope: 'clowk-lp', name: 'redis', spec: spec({ replicas: 3 }), config });
  t.is(split.write, 'redis://default:s3cret@redis-0.clowk-lp.voodu:6379');
  t.is(split.read, 'redis://default:s3cret@redis.clowk-lp.voodu:6379');
  const reads = buildLinkUrls({ scope: 'clowk-lp', name: 'redis', spec: spec({ replicas: 3 }), config, readsOnly: true });
  t.is(reads.write, 'redis://default:s3cret@redis.clowk-lp.voodu:6379');
  t.is(reads.read, undefined);
  const moved = buildLinkUrls({ scope: 'clowk-lp', name: 'redis', spec: spec({ replicas: 3 }), config: { ...config, REDIS_MASTER_ORDINAL: '2' } });
  t.is(moved.write, 'redis://default:s3cret@redis-2.clowk-lp.voodu:6379');
  t.is(moved.masterOrdinal, 2);
});

test('the ordinal and password about to be written override the bucket; a bad ordinal in the bucket is 0', (t) => {
  const config = { REDIS_PASSWORD: 'old', REDIS_MASTER_ORDINAL: 'primary' };
  const u = buildLinkUrls({ scope: 'p', name: 'c', spec: spec({ replicas: 3 }), config, masterOrdinal: 1, password: 'new' });
  t.is(u.write, 'redis://default:new@c-1.p.voodu:6379');
  t.is(buildLinkUrls({ scope: 'p', name: 'c', spec: spec({ replicas: 3 }), config }).write, 'redis://default:old@c-0.p.voodu:6379');
  t.is(buildLinkUrls({ scope: 'p', name: 'c', spec: spec({ replicas: 3 }), config: { REDIS_MASTER_ORDINAL: '-1' } }).write, 'redis://c-0.p.voodu:6379');
});

test('special characters in a password are never literal in the URL, and decode back to the password', (t) => {
  for (const pw of ['p@ss/word:#1', 'a b?c&d=e%f', "it's(*)!~", 'ü€漢', '@:@//##??']) {
    const url = composeUrl(pw, 'cache.prod.voodu', 6379);
    const userinfo = url.slice('redis://'.length, url.lastIndexOf('@'));
    t.regex(userinfo, /^default:[A-Za-z0-9%._~-]*$/, `${pw} → ${url}`);
    const parsed = new URL(url);
    t.is(parsed.hostname, 'cache.prod.voodu', pw);
    t.is(parsed.port, '6379', pw);
    t.is(decodeURIComponent(parsed.password), pw);
  }
  t.is(encodeUserinfo('p@ss/word:#1'), 'p%40ss%2Fword%3A%231');
  t.is(composeUrl(undefined, 'h.voodu', 6379), 'redis://h.voodu:6379');
});

test('redactUrl hides the password and nothing else', (t) => {
  const url = composeUrl('p@ss/word', 'cache-0.prod.voodu', 6379);
  t.is(redactUrl(url), `redis://default:${REDACTED}@cache-0.prod.voodu:6379`);
  t.is(redactUrl('redis://cache.prod.voodu:6379'), 'redis://cache.prod.voodu:6379');
});

test('port: the container port of ports[0], else 6379', (t) => {
  t.is(redisPort(undefined), 6379);
  t.is(redisPort({}), 6379);
  t.is(redisPort({ ports: [] }), 6379);
  t.is(redisPort({ ports: ['127.0.0.1:6379'] }), 6379);
  t.is(redisPort({ ports: ['0.0.0.0:6380'] }), 6380);
  t.is(redisPort({ ports: ['6381', '6382'] }), 6381);
  t.is(redisPort({ ports: [6383] }), 6383);
  t.is(redisPort({ ports: ['6384/tcp'] }), 6384);
  t.is(redisPort({ ports: ['garbage'] }), 6379);
  t.is(redisPort({ ports: ['99999'] }), 6379);
  t.is(redisPort({ ports: '6380' }), 6379);
  t.is(buildLinkUrls({ scope: 's', name: 'n', spec: { ports: ['6390'] }, config: {} }).write, 'redis://n.s.voodu:6390');
});

test('password: the bucket first, then the spec env, strings only', (t) => {
  t.is(redisPassword({ REDIS_PASSWORD: 'a' }, { env: { REDIS_PASSWORD: 'b' } }), 'a');
  t.is(redisPassword({}, { env: { REDIS_PASSWORD: 'b' } }), 'b');
  t.is(redisPassword({ REDIS_PASSWORD: '' }, { env: { REDIS_PASSWORD: 'b' } }), 'b');
  t.is(redisPassword({ REDIS_PASSWORD: 42 }, {}), undefined);
  t.is(redisPassword({}, { env: { REDIS_PASSWORD: true } }), undefined);
  t.is(redisPassword(undefined, undefined), undefined);
});

test('host names are trimmed and lowercased; unscoped ones end in .voodu', (t) => {
  t.is(buildLinkUrls({ scope: ' Prod ', name: ' Cache ', spec: spec({ replicas: 2 }), config: {} }).write, 'redis://cache-0.prod.voodu:6379');
  t.is(buildLinkUrls({ scope: '', name: 'cache', spec: spec(), config: {} }).write, 'redis://cache.voodu:6379');
});

test('replicas: whole numbers ≥ 1 count, anything else is one pod', (t) => {
  for (const [r, split] of [[3, true], [3.0, true], [0, false], [-2, false], ['3', false], [3.5, false], [null, false]] as const) {
    t.is(buildLinkUrls({ scope: 's', name: 'n', spec: { replicas: r }, config: {} }).read !== undefined, split, String(r));
  }
});

test('sentinel hosts: one per sentinel pod on 26379; the monitored redis comes from the sentinel spec env', (t) => {
  t.is(buildSentinelHosts('clowk-lp', 'redis-quorum', 3), 'redis-quorum-0.clowk-lp.voodu:26379,redis-quorum-1.clowk-lp.voodu:26379,redis-quorum-2.clowk-lp.voodu:26379');
  t.is(buildSentinelHosts('', 'q', 1), 'q-0.voodu:26379');
  t.is(buildSentinelHosts('S', 'Q', 0), 'q-0.s.voodu:26379');
  t.deepEqual(monitorTarget({ env: { VOODU_MONITOR_SCOPE: 'prod', VOODU_MONITOR_NAME: 'cache' } }), { scope: 'prod', name: 'cache' });
  t.is(monitorTarget({ env: { VOODU_MONITOR_SCOPE: 'prod' } }), undefined);
  t.is(monitorTarget({}), undefined);
});
