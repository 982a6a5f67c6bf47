# Copyright (c) 2026 nusim-lwm2m contributors
# SPDX-License-Identifier: Apache-2.0
"""DTLS 1.2 with X.509 certificates for the harness's LwM2M server, on Mbed TLS
(python-mbedtls, PyPI): aiocoap's DTLS server (tinydtls) has pre-shared keys only.

- `make_pki(dir, endpoint, server_name)` writes a demo PKI: a CA, the device's certificate
  and key (its CN the endpoint name), and the server's (its CN the name the device checks),
  all ECDSA on P-256. The sample's overlay-x509.conf embeds `ca.der`, `client.der` and
  `client-key.der` (CONFIG_NUSIM_CLIENT_CERT_DIR); the server uses the rest.
- `CertFront` terminates DTLS in front of a plain CoAP server on loopback: every DTLS
  session gets a UDP socket of its own towards that server, so the server sees each
  session as one remote, answers through it, and sends its own requests (reads, writes,
  executes) into the session the device opened. `claims(remote)` says whom the session's
  handshake authenticated: the CN of a client certificate the server's CA signed.

    python3 tests/e2e/harness/x509.py DIR [ENDPOINT [SERVER_NAME]]

writes such a PKI into DIR for a build of the sample (demo only: the keys are not
protected, and the CA signs whatever this script asks).
"""

from __future__ import annotations

import datetime as dt
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

# The device's cipher suites (Zephyr's engine offers these two in certificate mode; 3.4's
# only the second).
CIPHERS = ("TLS-ECDHE-ECDSA-WITH-AES-128-CCM-8", "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256")
# The largest datagram the front sends, and the MTU Mbed TLS fragments the handshake to:
# well below the device's Ethernet payload (1,472 bytes of UDP), as the device does not
# reassemble IPv4 fragments.
DATAGRAM = 1200
# A session that heard nothing for this long is gone (the device reconnects from a new
# port after a restart or a back-off).
IDLE_S = 300


def _key():
    from mbedtls import pk

    key = pk.ECC(pk.Curve.SECP256R1)
    key.generate()
    return key


def _cert(subject: str, key, issuer=None, issuer_key=None, *, ca: bool = False, serial: int):
    from mbedtls import hashlib, x509

    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0, tzinfo=None)
    start, end = now - dt.timedelta(days=1), now + dt.timedelta(days=365)
    if issuer is None:
        csr = x509.CSR.new(key, subject, hashlib.sha256())
        return x509.CRT.selfsign(csr, key, not_before=start, not_after=end,
                                 serial_number=serial,
                                 basic_constraints=x509.BasicConstraints(True, 0))
    return x509.CRT.new(not_before=start, not_after=end, issuer=issuer.subject,
                        issuer_key=issuer_key, subject=subject, subject_key=key,
                        serial_number=serial, digestmod=hashlib.sha256(),
                        basic_constraints=x509.BasicConstraints(ca, 0))


@dataclass
class Pki:
    """A CA and what it signed, as DER (the files make_pki writes)."""

    ca: bytes
    ca_key: bytes
    client: bytes
    client_key: bytes
    server: bytes
    server_key: bytes

    def server_credentials(self):
        """The server's chain and key for a CertFront: (certificate, CA certificate, key)."""
        return self.server, self.ca, self.server_key


def make_pki(out: Path, endpoint: str, server_name: str) -> Pki:
    """A fresh CA, the device's certificate (CN=endpoint) and the server's
    (CN=server_name), written to out as DER: ca.der, ca-key.der, client.der,
    client-key.der, server.der, server-key.der."""
    ca_key = _key()
    ca = _cert("CN=nuSIM e2e test CA", ca_key, ca=True, serial=1)
    client_key, server_key = _key(), _key()
    pki = Pki(
        ca=ca.to_DER(),
        ca_key=ca_key.export_key("DER"),
        client=_cert(f"CN={endpoint}", client_key, ca, ca_key, serial=2).to_DER(),
        client_key=client_key.export_key("DER"),
        server=_cert(f"CN={server_name}", server_key, ca, ca_key, serial=3).to_DER(),
        server_key=server_key.export_key("DER"),
    )
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name, der in (("ca", pki.ca), ("ca-key", pki.ca_key), ("client", pki.client),
                      ("client-key", pki.client_key), ("server", pki.server),
                      ("server-key", pki.server_key)):
        (out / f"{name}.der").write_bytes(der)
    return pki


def load_pki(out: Path) -> Pki:
    out = Path(out)
    return Pki(*((out / f"{n}.der").read_bytes() for n in
                 ("ca", "ca-key", "client", "client-key", "server", "server-key")))


