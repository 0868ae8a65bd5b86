import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clientAddress } from '../../../functions/app/http/client-address.ts';
import { directHeader, loadBalancerHeader } from '../../support/forwarded-for.ts';

const SOCKET = '169.254.8.1'; // what the function's socket sees: Google's front end

test('a function reached directly (trusted_hops 1): the entry Google appended, whatever the client sent', () => {
  assert.equal(clientAddress(directHeader('198.51.100.23'), SOCKET, 1), '198.51.100.23');
  for (const forged of ['81.2.69.142', '10.0.0.1, 81.2.69.142', 'unknown', '1.1.1.1,,2.2.2.2', '::1']) {
    assert.equal(clientAddress(directHeader('198.51.100.23', forged), SOCKET, 1), '198.51.100.23', forged);
  }
});

test('behind an external Application Load Balancer (trusted_hops 2): the client entry, not the balancer nor forgeries', () => {
  assert.equal(clientAddress(loadBalancerHeader('198.51.100.23', '34.120.0.10'), SOCKET, 2), '198.51.100.23');
  assert.equal(
    clientAddress(loadBalancerHeader('2001:db8::7', '34.120.0.10', '81.2.69.142, 203.0.113.5'), SOCKET, 2),
    '2001:db8::7',
  );
  // The default (1) would take the load balancer's own address: the setting matters.
  assert.equal(clientAddress(loadBalancerHeader('198.51.100.23', '34.120.0.10'), SOCKET, 1), '34.120.0.10');
});

test('fewer entries than hops: every entry came from a proxy, the left-most is the client', () => {
  assert.equal(clientAddress('198.51.100.23', SOCKET, 2), '198.51.100.23');
});

test('trusted_hops 0, no header, or an entry that is no address: the connection address', () => {
  assert.equal(clientAddress(directHeader('198.51.100.23', '81.2.69.142'), SOCKET, 0), SOCKET);
  assert.equal(clientAddress(undefined, SOCKET, 1), SOCKET);
  assert.equal(clientAddress('', SOCKET, 1), SOCKET);
  assert.equal(clientAddress('81.2.69.142, not-an-ip', SOCKET, 1), SOCKET);
  assert.equal(clientAddress('81.2.69.142, ', SOCKET, 1), SOCKET);
  assert.equal(clientAddress(`${'1.1.1.1,'.repeat(2000)}198.51.100.23`, SOCKET, 1), '198.51.100.23');
});
