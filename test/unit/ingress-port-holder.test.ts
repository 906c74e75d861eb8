import test from 'ava';
import { bindFailure, listeningInodes, portHolderMessage } from '../../modules/ingress/port-holder.js';

test('bindFailure reads the port out of each of docker\'s spellings, and nothing else', (t) => {
  t.deepEqual(
    bindFailure('docker: Error response from daemon: driver failed programming external connectivity on endpoint voodu-caddy (3f…): Bind for 0.0.0.0:80 failed: port is already allocated.'),
    { port: 80, address: '0.0.0.0' },
  );
  t.deepEqual(
    bindFailure('Error starting userland proxy: listen tcp4 127.0.0.1:443: bind: address already in use'),
    { port: 443, address: '127.0.0.1' },
  );
  t.deepEqual(bindFailure('listen tcp6 [::]:8443: bind: address already in use'), { port: 8443, address: '[::]' });
  t.deepEqual(bindFailure('failed to bind host port for 0.0.0.0:80:172.18.0.2:80/tcp: address already in use'), { port: 80, address: '0.0.0.0' });
  t.deepEqual(bindFailure('listen tcp :80: bind: address already in use'), { port: 80, address: '' });
  t.is(bindFailure('image voodu/caddy:2.6 is not present and cannot be pulled'), undefined);
  t.is(bindFailure('Bind for 0.0.0.0:99999 failed: port is already allocated'), undefined);
});

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:0050 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0
   1: 00000000:01BB 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4343 1 0000000000000000 100 0 0 10 0
   2: 0100007F:0050 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 5555 1 0000000000000000 20 4 30 10 -1
   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 6666 1 0000000000000000 100 0 0 10 0
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 7777 1 0000000000000000 100 0 0 10 0
`;

test('listeningInodes keeps the sockets listening on the port (state 0A), not its connections or other ports', (t) => {
  t.deepEqual(listeningInodes(TCP, 80), ['4242']);
  t.deepEqual(listeningInodes(TCP, 443), ['4343']);
  t.deepEqual(listeningInodes(TCP, 8080), ['6666']);
  t.deepEqual(listeningInodes(TCP, 22), []);
  t.deepEqual(listeningInodes(TCP6, 80), ['7777']);
  t.deepEqual(listeningInodes('', 80), []);
});

test('portHolderMessage names the port, the holder and the fix', (t) => {
  const failure = { port: 80, address: '0.0.0.0' };
  t.is(
    portHolderMessage(failure, [{ kind: 'container', name: 'old-nginx' }]),
    'port 80 (0.0.0.0:80) is taken: docker container "old-nginx" publishes it; stop or remove that container, or move the ingress plugin to other host ports',
  );
  t.is(
    portHolderMessage({ port: 443, address: '' }, [{ kind: 'process', pid: 812, command: 'nginx' }]),
    'port 443 is taken: process "nginx" (pid 812) listens on it; stop that process, or move the ingress plugin to other host ports',
  );
  t.regex(portHolderMessage(failure, [{ kind: 'socket', inode: '4242' }]), /^port 80 \(0\.0\.0\.0:80\) is taken: a process this controller cannot see listens on it \(socket inode 4242; `ss -ltnp 'sport = :80'` as root names it\); stop that process/);
  t.regex(portHolderMessage(failure, []), /^port 80 \(0\.0\.0\.0:80\) is taken, but nothing holds it any more/);
});