def sign_server(pki: Pki, server_name: str) -> tuple[bytes, bytes]:
    """Another server certificate from the same CA, for another name: (DER, key DER)."""
    from mbedtls import pk, x509

    ca = x509.CRT.from_DER(pki.ca)
    ca_key = pk.ECC.from_DER(pki.ca_key)
    key = _key()
    return _cert(f"CN={server_name}", key, ca, ca_key, serial=4).to_DER(), key.export_key("DER")


def _records(data: bytes) -> list[bytes]:
    """DTLS records, each whole (13-byte header, its length in bytes 11..12)."""
    out, i = [], 0
    while i + 13 <= len(data):
        n = 13 + int.from_bytes(data[i + 11:i + 13], "big")
        out.append(data[i:i + n])
        i += n
    return out


def _is_client_hello(data: bytes) -> bool:
    """A record of epoch 0 carrying a ClientHello: a new handshake from this address."""
    return len(data) > 13 and data[0] == 22 and data[3:5] == b"\0\0" and data[13] == 1


def _client_random(data: bytes) -> bytes:
    """A ClientHello's random (after the record header, the handshake header and the
    version): the same in a retransmission and in the answer to HelloVerifyRequest."""
    return data[27:59]


class _Session:
    """One client's DTLS session and its socket towards the plain server."""

    def __init__(self, front: "CertFront", addr, random: bytes):
        self.front, self.addr, self.random = front, addr, random
        context, self.label = front._credentials
        self.buf = context.wrap_buffers()
        # The cookie of HelloVerifyRequest binds the handshake to the client's address.
        self.buf.setcookieparam(f"{addr[0]}:{addr[1]}".encode())
        self.buf.setmtu(DATAGRAM)
        self.claims: tuple = ()
        self.up: socket.socket | None = None
        self.heard = time.monotonic()

    def feed(self, data: bytes):
        from mbedtls import tls
        from mbedtls.exceptions import TLSError

        self.buf.receive_from_network(data)
        if self.up is None:
            try:
                # One call may take one step only: on until Mbed TLS needs input.
                while self.buf._handshake_state is not tls.HandshakeStep.HANDSHAKE_OVER:
                    try:
                        self.buf.do_handshake()
                    except tls.WantWriteError:
                        self.flush()
            except tls.WantReadError:
                pass
            except tls.HelloVerifyRequest:
                # The client's next ClientHello carries the cookie: a new context.
                self.flush()
                self.front._drop(self, None)
                return
            except TLSError as e:
                self.flush()
                self.front._drop(self, f"handshake failed: {e}")
                return
            self.flush()
            if self.buf._handshake_state is not tls.HandshakeStep.HANDSHAKE_OVER:
                return
            self._established()
        while True:
            try:
                plain = self.buf.read(4096)
            except tls.WantReadError:
                break
            except TLSError as e:
                self.front._drop(self, f"session failed: {e}")
                return
            if not plain:
                # Nothing more (Mbed TLS reads b"" where no record is whole). A client
                # that starts over sends a ClientHello: CertFront then drops this session.
                break
            self.up.send(plain)
        self.flush()

    def _established(self):
        from mbedtls import x509

        peer = x509.CRT.from_DER(self.buf.getpeercert(binary_form=True))
        # The subject as Mbed TLS prints it ("CN=nusim-demo"); the harness's names have no
        # commas to escape.
        cn = dict(p.strip().split("=", 1) for p in peer.subject.split(",") if "=" in p).get("CN")
        self.claims = (f"CN={cn}",) if cn else ()
        self.up = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.up.bind(("127.0.0.1", 0))
        self.up.connect(self.front.backend)
        self.up.setblocking(False)
        self.front._loop.add_reader(self.up.fileno(), self._from_server)
        self.front._established(self)

    def _from_server(self):
        try:
            while True:
                try:
                    plain = self.up.recv(65535)
                except BlockingIOError:
                    break
                self.buf.write(plain)
            self.flush()
        except Exception as e:  # the session ended under the server's answer
            self.front._drop(self, f"session failed: {e!r}")

    def flush(self):
        """What Mbed TLS wrote, as datagrams of whole records up to DATAGRAM bytes."""
        out = self.buf.peek_outgoing(65535)
        if not out:
            return
        self.buf.consume_outgoing(len(out))
        dgram = b""
        for rec in _records(out):
            if dgram and len(dgram) + len(rec) > DATAGRAM:
                self.front._transport.sendto(dgram, self.addr)
                dgram = b""
            dgram += rec
        if dgram:
            self.front._transport.sendto(dgram, self.addr)

    def close(self):
        if self.up is not None:
            self.front._loop.remove_reader(self.up.fileno())
            self.up.close()
            self.up = None


class CertFront:
    """DTLS 1.2 with certificates on (host, port), in front of the plain CoAP server at
    backend (loopback). The server presents `credentials` (its certificate, the CA
    certificate of its chain, its key: DER), which a test may replace with
    set_credentials() while the front runs (the next handshake uses them). A client must
    present a certificate signed by clients_ca (DER; default: the chain's CA), whatever
    the server presents.

    .handshakes records (time, client address, outcome, label): the outcome "ok" or why
    it failed, the label that of the credentials the server presented (set_credentials).
    The front binds host:port and the plain server backend, so host must not be a
    wildcard that covers backend's address."""

    def __init__(self, credentials: tuple[bytes, bytes, bytes], backend: tuple[str, int],
                 clients_ca: bytes | None = None):
        self.backend = backend
        self.clients_ca = clients_ca if clients_ca is not None else credentials[1]
        self.handshakes: list[tuple[float, tuple, str, str]] = []
        self._sessions: dict[tuple, _Session] = {}
        self._by_port: dict[int, _Session] = {}
        self._transport = None
        self._loop = None
        self.set_credentials(*credentials)

    def set_credentials(self, cert: bytes, ca: bytes, key: bytes, label: str = "server"):
        from mbedtls import pk, tls, x509

        crt, ca_crt = x509.CRT.from_DER(cert), x509.CRT.from_DER(ca)
        conf = tls.DTLSConfiguration(
            certificate_chain=((crt, ca_crt), pk.ECC.from_DER(key)),
            trust_store=tls.TrustStore([x509.CRT.from_DER(self.clients_ca)]),
            validate_certificates=True,
            ciphers=CIPHERS,
            lowest_supported_version=tls.DTLSVersion.DTLSv1_2,
            highest_supported_version=tls.DTLSVersion.DTLSv1_2,
        )
        # One attribute, replaced whole: a handshake starting meanwhile on the server's
        # thread sees the old pair or the new one, never a mix.
        self._credentials = (tls.ServerContext(conf), label)

    async def start(self, host: str, port: int):
        import asyncio

        self._loop = asyncio.get_running_loop()
        front = self

        class Protocol(asyncio.DatagramProtocol):
            def datagram_received(self, data, addr):
                front._received(data, addr)

        self._transport, _ = await self._loop.create_datagram_endpoint(
            Protocol, local_addr=(host, port))

    def stop(self):
        for s in list(self._sessions.values()):
            s.close()
        self._sessions.clear()
        self._by_port.clear()
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def claims(self, remote) -> tuple:
        """Whom the session behind a request's remote (the front's socket towards the
        server, on loopback) authenticated: ("CN=<endpoint>",), or () if none."""
        sockaddr = getattr(remote, "sockaddr", None)
        s = self._by_port.get(sockaddr[1]) if sockaddr else None
        return s.claims if s is not None else ()

    def _received(self, data: bytes, addr):
        now = time.monotonic()
        # Handshakes that stalled (an established session lives until the client starts
        # over: the server may talk to a quiet client in queue mode).
        for old in [o for o in self._sessions.values()
                    if o.up is None and o.addr != addr and now - o.heard > IDLE_S]:
            self._drop(old, "abandoned")
        s = self._sessions.get(addr)
        hello = _is_client_hello(data)
        if s is not None and hello and _client_random(data) != s.random:
            # The client starts over from this address (a restart, or a handshake it gave
            # up): a new session. A retransmitted ClientHello (the same random) goes to
            # the session it belongs to, which sends its flight again.
            self._drop(s, None)
            s = None
        try:
            if s is None:
                if not hello:
                    return  # nothing to do with a record of no session
                s = self._sessions[addr] = _Session(self, addr, _client_random(data))
            s.heard = now
            s.feed(data)
        except Exception as e:  # the socket towards the server, a certificate's parse
            if s is not None:
                self._drop(s, f"front failed: {e!r}")

    def _established(self, s: _Session):
        self._by_port[s.up.getsockname()[1]] = s
        self.handshakes.append((time.monotonic(), s.addr, "ok", s.label))

    def _drop(self, s: _Session, why: str | None):
        if why is not None and s.up is None:
            self.handshakes.append((time.monotonic(), s.addr, why, s.label))
        if self._sessions.get(s.addr) is s:
            del self._sessions[s.addr]
        if s.up is not None:
            self._by_port.pop(s.up.getsockname()[1], None)
        s.close()


if __name__ == "__main__":
    if not 2 <= len(sys.argv) <= 4:
        sys.exit(__doc__)
    args = sys.argv[1:] + [None] * (4 - len(sys.argv))
    make_pki(Path(args[0]), args[1] or "nusim-demo", args[2] or "192.0.2.2")
    print(f"wrote ca.der, client.der, client-key.der (the device's) and the server's to {args[0]}")
